"""The receipt applier (issue 16 item 3): receipts move records once each, in order; unknown ones are parked and
unreadable ones refused — whatever the transport delivers, however often."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.messaging import dispatch, inbox, transport
from portal.models import CustomsMessage, ListHead, Receipt
from portal.models.messages import IN, OUT
from rules.lifecycle import status_name
from rules.lifecycles_messages import APPLIED, INVALID, PARKED, STALE, WAITING
from scheduler.customs import receipt_guid
from tests.messaging.records import sending
from wire.catalog import CUSTOMS_DXP_ID, MESSAGE_TYPES
from wire.envelope import wrap
from wire.messages import ReceiptMessage, new_guid, receipt_to_xml
from wire.transport import TO_PORTAL

LATER = datetime(2026, 6, 10, 9, 5)


def _declared_list(make):
    head = sending(make, "list_heads")
    sent = db.session.scalar(select(CustomsMessage).where(CustomsMessage.record_id == head.id,
                                                          CustomsMessage.register == "list_heads"))
    return head, sent


def receipt_body(sent: CustomsMessage, seq: int, status, info: str = "", *, in_reply_to: str | None = None) -> bytes:
    """Return receipt `seq` answering `sent` with `status`, wrapped as customs sends it."""
    receipt = ReceiptMessage(guid=receipt_guid(in_reply_to or sent.message_id, seq),
                             msg_type=MESSAGE_TYPES[sent.msg_type].receipt_code,
                             in_reply_to=in_reply_to or sent.message_id, original_type=sent.msg_type,
                             business_no=sent.business_no, seq=seq, return_status=str(status), return_time=LATER,
                             return_info=info)
    return wrap(receipt.msg_type, receipt.guid, CUSTOMS_DXP_ID, "DXPENT0", receipt_to_xml(receipt), LATER)


def _apply(body: bytes) -> inbox.Outcome:
    with clock.frozen(LATER):
        return inbox.apply(db.session, new_guid(), body)


def _status(head) -> int:
    return db.session.get(ListHead, head.id, populate_existing=True).status


def _customs_receipts(head) -> list[tuple]:
    return [(r.from_status, r.to_status) for r in db.session.scalars(
        select(Receipt).where(Receipt.record_type == "list_heads", Receipt.record_id == head.id,
                              Receipt.source == "customs").order_by(Receipt.id))]


def _in_rows(sent) -> list[tuple]:
    return [(r.seq, r.status) for r in db.session.scalars(
        select(CustomsMessage).where(CustomsMessage.in_reply_to == sent.message_id).order_by(CustomsMessage.seq))]


def test_a_receipt_delivered_twice_moves_its_record_once_and_is_stored_once(make):
    head, sent = _declared_list(make)
    body = receipt_body(sent, 1, 7)
    first, second = _apply(body), _apply(body)
    assert (first.status, first.moves) == (APPLIED, ["list_heads:7"])
    assert (second.status, second.moves) == (inbox.DUPLICATE, [])
    assert _status(head) == 7 and _customs_receipts(head) == [("2", "7")]
    assert _in_rows(sent) == [(1, APPLIED)]
    row = db.session.scalar(select(CustomsMessage).where(CustomsMessage.direction == IN))
    assert (row.register, row.record_id, row.enterprise_id) == ("list_heads", head.id, head.enterprise_id)
    assert db.session.get(CustomsMessage, sent.id, populate_existing=True).signature_valid is True


def test_two_receipts_out_of_order_are_applied_in_order_once_each(make):
    head, sent = _declared_list(make)
    later = _apply(receipt_body(sent, 2, 15))
    assert later.status == WAITING and _status(head) == 2
    earlier = _apply(receipt_body(sent, 1, 7))
    assert earlier.status == APPLIED and earlier.moves == ["list_heads:7", "list_heads:15"]
    assert _status(head) == 15 and _customs_receipts(head) == [("2", "7"), ("7", "15")]
    assert _in_rows(sent) == [(1, APPLIED), (2, APPLIED)]
    assert _apply(receipt_body(sent, 2, 15)).status == inbox.DUPLICATE and _status(head) == 15


def test_a_receipt_for_an_unknown_message_is_parked_and_shown_with_its_name(make):
    head, sent = _declared_list(make)
    outcome = _apply(receipt_body(sent, 1, 7, in_reply_to=new_guid()))
    assert outcome.status == PARKED and _status(head) == 2
    parked = db.session.scalar(select(CustomsMessage).where(CustomsMessage.status == PARKED))
    assert parked.direction == IN and parked.record_id is None and parked.enterprise_id is None
    assert status_name("customs_messages", parked.status) == "未知报文的回执"


def test_an_unreadable_or_invalid_receipt_is_kept_invalid_with_the_error(make):
    head, sent = _declared_list(make)
    receipt = ReceiptMessage(guid=new_guid(), msg_type=MESSAGE_TYPES[sent.msg_type].receipt_code,
                             in_reply_to=sent.message_id, original_type=sent.msg_type, business_no=sent.business_no,
                             seq=1, return_status="7", return_time=LATER)
    xml = re.sub(rb"<(\w+:)?returnStatus>7</(\w+:)?returnStatus>", b"", receipt_to_xml(receipt))
    assert _apply(wrap(receipt.msg_type, receipt.guid, CUSTOMS_DXP_ID, "DXPENT0", xml, LATER)).status == INVALID
    assert _apply(b"<not-an-envelope/>").status == INVALID
    rows = list(db.session.scalars(select(CustomsMessage).where(CustomsMessage.status == INVALID)))
    assert len(rows) == 2 and all(r.last_error for r in rows) and _status(head) == 2


def test_an_exception_receipt_fails_the_record_with_its_reason(make):
    head, sent = _declared_list(make)
    outcome = _apply(receipt_body(sent, 1, "-2", "签名验证失败：签名值与报文不符"))
    assert outcome.moves == ["list_heads:3"] and _status(head) == 3
    receipt = db.session.scalar(select(Receipt).where(Receipt.record_id == head.id, Receipt.to_status == "3"))
    assert receipt.message == "签名验证失败：签名值与报文不符"
    assert db.session.get(CustomsMessage, sent.id, populate_existing=True).signature_valid is False


def test_a_receipt_for_a_record_decided_meanwhile_is_stale(make):
    head, sent = _declared_list(make)
    assert _apply(receipt_body(sent, 1, 3, "海关入库失败")).moves == ["list_heads:3"]
    outcome = _apply(receipt_body(sent, 2, 15))
    assert outcome.status == STALE and outcome.moves == [] and _status(head) == 3
    stale = db.session.scalar(select(CustomsMessage).where(CustomsMessage.status == STALE))
    assert "海关入库失败" in stale.last_error


def test_the_pass_publishes_once_and_a_message_is_never_published_twice(make):
    head, sent = _declared_list(make)
    first = dispatch.publish_pending(db.session, transport())
    again = dispatch.publish_pending(db.session, transport())
    assert (first, again) == ({"sent": 1, "failed": 0}, {"sent": 0, "failed": 0})
    row = db.session.get(CustomsMessage, sent.id, populate_existing=True)
    assert row.status == "SENT" and row.sent_at and row.attempts == 1
    assert db.session.scalar(select(func.count()).select_from(CustomsMessage).where(CustomsMessage.direction == OUT)) == 1
    assert transport().consume(TO_PORTAL, lambda *_: None) == 0


def test_a_publish_error_marks_the_message_failed_with_the_error(make, monkeypatch):
    head, sent = _declared_list(make)

    class Down:
        def publish(self, queue, message_id, body):
            raise ConnectionError("broker unreachable")

    assert dispatch.publish_pending(db.session, Down()) == {"sent": 0, "failed": 1}
    row = db.session.get(CustomsMessage, sent.id, populate_existing=True)
    assert row.status == "FAILED" and "broker unreachable" in row.last_error
    assert _status(head) == 2   # the record itself stays declared
