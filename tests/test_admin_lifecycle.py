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
