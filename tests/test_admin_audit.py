"""Admin edits write the audit log; auditors filter and export it (X-3)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from portal.extensions import db
from tests.factories import csrf_token

FORM = {"bill_no": "BLAUDIT1", "vessel_name": "审计轮", "voyage_no": "001", "packages": "3", "gross_weight": "20",
        "net_weight": "10"}


def _filter_arg(app, endpoint: str, column: str, operation: str = "FilterEqual") -> str:
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == endpoint)
    return next(arg for arg, (_i, flt) in view._filter_args.items()
                if flt.column.key == column and type(flt).__name__ == operation)


def _audit_rows(table: str):
    from portal.models import AuditLog
    return db.session.scalars(select(AuditLog).where(AuditLog.table_name == table).order_by(AuditLog.id)).all()


def test_admin_create_and_edit_write_audit_rows_with_diff_user_and_mode_x3(client, make):
    from portal.models import Manifest
    staff = make.user(None, role="staff", username="auditme")
    make.login(client, user=staff)
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/manifests/new/", data={**FORM, "csrf_token": token}).status_code == 302
    manifest = db.session.scalar(select(Manifest).where(Manifest.bill_no == "BLAUDIT1"))
    response = client.post(f"/admin/manifests/edit/?id={manifest.id}",
                           data={**FORM, "vessel_name": "改名轮", "csrf_token": token})
    assert response.status_code == 302
    created, updated = _audit_rows("manifests")
    assert (created.action, created.record_id, created.username, created.login_mode) == \
        ("create", manifest.id, "auditme", "account")
    assert created.diff["bill_no"] == [None, "BLAUDIT1"]
    assert (updated.action, updated.username, updated.login_mode) == ("update", "auditme", "account")
    assert updated.diff == {"vessel_name": ["审计轮", "改名轮"]}
    assert updated.ip is not None and updated.at is not None


def test_admin_delete_writes_an_audit_row_x3(client, make):
    from portal.models import Manifest
    make.login(client, user=make.user(None, role="staff"))
    token = csrf_token(client, "/admin/")
    manifest = Manifest(bill_no="BLDEL", vessel_name="删", voyage_no="1", packages=1, gross_weight=1, net_weight=1)
    db.session.add(manifest)
    db.session.commit()
    assert client.post("/admin/manifests/delete/", data={"id": manifest.id, "csrf_token": token}).status_code == 302
    assert [row.action for row in _audit_rows("manifests")] == ["create", "delete"]


def _seed_audit(make):
    """Two users change two registers; returns nothing, the rows are in the audit log."""
    from portal import audit
    for username, table, record, action in [("alice", "list_heads", 7, "update"), ("bob", "list_heads", 8, "status"),
                                            ("alice", "applications", 7, "create")]:
        token = audit.set_actor(username, "card")
        audit.record(db.session, table, record, action, {"status": [1, 2]})
        audit._actor.reset(token)
    db.session.commit()


def test_auditor_filters_audit_log_by_user_table_record_action_x3(client, make, app):
    _seed_audit(make)
    make.login(client, user=make.user(None, role="auditor"))
    base = "/admin/audit_log/?"

    def usernames(query):
        html = client.get(base + query).get_data(as_text=True)
        return sorted(cell for cell in ("alice", "bob") for _ in range(html.count(f">{cell}<")))

    assert usernames(f"flt0_{_filter_arg(app, 'audit_log', 'username')}=alice") == ["alice", "alice"]
    assert usernames(f"flt0_{_filter_arg(app, 'audit_log', 'table_name')}=applications") == ["alice"]
    assert usernames(f"flt0_{_filter_arg(app, 'audit_log', 'record_id', 'IntEqualFilter')}=8") == ["bob"]
    assert usernames(f"flt0_{_filter_arg(app, 'audit_log', 'action')}=status") == ["bob"]
    between = _filter_arg(app, "audit_log", "at", "DateTimeBetweenFilter")
    assert usernames(f"flt0_{between}=2000-01-01+00:00:00+to+2000-01-02+00:00:00") == []


def test_auditor_exports_the_filtered_audit_log_x3(client, make, app):
    _seed_audit(make)
    make.login(client, user=make.user(None, role="auditor"))
    arg = _filter_arg(app, "audit_log", "username")
    body = client.get(f"/admin/audit_log/export/csv/?flt0_{arg}=bob").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["用户"] == "bob" and row["操作"] == "状态变更" and row["登记簿"] == "集报清单"
    assert row["登录方式"] == "卡介质登录" and row["字段变化"] == "状态：暂存 → 已申报"  # labels and names, not JSON


def test_enterprise_user_cannot_read_the_audit_log_x3(client, make):
    make.login(client, user=make.user(make.enterprise(), role="ent_admin"))
    assert client.get("/admin/audit_log/").status_code == 403
    assert client.get("/admin/audit_log/export/csv/").status_code == 403


def _last_login_row():
    db.session.rollback()  # see the rows the log-in request committed
    return [r for r in _audit_rows("users") if "last_login_at" in (r.diff or {})][-1]


def test_account_login_audit_row_names_the_user_x3(client, make):
    user = make.user(make.enterprise(), role="ent_admin", username="loginwho")
    make.login(client, user=user)
    row = _last_login_row()
    assert (row.username, row.login_mode, row.user_id) == ("loginwho", "account", user.id)


def test_card_login_audit_row_names_the_card_holder_x3(client, make):
    user = make.user(make.enterprise(), role="ent_admin", username="cardwho")
    make.login(client, card=make.card(user, card_type="LEGAL"))
    row = _last_login_row()
    assert (row.username, row.login_mode, row.user_id) == ("cardwho", "card", user.id)


def test_audit_log_shows_field_labels_and_status_names_not_json_x3(client, make):
    _seed_audit(make)
    make.login(client, user=make.user(None, role="auditor"))

    html = client.get("/admin/audit_log/").get_data(as_text=True)
    assert "<b>状态</b>：<span>暂存</span> → <span>已申报</span>" in html
    assert '{"status": [1, 2]}' not in html and '{&quot;status&quot;' not in html

    english = client.get("/admin/audit_log/?lang=en").get_data(as_text=True)
    assert "<b>Status</b>: <span>Draft</span> → <span>Declared</span>" in english
    record = next(r for r in _audit_rows("list_heads") if r.username == "bob")
    details = client.get(f"/admin/audit_log/details/?id={record.id}&lang=zh").get_data(as_text=True)
    assert "变更前" in details and "<th>状态</th><td><span>暂存</span></td><td><span>已申报</span></td>" in details
