"""The audit log's IP (X-3) is the client's only as far as configured proxies vouch for it: X-Real-IP and
X-Forwarded-For from a client are ignored unless TRUSTED_PROXIES says how many proxies set them
(Werkzeug's ProxyFix; issue 13 item 3)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog
from tests.factories import PASSWORD
from tests.test_accounts import registration_body

FORGED = {"X-Real-IP": "6.6.6.6", "X-Forwarded-For": "7.7.7.7"}


@pytest.fixture
def app_with(app):
    """Build another app on this run's database with other settings."""
    built = []

    def build(**overrides):
        from portal import create_app
        config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "FAST_HASHES",
                                                    "UPLOAD_DIR", "TESTING")}
        config.update(overrides)
        built.append(create_app(config))
        return built[-1]

    yield build
    for new_app in built:
        with new_app.app_context():
            db.session.remove()
            db.engine.dispose()


def _register(client, headers, remote_addr="10.0.0.5"):
    body = registration_body()
    response = client.post("/api/v1/registrations", json=body, headers=headers,
                           environ_base={"REMOTE_ADDR": remote_addr})
    assert response.status_code == 201, response.get_data(as_text=True)
    return body


def _audit_ips(ctx_app, username) -> set:
    with ctx_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "users"))
        ips = {row.ip for row in rows if (row.diff.get("username") or [None, None])[1] == username}
        db.session.remove()
    return ips


def test_client_headers_do_not_choose_the_audit_ip_by_default_X_3(app, client, make):
    assert app.config["TRUSTED_PROXIES"] == 0
    body = _register(client, FORGED)
    assert _audit_ips(app, body["username"]) == {"10.0.0.5"}


def test_one_trusted_proxy_gives_the_address_it_appended_X_3(app_with):
    proxied = app_with(TRUSTED_PROXIES=1)
    headers = {"X-Real-IP": "6.6.6.6", "X-Forwarded-For": "7.7.7.7, 203.0.113.9"}  # the client forged 7.7.7.7
    body = _register(proxied.test_client(), headers, remote_addr="127.0.0.1")
    assert _audit_ips(proxied, body["username"]) == {"203.0.113.9"}


def test_trusted_proxies_comes_from_the_environment(monkeypatch, app_with):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert app_with().config["TRUSTED_PROXIES"] == 2
    monkeypatch.delenv("TRUSTED_PROXIES")
    assert app_with().config["TRUSTED_PROXIES"] == 0


def test_login_page_audit_ip_ignores_forged_headers(app, client, make):
    user = make.user(make.enterprise(), "ent_admin")
    from tests.factories import csrf_token
    token = csrf_token(client, "/login")
    response = client.post("/login", headers=FORGED, environ_base={"REMOTE_ADDR": "10.0.0.7"},
                           data={"mode": "account", "username": user.username, "password": PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        ips = {row.ip for row in db.session.scalars(select(AuditLog))}
    assert "10.0.0.7" in ips and "6.6.6.6" not in ips and "7.7.7.7" not in ips
