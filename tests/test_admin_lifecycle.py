"""Final records are read-only in the admin: for every admin view of a register with a lifecycle (or a child of
one) and every status its lifecycle does not let staff edit, edit (GET and POST), in-place edit, delete and every
row action are refused and the row stays byte-for-byte the same (issue 12; the tables are rules/lifecycle.py).

The cases are enumerated from the admin and the lifecycle tables, so a new register or status is covered
without new code."""
from __future__ import annotations

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import select

from admin_views.lifecycles import governor_of
from portal.extensions import db
from rules.lifecycle import Actor, lifecycle_of
from tests.admin_rows import make_row
from tests.factories import csrf_token


def _cases():
    from portal import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cases = []
    for view in app.extensions["admin"][0]._views:
        if not isinstance(view, ModelView) or view.model.__table__.name not in db.metadata.tables:
            continue
        governor = governor_of(view.model.__table__, getattr(view, "lifecycle_parent", None))
        if governor is None:
            continue
        lifecycle = lifecycle_of(governor.register)
        for status in lifecycle.statuses:
            if not lifecycle.editable(status.code, Actor.STAFF):
                cases.append(pytest.param(view.endpoint, governor, status.code,
                                          id=f"{view.endpoint}-{status.code}"))
    return cases


CASES = _cases()


def test_the_cases_cover_parents_and_children():
    endpoints = {case.values[0] for case in CASES}
    assert {"list_heads", "list_items", "applications", "management_personnel", "investors", "products",
            "declarations", "declaration_items", "collection_filings", "qualifications"} <= endpoints


def _snapshot(table, record_id):
    return db.session.execute(select(table).where(table.c.id == record_id)).one()


@pytest.mark.parametrize(("endpoint", "governor", "status"), CASES)
def test_record_in_a_status_staff_may_not_edit_is_read_only_in_the_admin(client, make, app, endpoint, governor,
                                                                          status):
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == endpoint)
    table = view.model.__table__
    if governor.parent_column is None:
        record_id = make_row(table, status=status)
    else:
        parent = make_row(table.metadata.tables[governor.register], status=status)
        record_id = make_row(table, **{governor.parent_column: parent})
    before = _snapshot(table, record_id)
    make.login(client, user=make.user(None, role="staff"))
    token = csrf_token(client, "/admin/")
    base = f"/admin/{endpoint}/"
    refused = (403, 409)

    assert client.get(f"{base}edit/?id={record_id}").status_code in refused
    assert client.post(f"{base}edit/?id={record_id}", data={"csrf_token": token}).status_code in refused
    assert client.post(f"{base}delete/", data={"id": record_id, "csrf_token": token}).status_code in refused
    for name in view.column_editable_list or ():
        response = client.post(f"{base}ajax/update/", data={"list_form_pk": record_id, name: "", "csrf_token": token})
        assert response.status_code in refused
    for name, _label in view.get_actions_list()[0]:
        response = client.post(f"{base}action/", data={"action": name, "rowid": record_id, "csrf_token": token})
        assert response.status_code in refused, name
    listing = client.get(base).get_data(as_text=True)
    assert f"edit/?id={record_id}&" not in listing and f'name="id" value="{record_id}"' not in listing
    assert client.get(f"{base}details/?id={record_id}").status_code == 200

    db.session.expire_all()
    assert _snapshot(table, record_id) == before


def test_c22_staff_edit_of_an_item_of_an_aggregated_list_changes_no_mapping_or_sum(client, make):
    """C-22: an aggregated list (13 已汇总) and its items are final; the 归并关系 and the sums stay as built."""
    from portal import clock
    from portal.collection import aggregation
    from portal.models import ListItem
    from tests.collection import builders_aggregation as b
    clock.set_fixed_now("2026-04-02T10:00:00")
    who = b.party(make)
    head = b.cleared_list(who.enterprise, [b.item(qty="1.5", price="3"), b.item(qty="2", price="3")])
    aggregation.request_aggregation(db.session, who.identity, [head.center_no])
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()
    b.check_invariants()
    assert b.status_of(head) == 13
    mapped = b.snapshot(who.enterprise)
    item_id = db.session.scalar(select(ListItem.id).where(ListItem.list_id == head.id, ListItem.seq == 1))
    make.login(client, user=make.user(None, role="staff"))
    token = csrf_token(client, "/admin/")

    response = client.post(f"/admin/list_items/edit/?id={item_id}", data={"spec": "品名:冻鱼|改", "csrf_token": token})
    assert response.status_code == 409 and "C-14" in response.get_data(as_text=True)
    response = client.post(f"/admin/list_heads/edit/?id={head.id}",
                           data={"transport_mode": "5", "customs_code": "5300", "list_type": "IMPORT_GENERAL",
                                 "csrf_token": token})
    assert response.status_code == 409
    b.check_invariants()
    assert b.snapshot(who.enterprise) == mapped and b.status_of(head) == 13
