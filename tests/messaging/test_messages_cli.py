"""flask --app wsgi customs messages list | show | replay (issue 16 item 7)."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.messaging import inbox
from portal.models import AuditLog, CustomsMessage
from tests.messaging import builders as mb
from wire.envelope import wrap
from wire.messages import ReceiptMessage, new_guid, receipt_to_xml


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["customs", "messages", *args])


def test_list_filters_by_business_no_status_and_direction(app, make, client):
    _who, head, out, receipts = mb.conversation(make, client)
    _other, other_head, failed = mb.failed_list(make, client)
    listed = lambda *args: [row["message_id"] for row in json.loads(_run(app, "list", *args).output)]  # noqa: E731
    assert listed() == [failed.message_id, receipts[1].message_id, receipts[0].message_id, out.message_id]
    assert listed("--business-no", head.center_no, "--direction", "IN") == [r.message_id for r in reversed(receipts)]
    assert listed("--status", "FAILED") == [failed.message_id]
    assert listed("--limit", "1") == [failed.message_id]
    row = json.loads(_run(app, "list", "--status", "FAILED").output)[0]
    assert (row["direction"], row["type"], row["status_name"], row["business_no"]) == \
        ("OUT", failed.msg_type, "发送失败", other_head.center_no)
    assert _run(app, "list", "--status", "LOST").exit_code == 2  # not a status of the table


def test_show_prints_the_xml_as_stored_or_indented(app, make, client):
    _who, _head, out, _receipts = mb.conversation(make, client)
    shown = _run(app, "show", out.message_id)
    assert shown.exit_code == 0 and shown.output.strip() == out.xml
    indented = _run(app, "show", out.message_id.lower(), "--pretty").output
    assert "\n  <ceb:CollectionInventory>" in indented
    assert _run(app, "show", str(out.id)).output.strip() == out.xml
    missing = _run(app, "show", new_guid())
    assert missing.exit_code == 1 and "没有报文" in missing.output


def test_replay_sends_a_failed_message_again_audited_as_the_command_line(app, make, client):
    _who, _head, failed = mb.failed_list(make, client)
    result = _run(app, "replay", failed.message_id)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    again = db.session.get(CustomsMessage, failed.id)
    assert (again.status, again.attempts, again.last_error) == ("PENDING", 0, None)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "customs_messages",
                                                      AuditLog.action == "status")).all()
    assert [(a.record_id, a.username, a.diff["status"]) for a in audit] == [(failed.id, "cli", ["FAILED", "PENDING"])]


def test_replay_refuses_a_sent_message_and_changes_nothing(app, make, client):
    _who, _head, out, receipts = mb.conversation(make, client)
    refused = _run(app, "replay", out.message_id)
    assert refused.exit_code == 1 and "只有发送失败或待发送的发送报文可以重新发送" in refused.output
    db.session.expire_all()
    assert db.session.get(CustomsMessage, out.id).status == "SENT"


def _deliver(out, seq: int, return_status: str, info: str):
    """Deliver one receipt of `out` to the portal's inbox, as the simulated customs answers."""
    receipt = ReceiptMessage(guid=new_guid(), msg_type="CEB962", in_reply_to=out.message_id, original_type=out.msg_type,
                             business_no=out.business_no, seq=seq, return_status=return_status,
                             return_time=datetime(2026, 3, 1, 12, 5), return_info=info)
    body = wrap(receipt.msg_type, receipt.guid, "CUSTOMS", "PORTAL", receipt_to_xml(receipt), datetime(2026, 3, 1))
    inbox.apply(db.session, receipt.guid, body)
    return db.session.scalars(select(CustomsMessage).where(CustomsMessage.message_id == receipt.guid)).one()


def test_replay_applies_a_waiting_receipt_once_its_turn_has_come(app, make, client, monkeypatch):
    _who, head, out = mb.declared_list(make, client)
    second = _deliver(out, 2, "15", "已结关")
    assert second.status == "WAITING"
    waiting = _run(app, "replay", second.message_id)
    assert waiting.exit_code == 1 and "仍在等待第 1 步回执" in waiting.output
    with monkeypatch.context() as race:  # a concurrent consumer applies step 1 without seeing step 2 stored
        race.setattr(inbox, "_release_waiting", lambda *args: None)
        first = _deliver(out, 1, "7", "海关审批通过")
    assert (first.status, db.session.get(type(head), head.id).status) == ("APPLIED", 7)
    replayed = _run(app, "replay", second.message_id)
    assert replayed.exit_code == 0, replayed.output
    db.session.expire_all()
    assert (db.session.get(CustomsMessage, second.id).status, db.session.get(type(head), head.id).status) == \
        ("APPLIED", 15)
    again = _run(app, "replay", second.message_id)
    assert again.exit_code == 1 and "只有等待前序回执的回执可以重新处理" in again.output
