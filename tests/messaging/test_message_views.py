"""海关报文 in the admin and on the enterprise's record pages (issue 16 item 7): staff and auditors list, filter,
read and export every message; staff send a failed one again (confirmed, CSRF, audited); an enterprise sees
its own records' messages and receipts and nothing of another enterprise's."""
from __future__ import annotations

import csv
import html
import io
import re
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, CustomsMessage
from tests.factories import csrf_token
from tests.messaging import builders as mb
from wire.messages import new_guid

ADMIN = "/admin/customs_messages/"


def _filter_arg(app, column: str, operation: str = "FilterEqual") -> str:
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "customs_messages")
    return next(arg for arg, (_i, flt) in view._filter_args.items()
                if flt.column.key == column and type(flt).__name__ == operation)


def _listed(client, query: str = "") -> set[str]:
    """Return the row ids of the messages on the filtered list page (their details links)."""
    page = client.get(ADMIN + ("?" + query if query else ""))
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return set(re.findall(r'customs_messages/details/\?id=(\d+)', html.unescape(page.get_data(as_text=True))))


@pytest.fixture
def staff(client, make):
    user = make.user(None, role="staff")
    make.login(client, user=user)
    return user


def test_staff_list_names_direction_status_and_signature(client, make, staff):
    _who, head, out, receipts = mb.conversation(make, client)
    page = client.get(ADMIN).get_data(as_text=True)
    assert _listed(client) == {str(out.id), *(str(r.id) for r in receipts)}
    assert "发送" in page and "回执" in page and "已发送" in page and "已处理" in page
    assert head.center_no in page and out.msg_type in page and receipts[0].msg_type in page


def test_staff_filter_by_direction_status_type_business_no_and_time(client, make, app, staff):
    _who, head, out, receipts = mb.conversation(make, client)
    _other, _other_head, failed = mb.failed_list(make, client)
    ids = lambda *rows: {str(row.id) for row in rows}  # noqa: E731
    assert _listed(client, f"flt0_{_filter_arg(app, 'direction')}=IN") == ids(*receipts)
    assert _listed(client, f"flt0_{_filter_arg(app, 'status')}=FAILED") == ids(failed)
    assert _listed(client, f"flt0_{_filter_arg(app, 'msg_type')}={out.msg_type}") == ids(out, failed)
    assert _listed(client, f"flt0_{_filter_arg(app, 'business_no')}={head.center_no}") == ids(out, *receipts)
    between = _filter_arg(app, "created_at", "DateTimeBetweenFilter")
    assert _listed(client, f"flt0_{between}=2000-01-01+00:00:00+to+2000-01-02+00:00:00") == set()
    assert _listed(client, f"flt0_{between}=2000-01-01+00:00:00+to+2999-01-02+00:00:00") == ids(out, failed, *receipts)
    assert _listed(client, f"search={head.center_no}") == ids(out, *receipts)


def test_list_pages_by_keyset(client, make, staff):
    _who, _head, out = mb.declared_list(make, client)
    rows = [out, *mb.copies(out, 24)]
    first = client.get(ADMIN).get_data(as_text=True)
    assert _listed(client) == {str(row.id) for row in rows[5:]}
    older = re.search(r'href="([^"]*after=\d+[^"]*)"', first).group(1)
    second = _listed(client, html.unescape(older).split("?", 1)[1])
    assert second == {str(row.id) for row in rows[:5]}  # newest first: the 5 oldest are on page two


def test_details_show_the_xml_escaped_the_signature_and_the_receipts(client, make, staff):
    _who, head, out, receipts = mb.conversation(make, client)
    page = client.get(f"{ADMIN}details/?id={out.id}").get_data(as_text=True)
    assert ("已签名，验签通过" if out.signed else "未签名") in page
    xml = page[page.index('id="message-xml"'):]
    assert "&lt;ceb:CEB961Message" in xml and "<ceb:CEB961Message" not in xml  # text, never markup
    assert "\n  &lt;ceb:CollectionInventory&gt;" in xml  # indented
    for receipt in receipts:
        assert f"{ADMIN}details/?id={receipt.id}" in page and receipt.message_id in page
    assert "海关审批通过" in page and "已结关" in page
    assert f"/admin/list_heads/details/?id={head.id}" in page
    answer = client.get(f"{ADMIN}details/?id={receipts[0].id}").get_data(as_text=True)
    assert f"{ADMIN}details/?id={out.id}" in answer and "所答报文" in answer
    assert 'id="message-resend"' not in page  # a SENT message is not sent again


def test_auditor_exports_the_filtered_messages_without_their_xml(client, make, app):
    _who, head, out, receipts = mb.conversation(make, client)
    make.login(client, user=make.user(None, role="auditor"))
    body = client.get(f"{ADMIN}export/csv/?flt0_{_filter_arg(app, 'direction')}=IN").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    assert sorted(row[header.index("报文编号")] for row in data) == sorted(r.message_id for r in receipts)
    assert {row[header.index("方向")] for row in data} == {"回执"}
    assert {row[header.index("状态")] for row in data} == {"已处理"}
    assert "报文内容" not in header and "<ceb:" not in body


def _resend(client, message, confirmed: bool = True, token: str | None = None):
    data = {"id": message.id, "csrf_token": token if token is not None else csrf_token(client, ADMIN)}
    if confirmed:
        data["confirmed"] = "1"
    return client.post(f"{ADMIN}resend/", data=data)


def test_staff_resend_a_failed_message_confirmed_audited_and_published_again(client, make, staff):
    _who, head, failed = mb.failed_list(make, client)
    assert (failed.status, failed.attempts) == ("FAILED", 1) and "unreachable" in failed.last_error
    details = client.get(f"{ADMIN}details/?id={failed.id}").get_data(as_text=True)
    assert 'id="message-resend"' in details
    asked = _resend(client, failed, confirmed=False)
    assert asked.status_code == 200 and "确认重新发送" in asked.get_data(as_text=True)
    assert db.session.get(CustomsMessage, failed.id).status == "FAILED"  # nothing before the confirmation
    done = _resend(client, failed)
    assert done.status_code == 302
    db.session.expire_all()
    again = db.session.get(CustomsMessage, failed.id)
    assert (again.status, again.attempts, again.last_error) == ("PENDING", 0, None)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "customs_messages",
                                                      AuditLog.record_id == failed.id,
                                                      AuditLog.action == "status")).all()
    assert [(a.username, a.diff["status"], a.diff["attempts"]) for a in audit] == [
        (staff.username, ["FAILED", "PENDING"], [1, 0])]
    mb.customs_pass()  # the dispatcher publishes it again; customs answers; the list is cleared
    assert db.session.get(CustomsMessage, failed.id).status == "SENT"
    assert db.session.get(type(head), head.id).status == 15
    assert [r.status for r in mb.messages_of(head, "IN")] == ["APPLIED", "APPLIED"]


def test_resend_needs_csrf_staff_and_a_failed_or_pending_message(client, make, app):
    _who, _head, out, receipts = mb.conversation(make, client)
    _other, _other_head, failed = mb.failed_list(make, client)
    make.login(client, user=make.user(None, role="staff"))
    assert _resend(client, failed, token="forged").status_code == 400
    refused = client.post(f"{ADMIN}resend/", data={"id": out.id, "confirmed": "1",
                                                   "csrf_token": csrf_token(client, ADMIN)}, follow_redirects=True)
    assert "只有发送失败或待发送的发送报文可以重新发送" in refused.get_data(as_text=True)
    assert _resend(client, receipts[0]).status_code == 302
    db.session.expire_all()
    assert db.session.get(CustomsMessage, out.id).status == "SENT"
    assert db.session.get(CustomsMessage, receipts[0].id).status == "APPLIED"
    auditor = app.test_client()
    make.login(auditor, user=make.user(None, role="auditor"))
    assert _resend(auditor, failed).status_code == 403
    db.session.expire_all()
    assert db.session.get(CustomsMessage, failed.id).status == "FAILED"


def test_bulk_resend_sends_the_failed_and_reports_the_others(client, make, staff):
    _who, _head, out, _receipts = mb.conversation(make, client)
    failed = [mb.failed_list(make, client)[2] for _ in range(2)]
    answer = client.post(f"{ADMIN}action/", data={"action": "resend", "rowid": [m.id for m in (*failed, out)],
                                                 "csrf_token": csrf_token(client, ADMIN)}, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "已重新发送 2 条报文" in text and out.message_id in text
    db.session.expire_all()
    assert [db.session.get(CustomsMessage, m.id).status for m in (*failed, out)] == ["PENDING", "PENDING", "SENT"]


def test_enterprise_sees_only_its_own_messages_in_the_admin(client, make, app):
    who, _head, out, receipts = mb.conversation(make, client)
    _other, _other_head, theirs = mb.declared_list(make, client)
    make.login(client, card=who.card)
    assert _listed(client) == {str(out.id), *(str(r.id) for r in receipts)}
    assert client.get(f"{ADMIN}details/?id={theirs.id}").status_code == 404
    export = client.get(f"{ADMIN}export/csv/").get_data(as_text=True)
    assert theirs.message_id not in export and out.message_id in export
    assert client.post(f"{ADMIN}resend/", data={"id": out.id, "csrf_token": csrf_token(client, ADMIN)}
                       ).status_code == 403


def test_record_page_lists_its_messages_and_receipts_with_links(client, make):
    who, head, out, receipts = mb.conversation(make, client)
    make.login(client, card=who.card)
    page = client.get(f"/c/lists/{head.center_no}").get_data(as_text=True)
    card = page[page.index('id="customs-messages"'):]
    for message in (out, *receipts):
        assert f"/messages/{message.message_id}" in card
    assert card.index(out.message_id) < card.index(receipts[0].message_id) < card.index(receipts[1].message_id)
    assert "海关审批通过" in card and "已结关" in card and "已处理" in card and "回执" in card


def test_message_page_shows_the_xml_and_downloads_the_original(client, make):
    who, head, out, receipts = mb.conversation(make, client)
    make.login(client, card=who.card)
    page = client.get(f"/messages/{out.message_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "&lt;ceb:copNo&gt;" + head.center_no in text
    assert f"/messages/{receipts[1].message_id}" in text
    raw = client.get(f"/messages/{out.message_id}.xml")
    assert raw.mimetype == "application/xml" and raw.get_data(as_text=True) == out.xml
    assert client.get(f"/messages/{out.message_id.lower()}").status_code == 200


def test_another_enterprises_message_is_404_and_never_listed(client, make):
    _who, head, out, receipts = mb.conversation(make, client)
    other, other_head, _theirs = mb.declared_list(make, client)
    make.login(client, card=other.card)
    for message in (out, receipts[0]):
        assert client.get(f"/messages/{message.message_id}").status_code == 404
        assert client.get(f"/messages/{message.message_id}.xml").status_code == 404
    assert client.get(f"/c/lists/{head.center_no}").status_code == 404
    page = client.get(f"/c/lists/{other_head.center_no}").get_data(as_text=True)
    assert out.message_id not in page and receipts[0].message_id not in page


def test_account_login_reads_no_module_c_message(client, make):
    who, _head, out, _receipts = mb.conversation(make, client)
    make.login(client, user=who.user)
    assert client.get(f"/messages/{out.message_id}").status_code == 404


def test_an_unreadable_receipt_is_shown_as_it_came(client, make):
    from portal.messaging import inbox
    transport_id = new_guid()
    assert inbox.apply(db.session, transport_id, b"<ceb:CEB962Message><unclosed>&").status == "INVALID"
    broken = db.session.scalars(select(CustomsMessage).where(CustomsMessage.message_id == transport_id)).one()
    make.login(client, user=make.user(None, role="staff"))
    page = client.get(f"{ADMIN}details/?id={broken.id}").get_data(as_text=True)
    assert "&lt;ceb:CEB962Message&gt;&lt;unclosed&gt;&amp;" in page and "格式错误" in page


def test_admin_home_counts_failed_messages_and_receipts_not_applied(client, make):
    from portal.messaging import inbox
    from tests.test_admin_home import badge, queue_row
    _who, _head, failed = mb.failed_list(make, client)
    _other, _other_head, _out, _receipts = mb.conversation(make, client)
    assert inbox.apply(db.session, new_guid(), b"<not-an-envelope").status == "INVALID"
    make.login(client, user=make.user(None, role="staff"))
    home = client.get("/admin/").get_data(as_text=True)
    row = queue_row(home, "发送失败的海关报文")
    assert badge(row) == "1"
    link = html.unescape(re.search(r'href="([^"]+)"', row).group(1))
    assert _listed(client, link.split("?", 1)[1]) == {str(failed.id)}
    assert badge(queue_row(home, "格式错误的回执")) == "1" and badge(queue_row(home, "原报文未知的回执")) == "0"
