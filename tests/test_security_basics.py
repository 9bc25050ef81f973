"""Security basics: hashes, CSRF, session cookie and expiry, lock-out, headers, error pages, CLI (U-4, A-2)."""
from __future__ import annotations

import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import AuditLog, Card, User, UserSession
from tests.factories import PASSWORD, PIN, csrf_token
from tests.test_accounts import registration_body

SECRET_TEXT = "internal-secret-detail"


@pytest.fixture
def fresh_app(app):
    """Build another app on this run's database, for test-only routes or production settings."""
    built = []

    def build(**overrides):
        from portal import create_app
        config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "FAST_HASHES",
                                                    "UPLOAD_DIR")}
        config.update(overrides)
        new_app = create_app(config)
        built.append(new_app)
        return new_app

    yield build
    for new_app in built:
        with new_app.app_context():
            db.session.remove()
            db.engine.dispose()


def _set_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


# ---- hashes (U-4) -------------------------------------------------------------------------------

def test_passwords_and_pins_are_stored_only_as_argon2_hashes_U_4(client, make):
    body = registration_body()
    assert client.post("/api/v1/registrations", json=body).status_code == 201
    admin = db.session.scalar(select(User).where(User.username == body["username"]))
    headers = make.token(client, user=admin, password=body["password"])
    card = {"card_no": "HASH0001", "card_type": "LEGAL", "username": admin.username, "holder_name": admin.name,
            "holder_id_type": "ID_CARD", "holder_id_no": admin.id_no, "pin": "97531086"}
    assert client.post("/api/v1/cards", json=card, headers=headers).status_code == 201
    db.session.expire_all()
    stored = db.session.scalar(select(Card).where(Card.card_no == "HASH0001"))
    assert admin.password_hash.startswith("$argon2") and stored.pin_hash.startswith("$argon2")
    audit_text = " ".join(str(row.diff) for row in db.session.scalars(select(AuditLog)))
    assert body["password"] not in audit_text and "97531086" not in audit_text
    assert admin.password_hash not in audit_text and "***" in audit_text


# ---- CSRF -------------------------------------------------------------------------------------------

def test_login_form_without_csrf_token_is_refused(client, make):
    user = make.user(make.enterprise(), "ent_admin")
    response = client.post("/login", data={"mode": "account", "username": user.username, "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_operators_form_without_csrf_token_is_refused(client, make):
    enterprise = make.enterprise()
    make.login(client, user=make.user(enterprise, "ent_admin"))
    data = {"username": "nocsrf1", "password": "Oper1234", "name": "某人", "id_type": "PASSPORT",
            "id_no": "E12345678", "mobile": "13800138000"}
    assert client.post("/account/operators", data=data).status_code == 400
    assert client.post("/account/operators", data=dict(data, csrf_token="forged")).status_code == 400
    assert db.session.scalar(select(User).where(User.username == "nocsrf1")) is None


# ---- session cookie and expiry (U-4) ------------------------------------------------------------

def test_session_cookie_is_httponly_lax_and_expires_U_4(client, make):
    response = make.login(client, user=make.user(make.enterprise(), "ent_admin"))
    cookie = _set_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # development over plain http


def test_session_cookie_is_secure_in_production(fresh_app, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    production = fresh_app()
    response = production.test_client().get("/login", base_url="https://localhost")
    cookie = _set_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_session_expires_after_its_lifetime_U_4(client, make, app, monkeypatch):
    make.login(client, user=make.user(make.enterprise(), "ent_admin"))
    assert client.get("/account/operators").status_code == 200
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + lifetime + 60)
    with app.app_context():  # a fresh `g`: the `make` fixture's context would keep the loaded user cached
        response = client.get("/account/operators")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- lock-out on the login page (U-4) -----------------------------------------------------------

def _login_post(client, token, username, password):
    return client.post("/login", data={"mode": "account", "username": username, "password": password,
                                       "csrf_token": token})


def test_login_page_locks_after_five_wrong_passwords_for_15_minutes_U_4(client, make):
    user = make.user(make.enterprise(), "ent_admin")
    token = csrf_token(client, "/login")
    with clock.frozen("2026-04-01T10:00:00"):
        statuses = [_login_post(client, token, user.username, "Wrong1234").status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 401, 401]
        refused = _login_post(client, token, user.username, PASSWORD)  # locked: answered like a wrong password
        assert refused.status_code == 401 and "用户名或密码错误" in refused.get_data(as_text=True)
    with clock.frozen("2026-04-01T10:15:01"):
        assert _login_post(client, token, user.username, PASSWORD).status_code == 302


def test_card_login_page_locks_after_five_wrong_pins_U_4(client, make):
    card = make.card(make.user(make.enterprise(), "ent_operator"))
    token = csrf_token(client, "/login")
    data = {"mode": "card", "card_no": card.card_no, "csrf_token": token}
    with clock.frozen("2026-04-01T10:00:00"):
        for _ in range(5):
            client.post("/login", data=dict(data, pin="999999"))
        refused = client.post("/login", data=dict(data, pin=PIN))
        assert refused.status_code == 401 and "卡号或口令错误" in refused.get_data(as_text=True)
    with clock.frozen("2026-04-01T10:16:00"):
        assert client.post("/login", data=dict(data, pin=PIN)).status_code == 302
    record = db.session.scalar(select(UserSession).order_by(UserSession.id.desc()))
    assert record.login_mode == "card" and record.card_id == card.id


# ---- headers and error pages ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/login", "/register", "/api/v1/openapi.json", "/api/v1/me"])
def test_security_headers_are_present(client, make, path):
    response = client.get(path)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_error_pages_never_show_a_traceback(fresh_app):
    broken = fresh_app(TESTING=False)

    def explode():
        raise RuntimeError(SECRET_TEXT)

    broken.add_url_rule("/test-only/explode", "explode_page", explode)
    broken.add_url_rule("/api/v1/test-only/explode", "explode_api", explode)
    client = broken.test_client()
    page = client.get("/test-only/explode")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and "系统内部错误" in html
    assert "Traceback" not in html and SECRET_TEXT not in html and "RuntimeError" not in html
    api = client.get("/api/v1/test-only/explode")
    assert api.status_code == 500 and api.json["error"]["code"] == "server_error"
    assert "Traceback" not in api.get_data(as_text=True) and SECRET_TEXT not in api.get_data(as_text=True)
    assert "Content-Security-Policy" in page.headers


def test_unknown_page_is_a_chinese_404(client, make):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "记录不存在" in response.get_data(as_text=True)


# ---- command line ---------------------------------------------------------------------------------

def test_create_user_command_creates_a_staff_account(app, client, make):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--role", "staff", "--username", "ops.staff",
                                 "--name", "运维员工", "--password", "Staff1234"])
    assert result.exit_code == 0, result.output
    assert "已创建" in result.output
    user = db.session.scalar(select(User).where(User.username == "ops.staff"))
    assert (user.role, user.enterprise_id, user.name) == ("staff", None, "运维员工")
    assert user.password_hash.startswith("$argon2")
    response = make.login(client, user=user, password="Staff1234")
    assert response.headers["Location"].endswith("/admin/")


@pytest.mark.parametrize("args, rule", [(["--username", "ops.weak", "--password", "short"], "U-4"),
                                        (["--username", "ops.twice", "--password", "Staff1234"], "U-1")])
def test_create_user_command_refuses_weak_password_and_taken_name(app, make, args, rule):
    make.user(None, "auditor", username="ops.twice")
    result = app.test_cli_runner().invoke(args=["create-user", "--role", "auditor", *args])
    assert result.exit_code != 0 and rule in result.output and "Traceback" not in result.output
