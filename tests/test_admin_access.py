"""Who may do what in the admin (X-1, §0): tenancy on every path, read-only auditors, CSRF on every POST."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g

from portal.extensions import db
from tests.factories import csrf_token


@pytest.fixture
def two_enterprises(make):
    """Enterprise A with its admin user, enterprise B, each with a list head and a qualification."""
    from portal.models import ListHead
    a, b = make.enterprise(name="甲企业有限公司"), make.enterprise(name="乙企业有限公司")
    heads = {}
    for ent, number in ((a, "A00000000000000001"), (b, "B00000000000000001")):
        head = ListHead(center_no=number, enterprise_id=ent.id, list_type="IMPORT_GENERAL", customs_code="5300",
                        status=1)
        db.session.add(head)
        db.session.commit()
        heads[ent.id] = head.id
    quals = {ent.id: make.qualification(ent, "IE").id for ent in (a, b)}
    user = make.user(a, role="ent_admin")
    return {"a": a, "b": b, "user": user, "head_a": heads[a.id], "head_b": heads[b.id],
            "qual_a": quals[a.id], "qual_b": quals[b.id]}


def _login_a(client, make, data):
    make.login(client, user=data["user"])
    return csrf_token(client, "/admin/")


def test_enterprise_list_shows_only_its_own_rows_x1(client, make, two_enterprises):
    _login_a(client, make, two_enterprises)
    html = client.get("/admin/list_heads/").get_data(as_text=True)
    assert "A00000000000000001" in html and "B00000000000000001" not in html
    html = client.get("/admin/enterprises/").get_data(as_text=True)
    assert "甲企业有限公司" in html and "乙企业有限公司" not in html


def test_enterprise_count_query_is_scoped_x1(app, make, two_enterprises):
    from portal.identity import Identity
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "list_heads")
    with app.test_request_context("/admin/list_heads/"):
        g.identity = Identity(user=two_enterprises["user"], login_mode="account")
        assert view.get_count_query().scalar() == 1
        assert [row.center_no for row in view.get_query()] == ["A00000000000000001"]


def test_enterprise_reads_own_record_by_id_positive_control_x1(client, make, two_enterprises):
    _login_a(client, make, two_enterprises)
    response = client.get(f"/admin/list_heads/details/?id={two_enterprises['head_a']}")
    assert response.status_code == 200 and "A00000000000000001" in response.get_data(as_text=True)


@pytest.mark.parametrize("register, key", [("list_heads", "head_b"), ("qualifications", "qual_b")])
def test_enterprise_cannot_reach_another_enterprise_by_id_x1(client, make, two_enterprises, register, key):
    """Details, edit, delete and ajax update of B's record by id: 404 or 403, never the record."""
    token = _login_a(client, make, two_enterprises)
    other = two_enterprises[key]
    assert client.get(f"/admin/{register}/details/?id={other}").status_code == 404
    assert client.get(f"/admin/{register}/edit/?id={other}").status_code == 403
    assert client.post(f"/admin/{register}/edit/?id={other}", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/{register}/delete/", data={"id": other, "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/{register}/ajax/update/",
                       data={"list_form_pk": other, "status": "2", "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/{register}/action/",
                       data={"action": "delete", "rowid": other, "csrf_token": token}).status_code == 403


def test_enterprise_ajax_lookup_lists_only_own_enterprise_x1(client, make, two_enterprises):
    _login_a(client, make, two_enterprises)
    response = client.get("/admin/qualifications/ajax/lookup/?name=enterprise&query=企业")
    found = {row[0] for row in response.json}
    assert found == {two_enterprises["a"].id}


def test_enterprise_export_contains_only_own_rows_x1(client, make, two_enterprises):
    _login_a(client, make, two_enterprises)
    body = client.get("/admin/list_heads/export/csv/").get_data(as_text=True)
    assert "A00000000000000001" in body and "B00000000000000001" not in body


@pytest.mark.parametrize("url", ["/admin/audit_log/", "/admin/qualification_exclusions/", "/admin/manifests/",
                                 "/admin/settings/", "/admin/audit_log/export/csv/"])
def test_enterprise_is_refused_registers_that_are_not_its_own_x1(client, make, two_enterprises, url):
    _login_a(client, make, two_enterprises)
    assert client.get(url).status_code == 403


def test_everyone_logged_in_reads_code_tables_only_staff_edits_them(client, make, two_enterprises):
    token = _login_a(client, make, two_enterprises)
    assert client.get("/admin/codes_customs/").status_code == 200
    assert client.get("/admin/codes_customs/new/").status_code == 403
    assert client.post("/admin/codes_customs/new/", data={"code": "9999", "name_zh": "测试",
                                                          "csrf_token": token}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/list_heads/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- auditors: read and export, never write --------------------------------------------------------
@pytest.fixture
def auditor_token(client, make, two_enterprises):
    make.login(client, user=make.user(None, role="auditor"))
    return csrf_token(client, "/admin/")


def test_auditor_reads_and_exports_every_enterprise_x1(client, auditor_token, two_enterprises):
    html = client.get("/admin/list_heads/").get_data(as_text=True)
    assert "A00000000000000001" in html and "B00000000000000001" in html
    assert client.get(f"/admin/list_heads/details/?id={two_enterprises['head_b']}").status_code == 200
    assert client.get("/admin/audit_log/").status_code == 200
    assert client.get("/admin/list_heads/export/xlsx/").status_code == 200


@pytest.mark.parametrize("method, path, data", [
    ("get", "/admin/manifests/new/", None),
    ("post", "/admin/manifests/new/", {"bill_no": "BL1", "vessel_name": "V", "voyage_no": "1", "packages": "1",
                                       "gross_weight": "1", "net_weight": "1"}),
    ("get", "/admin/qualifications/edit/?id={qual}", None),
    ("post", "/admin/qualifications/edit/?id={qual}", {"qualification_type": "CB"}),
    ("post", "/admin/qualifications/delete/", {"id": "{qual}"}),
    ("post", "/admin/settings/ajax/update/", {"list_form_pk": "1", "value": "0"}),
    ("post", "/admin/qualifications/action/", {"action": "delete", "rowid": "{qual}"}),
])
def test_auditor_writes_are_refused_x1(client, auditor_token, two_enterprises, method, path, data):
    """Auditors are read-only: every create, edit, delete, ajax update and action answers 403."""
    path = path.format(qual=two_enterprises["qual_a"])
    if method == "get":
        response = client.get(path)
    else:
        data = {k: v.format(qual=two_enterprises["qual_a"]) for k, v in data.items()}
        response = client.post(path, data={**data, "csrf_token": auditor_token})
    assert response.status_code == 403


# ---- CSRF: every admin POST needs the token ---------------------------------------------------------
@pytest.fixture
def staff(client, make):
    make.login(client, user=make.user(None, role="staff"))
    return csrf_token(client, "/admin/")


def _manifest():
    from portal.models import Manifest
    manifest = Manifest(bill_no="BLCSRF", vessel_name="船", voyage_no="001", packages=1, gross_weight=2,
                        net_weight=1)
    db.session.add(manifest)
    db.session.commit()
    return manifest.id


MANIFEST_FORM = {"bill_no": "BLCSRF", "vessel_name": "新船名", "voyage_no": "002", "packages": "1",
                 "gross_weight": "2", "net_weight": "1"}


@pytest.mark.parametrize("path, data", [
    ("/admin/manifests/delete/", {"id": "{id}"}),
    ("/admin/manifests/edit/?id={id}", MANIFEST_FORM),
    ("/admin/manifests/new/", {**MANIFEST_FORM, "bill_no": "BLNEW"}),
    ("/admin/manifests/action/", {"action": "delete", "rowid": "{id}"}),
    ("/admin/settings/ajax/update/", {"list_form_pk": "1", "value": "0"}),
])
def test_admin_post_without_csrf_token_is_refused(client, make, staff, path, data):
    record = _manifest()
    response = client.post(path.format(id=record), data={k: v.format(id=record) for k, v in data.items()})
    assert response.status_code == 400
    from portal.models import Manifest
    db.session.expire_all()
    kept = db.session.get(Manifest, record)
    assert kept is not None and kept.vessel_name == "船"


def test_staff_edit_and_delete_with_csrf_token_succeed(client, make, staff):
    from portal.models import Manifest
    record = _manifest()
    response = client.post(f"/admin/manifests/edit/?id={record}", data={**MANIFEST_FORM, "csrf_token": staff})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Manifest, record).vessel_name == "新船名"
    response = client.post("/admin/manifests/delete/", data={"id": record, "csrf_token": staff})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Manifest, record) is None


def test_lifecycle_forms_never_offer_status_or_system_numbers(client, make, staff, two_enterprises):
    html = client.get(f"/admin/list_heads/edit/?id={two_enterprises['head_a']}").get_data(as_text=True)
    for field in ("status", "version", "center_no", "created_at", "updated_at", "declare_date"):
        assert f'name="{field}"' not in html
    assert 'name="bill_no"' in html


def test_staff_cannot_create_lifecycle_records_by_hand(client, staff):
    assert client.get("/admin/list_heads/new/").status_code == 403
    assert client.get("/admin/applications/edit/?id=1").status_code == 403


def test_staff_creates_a_user_with_a_hashed_password(client, make, staff):
    from sqlalchemy import select

    from portal.auth.passwords import verify_secret
    from portal.models import User
    response = client.post("/admin/users/new/", data={"username": "auditor2", "name": "审计员二", "role": "auditor",
                                                      "active": "y", "perm_module_q": "y", "perm_module_c": "y",
                                                      "new_password": "Secret123", "csrf_token": staff})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "auditor2"))
    assert verify_secret(user.password_hash, "Secret123")


def test_staff_user_without_password_is_refused_u4(client, make, staff):
    from sqlalchemy import select

    from portal.models import User
    response = client.post("/admin/users/new/", data={"username": "nopass", "name": "无密码", "role": "auditor",
                                                      "csrf_token": staff}, follow_redirects=True)
    assert "U-4" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "nopass")) is None


def test_staff_enterprise_with_bad_uscc_is_refused_q7(client, staff):
    response = client.post("/admin/enterprises/new/", data={"uscc": "91440300MA5XXXXXX1", "name_zh": "错码企业",
                                                            "csrf_token": staff})
    assert response.status_code == 200 and "Q-7" in response.get_data(as_text=True)


def test_setting_values_are_checked_s2(client, staff):
    from sqlalchemy import select

    from portal.models import Setting
    row = db.session.scalar(select(Setting).where(Setting.key == "receipt_failure_rate"))
    response = client.post(f"/admin/settings/edit/?id={row.id}", data={"value": "7", "csrf_token": staff},
                           follow_redirects=True)
    assert "S-2" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Setting, row.id).value == "0"


def test_list_date_columns_render(client, staff, two_enterprises):
    from portal.models import ListHead
    head = db.session.get(ListHead, two_enterprises["head_a"])
    head.declare_date = date(2026, 3, 1)
    db.session.commit()
    assert "2026-03-01" in client.get("/admin/list_heads/").get_data(as_text=True)


def test_enterprise_reads_every_tenant_register_and_no_other_x1(client, make, two_enterprises, app):
    """Each tenant-owned register lists for the enterprise; every other register but code tables is refused."""
    from flask_admin.contrib.sqla import ModelView
    _login_a(client, make, two_enterprises)
    for view in app.extensions["admin"][0]._views:
        if not isinstance(view, ModelView):
            continue
        tenant_owned = view.model.tenant_clause(0) is not None
        expected = 200 if tenant_owned or view.readable_by_all else 403
        assert client.get(f"/admin/{view.endpoint}/").status_code == expected, view.endpoint
        if expected == 200:
            assert client.get(f"/admin/{view.endpoint}/new/").status_code == 403, view.endpoint
