"""flask --app wsgi customs messages list | show | replay (issue 16 item 7)."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, CustomsMessage
from tests.messaging import builders as mb


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["customs", "messages", *args])


def test_list_filters_by_business_no_status_and_direction(app, make, client):
    who, head, out, receipts = mb.conversation(make, client)
    other, other_head = mb.declared_list(make, client)
    failed = mb.out_message(other_head, other.enterprise, status="FAILED")
    listed = lambda *args: [row["message_id"] for row in json.loads(_run(app, "list", *args).output)]  # noqa: E731
    assert listed() == [failed.message_id, receipts[1].message_id, receipts[0].message_id, out.message_id]
    assert listed("--business-no", head.center_no, "--direction", "IN") == [r.message_id for r in reversed(receipts)]
    assert listed("--status", "FAILED") == [failed.message_id]
    assert listed("--limit", "1") == [failed.message_id]
    row = json.loads(_run(app, "list", "--status", "FAILED").output)[0]
    assert (row["direction"], row["type"], row["status_name"], row["business_no"]) == \
        ("OUT", "CEB603", "发送失败", other_head.center_no)
    assert _run(app, "list", "--status", "LOST").exit_code == 2  # not a status of the table


def test_show_prints_the_xml_as_stored_or_indented(app, make, client):
    _who, _head, out, _receipts = mb.conversation(make, client)
    shown = _run(app, "show", out.message_id)
    assert shown.exit_code == 0 and shown.output.strip() == out.xml
    indented = _run(app, "show", out.message_id.lower(), "--pretty").output
    assert "\n  <ceb:ListHead>" in indented
    assert _run(app, "show", str(out.id)).output.strip() == out.xml
    missing = _run(app, "show", mb.guid())
    assert missing.exit_code == 1 and "没有报文" in missing.output


def test_replay_sends_a_failed_message_again_audited_as_the_command_line(app, make, client):
    who, head = mb.declared_list(make, client)
    failed = mb.out_message(head, who.enterprise, status="FAILED", attempts=3, last_error="timeout")
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
