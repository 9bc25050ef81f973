"""Every admin write is in the audit log (X-3): one row per create, edit and delete, for every register staff may
write in the admin (child registers included: list items, personnel, investors, volume items …), naming the
staff user, with the field diff. The cases are enumerated from the admin views."""
from __future__ import annotations

import itertools

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import delete, func, select

from admin_views.lifecycles import governor_of
from portal.extensions import db
from rules.lifecycle import Actor, lifecycle_of
from tests.admin_forms import form_values
from tests.admin_rows import make_row
from rules.identifiers import make_uscc
from tests.factories import csrf_token

_serial = itertools.count(900)


def _views():
    from portal import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)]


def _staff_writes(view) -> list[str]:
    """Return the writes staff may make in a view, as the view and the register's lifecycle allow them."""
    if not view.staff_can_edit:
        return []
    governor = governor_of(view.model.__table__, getattr(view, "lifecycle_parent", None))
    editable = governor is None or bool(lifecycle_of(governor.register).editable_statuses(Actor.STAFF))
    return [write for write, allowed in (("create", view.allow_create), ("edit", view.allow_edit and editable),
                                         ("delete", view.allow_delete)) if allowed]


CASES = [pytest.param(view.endpoint, write, id=f"{view.endpoint}-{write}") for view in _views()
         for write in _staff_writes(view)]


def _governed_row(view, **values) -> int:
    """A row of the view's register in a status (its own or its parent's) in which staff may edit it."""
    table = view.model.__table__
    governor = governor_of(table, getattr(view, "lifecycle_parent", None))
    if governor is None:
        return make_row(table, **values)
    status = lifecycle_of(governor.register).editable_statuses(Actor.STAFF)[0]
    if governor.parent_column is None:
        return make_row(table, status=status, **values)
    parent = make_row(table.metadata.tables[governor.register], status=status)
    return make_row(table, **{governor.parent_column: parent, **values})


def _section(**values):
    return lambda view, make: _governed_row(view, enterprise_id=make.enterprise().id, **values)


def _draft_list(make):
    from tests.collection import builders_aggregation as b
    return b.cleared_list(b.party(make).enterprise, [b.item()], status=1)


def _entered_filing(view, make):
    from tests.collection.builders_lists import filing
    from tests.collection.builders_aggregation import party
    return filing(party(make).enterprise, status="ENTERED").id


# Rows that pass their register's rules; any other register gets a row of test values (tests/admin_rows.py).
ROWS = {
    "enterprises": lambda view, make: make.enterprise().id,
    "users": lambda view, make: make.user(make.enterprise()).id,
    "cards": lambda view, make: make.card(make.user(make.enterprise())).id,
    "management_personnel": _section(person_type="CUSTOMS", name="张三", id_type="PASSPORT", id_no="E12345678",
                                     nationality="CHN", mobile="13800138000"),
    "investors": _section(name="出资方", nationality="CHN", currency="CNY", amount=10),
    "declaration_personnel": _section(name="李四", id_type="PASSPORT", id_no="E7654321", mobile="13800138001"),
    "external_licenses": _section(license_code="EXPRESS", number="YZ123", authority="邮政管理局"),
    "collection_filings": _entered_filing,
    "list_heads": lambda view, make: _draft_list(make).id,
    "list_items": lambda view, make: _draft_list(make).items[0].id,
    "bonded_book_items": lambda view, make: make_row(view.model.__table__, unit="035"),
    "qualification_exclusions": lambda view, make: make_row(view.model.__table__, type_a="TEMP", type_b="CBEC_SITE"),
    "qualification_dependencies": lambda view, make: make_row(view.model.__table__, qualification_type="CBEC_SITE",
                                                              requires_any="IE"),
    "agent_qualification_rules": lambda view, make: make_row(view.model.__table__, qualification_type="CBEC_SITE"),
    "watch_list": lambda view, make: make_row(view.model.__table__, uscc=make_uscc("91110000", next(_serial))),
    "settings": lambda view, make: db.session.scalar(select(view.model.id).where(view.model.key == "delay_review_seconds")),
}
# A change each edit makes (field → posted value); other registers change their first plain text field.
CHANGES = {"enterprises": {"contact_name": "王五"}, "list_items": {"spec": "品名:改"}, "settings": {"value": "7"},
           "collection_filings": {"ie_batches": "9"}, "list_heads": {"vessel_name": "新船"},
           "products": {"active": ""}, "cards": {"holder_name": "新持卡人"},
           "agent_qualification_rules": {"qualification_type": "CBEC_PAYMENT"}, "watch_list": {"opinion": "新意见"}}
# What a new record needs beyond a copy of an existing one's form.
CREATE_EXTRA = {"users": {"new_password": "N3w-Passw0rd!"}, "cards": {"new_pin": "654321"}}
# The whole form of a new record whose register has no record staff may open for edit (to copy).
CREATE_FORMS = {"qualifications": lambda make: {"enterprise": str(make.enterprise().id), "qualification_type": "DUAL",
                                                "filed_date": "2026-01-01"}}


def _row_of(view, make) -> int:
    if view.endpoint.startswith("codes_"):
        return make_row(view.model.__table__, table_name=view.table_name, name_zh="测试代码")
    builder = ROWS.get(view.endpoint)
    return builder(view, make) if builder else _governed_row(view)


def _change(view, form: dict) -> dict:
    if view.endpoint in CHANGES:
        return CHANGES[view.endpoint]
    from wtforms import StringField, TextAreaField
    names = [name for name, unbound in view._edit_form_class()._fields.items()
             if type(unbound) in (StringField, TextAreaField) and name in form]
    assert names, f"{view.endpoint}: no plain text field to change; add it to CHANGES"
    return {names[0]: "改"}


def _audit_rows():
    from portal.models import AuditLog
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def _last_audit():
    from portal.models import AuditLog
    return db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()


@pytest.fixture
def _keep_reference_tables(app):
    """Remove the rows a test adds to the reference tables, which the suite keeps between tests."""
    from tests.conftest import REFERENCE_TABLES
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in REFERENCE_TABLES and "id" in t.c]
    with app.app_context():
        last = {t.name: db.session.scalar(select(func.max(t.c.id))) or 0 for t in tables}
        db.session.remove()
    yield
    with app.app_context():
        for table in tables:
            db.session.execute(delete(table).where(table.c.id > last[table.name]))
        db.session.commit()
        db.session.remove()
    from admin_views import codecache
    codecache.invalidate()


@pytest.mark.usefixtures("_keep_reference_tables")
@pytest.mark.parametrize(("endpoint", "write"), CASES)
def test_x3_every_admin_write_adds_one_audit_row_naming_the_staff_user(client, make, app, endpoint, write):
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == endpoint)
    table = view.model.__table__
    staff = make.user(None, role="staff", username=f"auditor_of_{endpoint}"[:40])
    copied = write == "create" and endpoint in CREATE_FORMS
    record_id = None if copied else _row_of(view, make)
    make.login(client, user=staff)
    token = csrf_token(client, "/admin/")
    base = f"/admin/{endpoint}/"
    if copied:
        form = {**CREATE_FORMS[endpoint](make), "csrf_token": token}
    elif write != "delete":
        form = form_values(client.get(f"{base}edit/?id={record_id}").get_data(as_text=True))
    before = _audit_rows()

    if write == "edit":
        changes = _change(view, form)
        response = client.post(f"{base}edit/?id={record_id}", data={**form, **changes})
    elif write == "delete":
        response = client.post(f"{base}delete/", data={"id": record_id, "csrf_token": token, "confirmed": "1",
                                                        "opinion": "录入错误，删除"})
    else:
        if record_id is not None:  # the copied record makes room for the new one (unique columns)
            db.session.execute(delete(table).where(table.c.id == record_id))
            db.session.commit()
            before = _audit_rows()
        response = client.post(f"{base}new/", data={**form, **CREATE_EXTRA.get(endpoint, {})})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]

    db.session.expire_all()
    assert _audit_rows() == before + 1
    row = _last_audit()
    assert (row.table_name, row.username, row.login_mode) == (table.name, staff.username, "account")
    assert row.action == {"edit": "update", "delete": "delete", "create": "create"}[write]
    assert row.diff
    if write == "edit":
        assert set(changes) & set(row.diff), row.diff
    if write != "create":
        assert row.record_id == record_id
