"""Logout ends the session on the server: a session cookie copied before `POST /logout` opens nothing
afterwards; a password change and "log out everywhere" end every session and API token of the user at
once (issue 13 item 2, U-4)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.factories import PASSWORD, csrf_token

NEW_PASSWORD = "N3wPassw0rd"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A second browser (the attacker) holding a copy of the session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _opens(client, path: str) -> bool:
    return client.get(path).status_code == 200


def _logout(client, **extra):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/q/"), **extra})


def test_session_cookie_copied_before_logout_no_longer_opens_q(app, client, make):
    make.login(client, user=make.user(make.enterprise(), "ent_admin"))
    copied = _cookie(client)
    assert _opens(_replay(app, copied), "/q/")
    assert _logout(client).status_code == 302
    replayed = _replay(app, copied).get("/q/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_staff_session_cookie_copied_before_logout_no_longer_opens_the_admin(app, client, make):
    make.login(client, user=make.user(None, role="staff"))
    copied = _cookie(client)
    assert _opens(_replay(app, copied), "/admin/applications/")
    _logout(client)
    assert _replay(app, copied).get("/admin/applications/").status_code in (302, 401, 403)


def test_logout_ends_only_this_browsers_session(app, client, make):
    user = make.user(make.enterprise(), "ent_admin")
    make.login(client, user=user)
    second = app.test_client()
    make.login(second, user=user)
    _logout(client)
    assert _opens(second, "/q/")


def test_log_out_everywhere_ends_every_session_and_api_token(app, client, make):
    user = make.user(make.enterprise(), "ent_admin")
    make.login(client, user=user)
    second = app.test_client()
    make.login(second, user=user)
    token = make.token(app.test_client(), user=user)
    assert client.get("/api/v1/me", headers=token).status_code == 200
    assert _logout(client, everywhere="1").status_code == 302
    assert second.get("/q/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401


def _change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "new_password_confirm": confirm or new,
        "csrf_token": csrf_token(client, "/account/password")})


def test_password_change_ends_other_sessions_and_api_tokens_but_keeps_this_one(app, client, make):
    user = make.user(make.enterprise(), "ent_admin")
    make.login(client, user=user)
    other = app.test_client()
    make.login(other, user=user)
    token = make.token(app.test_client(), user=user)
    response = _change_password(client)
    assert response.status_code == 302
    assert _opens(client, "/q/")
    assert other.get("/q/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    make.login(app.test_client(), user=user, password=NEW_PASSWORD)


@pytest.mark.parametrize("current, new, confirm, field", [
    ("Wrong9999", NEW_PASSWORD, None, "current_password"),
    (PASSWORD, "short1", None, "new_password"),
    (PASSWORD, NEW_PASSWORD, "Different1", "new_password_confirm"),
    (PASSWORD, PASSWORD, None, "new_password"),
])
def test_password_change_is_refused_with_the_field_U_4(client, make, current, new, confirm, field):
    user = make.user(make.enterprise(), "ent_admin")
    make.login(client, user=user)
    response = _change_password(client, current, new, confirm)
    assert response.status_code == 422 and "U-4" in response.get_data(as_text=True)
    assert f'id="{field}"' in response.get_data(as_text=True)
    assert _opens(client, "/q/")  # nothing was revoked


def test_password_reset_by_staff_ends_the_users_sessions(app, client, make):
    """Any code path that writes a new password hash ends the sessions (the staff admin's reset too)."""
    from portal.auth.passwords import hash_secret
    user = make.user(make.enterprise(), "ent_admin")
    make.login(client, user=user)
    token = make.token(app.test_client(), user=user)
    db.session.get(User, user.id).password_hash = hash_secret("Res3tByStaff")
    db.session.commit()
    assert client.get("/q/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_deactivated_users_session_ends(app, client, make):
    enterprise = make.enterprise()
    admin = make.user(enterprise, "ent_admin")
    operator = make.user(enterprise, "ent_operator")
    make.login(client, user=operator)
    admin_client = app.test_client()
    make.login(admin_client, user=admin)
    response = admin_client.post(f"/account/operators/{operator.id}/deactivate",
                                 data={"csrf_token": csrf_token(admin_client, "/account/operators")})
    assert response.status_code == 302
    assert client.get("/q/").status_code == 302


def test_session_expires_on_the_server_too(app, client, make):
    """The record's end counts, not only the cookie's: a session past its end opens nothing."""
    from datetime import datetime, timedelta

    from portal.models import UserSession
    make.login(client, user=make.user(make.enterprise(), "ent_admin"))
    assert _opens(client, "/q/")
    record = db.session.scalar(select(UserSession))
    assert record.expires_at - datetime.now() < app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(hours=9)
    record.expires_at = datetime(2000, 1, 1)
    db.session.commit()
    assert client.get("/q/").status_code == 302


def test_business_clock_does_not_end_sessions(client, make):
    """Sessions run on real time: a demo or test clock set to next year (S-5) keeps the login."""
    from portal import clock
    make.login(client, user=make.user(make.enterprise(), "ent_admin"))
    with clock.frozen("2030-01-01T09:00:00"):
        assert _opens(client, "/q/")
