"""A signed list changed in transit (issue 16, "Tampering"): one byte of the business XML altered between the
portal and customs → customs answers an exception receipt (-2), the list goes to 海关入库失败 (C-14's receipt-
failed status) with the reason, and the enterprise and staff see why. Through the API, the configured transport
and the full customs pass; the untouched control list clears as usual."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import clock, messaging
from portal.extensions import db
from portal.models import CustomsMessage, ListHead
from portal.models.messages import IN, OUT
from scheduler.simulator import customs_tick
from tests.collection import builders_lists as b
from wire.envelope import unwrap, wrap
from wire.messages import SIGNATURE_ERROR
from wire.transport import TO_CUSTOMS

NOW = "2026-06-10T09:00:00"


class TamperingTransport:
    """The configured transport, but the first message to customs naming `marker` has one byte changed."""

    def __init__(self, inner, marker: bytes):
        self.inner, self.marker, self.changed = inner, marker, []

    def publish(self, queue: str, message_id: str, body: bytes) -> None:
        envelope = unwrap(body)
        if queue == TO_CUSTOMS and self.marker in envelope.xml and not self.changed:
            xml = envelope.xml.replace(b">120.5<", b">120.6<", 1)   # gross weight: one byte, still valid XML
            assert xml != envelope.xml
            self.changed.append(message_id)
            body = wrap(envelope.msg_type, envelope.message_id, envelope.sender_id, envelope.receiver_id, xml,
                        envelope.created)
        self.inner.publish(queue, message_id, body)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def _create_and_declare(client, who, volume) -> str:
    created = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no), headers=who.headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    center_no = created.json["center_no"]
    declared = client.post(f"/api/v1/lists/{center_no}/declare", headers=who.headers)
    assert declared.status_code == 200, declared.get_data(as_text=True)
    return center_no


def test_a_list_changed_in_transit_gets_an_exception_receipt_and_fails_with_the_reason(make, client, monkeypatch):
    who, _filing, volume = b.ready(make, client)
    tampered_no = _create_and_declare(client, who, volume)
    control_no = _create_and_declare(client, who, volume)
    sent = db.session.scalar(select(CustomsMessage).where(CustomsMessage.business_no == tampered_no,
                                                          CustomsMessage.direction == OUT))
    assert sent.signed and sent.key_serial == who.card.cert_serial   # signed with the declaring card
    real = messaging.transport()
    tampering = TamperingTransport(real, tampered_no.encode())
    monkeypatch.setattr(messaging, "transport", lambda: tampering)

    customs_tick(db.session, now="2026-06-10T09:02:00")
    customs_tick(db.session, now="2026-06-10T09:04:00")

    assert tampering.changed == [sent.message_id]
    tampered = client.get(f"/api/v1/lists/{tampered_no}", headers=who.headers).json
    assert tampered["status"] == 3                                     # 海关入库失败
    reason = tampered["receipts"][-1]["message"]
    assert "签名" in reason or "摘要" in reason, reason
    assert client.get(f"/api/v1/lists/{control_no}", headers=who.headers).json["status"] == 15

    db.session.expire_all()
    assert db.session.get(CustomsMessage, sent.id).signature_valid is False
    answer = db.session.scalar(select(CustomsMessage).where(CustomsMessage.in_reply_to == sent.message_id,
                                                            CustomsMessage.direction == IN))
    assert answer.return_status == SIGNATURE_ERROR and answer.return_info == reason
    head = db.session.scalar(select(ListHead).where(ListHead.center_no == tampered_no))
    assert head.status == 3
