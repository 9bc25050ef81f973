"""删除 in the admin of a register with a lifecycle destroys: a confirmation step with a required opinion (S-3),
and the opinion goes into the audit row of the deleted record (issue 12)."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, ListHead, ListItem
from tests.collection import builders_aggregation as b
from tests.factories import csrf_token


def _staff_and_draft(client, make):
    head = b.cleared_list(b.party(make).enterprise, [b.item(qty="2", price="3")], status=1)
    make.login(client, user=make.user(None, role="staff"))
    return head, csrf_token(client, "/admin/")


def test_s3_admin_delete_of_a_draft_list_asks_for_confirmation_and_an_opinion(client, make):
    head, token = _staff_and_draft(client, make)
    response = client.post("/admin/list_heads/delete/", data={"id": head.id, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "确认决定" in html and 'name="opinion"' in html
    assert f'name="id" value="{head.id}"' in html
    response = client.post("/admin/list_heads/delete/", data={"id": head.id, "csrf_token": token,
                                                              "confirmed": "1", "opinion": "  "})
    assert response.status_code == 200 and "S-3" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ListHead, head.id) is not None


def test_s3_confirmed_admin_delete_removes_the_list_and_audits_the_opinion(client, make):
    head, token = _staff_and_draft(client, make)
    response = client.post("/admin/list_heads/delete/", data={"id": head.id, "csrf_token": token,
                                                              "confirmed": "1", "opinion": "重复录入，删除"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ListHead, head.id) is None
    assert db.session.scalar(select(ListItem.id).where(ListItem.list_id == head.id)) is None
    row = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "list_heads",
                                                    AuditLog.action == "delete")).one()
    assert row.record_id == head.id and row.diff["opinion"] == [None, "重复录入，删除"]


def test_c14_admin_delete_of_a_declared_list_is_refused_even_confirmed(client, make):
    head, token = _staff_and_draft(client, make)
    head.status = 2
    db.session.commit()
    response = client.post("/admin/list_heads/delete/", data={"id": head.id, "csrf_token": token,
                                                              "confirmed": "1", "opinion": "删除"})
    assert response.status_code == 409 and "C-14" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ListHead, head.id) is not None


def test_admin_delete_without_csrf_token_is_refused(client, make):
    head, _token = _staff_and_draft(client, make)
    response = client.post("/admin/list_heads/delete/", data={"id": head.id, "confirmed": "1", "opinion": "删除"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ListHead, head.id) is not None
