"""Builders for the people-side message tests, through the real flow: a list declared through the API writes its
message in the outbox; the simulated customs pass (`jobs.advance`) publishes it, decides and answers, and the
inbox applies the receipts; a broker that cannot be reached leaves a message FAILED."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.messaging import dispatch
from portal.models import CustomsMessage, ListHead
from scheduler import jobs
from tests.collection import builders_lists as b
from wire.messages import new_guid


class UnreachableBroker:
    """A transport whose broker cannot be reached: every publish raises, as a refused connection does."""

    def publish(self, queue: str, message_id: str, body: bytes) -> None:
        raise ConnectionRefusedError("broker 127.0.0.1:5672 unreachable")


def messages_of(head, direction: str) -> list[CustomsMessage]:
    """Return a list's messages of one direction (receipts by step)."""
    return list(db.session.scalars(select(CustomsMessage).where(
        CustomsMessage.register == "list_heads", CustomsMessage.record_id == head.id,
        CustomsMessage.direction == direction).order_by(CustomsMessage.seq, CustomsMessage.id)))


def declared_list(make, client):
    """Return (trader, list head, its OUT message waiting in the outbox) of a list saved and declared by API."""
    who, _filing, volume = b.ready(make, client)
    created = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, vessel_name=b.VESSEL["vessel_name"]),
                          headers=who.headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    declared = client.post(f"/api/v1/lists/{created.json['center_no']}/declare", headers=who.headers)
    assert declared.status_code == 200, declared.get_data(as_text=True)
    head = db.session.scalars(select(ListHead).where(ListHead.center_no == created.json["center_no"])).one()
    (out,) = messages_of(head, "OUT")
    return who, head, out


def customs_pass() -> dict:
    """Run the simulated customs without its delays until nothing moves (staff's 立即运行模拟海关)."""
    result = jobs.advance(db.session)
    db.session.commit()
    db.session.expire_all()
    return result


def conversation(make, client):
    """Return (trader, head, OUT message, [receipts]) of a declared list customs accepted (7) then cleared (15)."""
    who, head, out = declared_list(make, client)
    customs_pass()
    receipts = messages_of(head, "IN")
    assert [(r.seq, r.return_status, r.status) for r in receipts] == [(1, "7", "APPLIED"), (2, "15", "APPLIED")]
    return who, head, db.session.get(CustomsMessage, out.id), receipts


def failed_list(make, client):
    """Return (trader, head, OUT message) of a declared list whose message could not be published (FAILED)."""
    who, head, out = declared_list(make, client)
    assert dispatch.publish_pending(db.session, UnreachableBroker()) == {"sent": 0, "failed": 1}
    db.session.expire_all()
    return who, head, db.session.get(CustomsMessage, out.id)


def copies(message: CustomsMessage, count: int) -> list[CustomsMessage]:
    """Store `count` more messages like `message` (own guids), committed: many rows without many declarations."""
    columns = {c.key: getattr(message, c.key) for c in CustomsMessage.__table__.columns
               if c.key not in ("id", "message_id", "created_at", "updated_at")}
    rows = [CustomsMessage(message_id=new_guid(), **columns) for _ in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return rows
