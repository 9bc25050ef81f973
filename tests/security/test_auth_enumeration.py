"""No user enumeration (issue 13 item 6, U-2, U-4): an unknown username or card takes as long as a wrong
password (it is verified against a dummy hash with the same parameters), and a locked account or card
answers exactly like an unknown one — same status, same message — on the login page (both tabs) and
`POST /api/v1/tokens`."""
from __future__ import annotations

import pytest

from portal import clock
from portal.auth import passwords
from tests.factories import PASSWORD, PIN, csrf_token

UNKNOWN_USER = {"username": "nobody-here", "password": "Wrong1234"}
UNKNOWN_CARD = {"card_no": "NOSUCHCARD01", "pin": "654321"}


def _lock(client, body: dict, secret_field: str, wrong: str) -> None:
    for _ in range(5):
        assert client.post("/api/v1/tokens", json={**body, secret_field: wrong}).status_code == 401


def _api_answer(client, body):
    response = client.post("/api/v1/tokens", json=body)
    return response.status_code, response.json


def test_locked_account_answers_the_api_like_an_unknown_user_U_4(client, make):
    user = make.user(make.enterprise(), "ent_admin")
    with clock.frozen("2026-05-01T09:00:00"):
        _lock(client, {"username": user.username}, "password", "Wrong1234")
        locked = _api_answer(client, {"username": user.username, "password": PASSWORD})
        unknown = _api_answer(client, UNKNOWN_USER)
    assert locked == unknown and locked[0] == 401


def test_locked_card_answers_the_api_like_an_unknown_card_U_4(client, make):
    card = make.card(make.user(make.enterprise(), "ent_operator"))
    with clock.frozen("2026-05-01T09:00:00"):
        _lock(client, {"card_no": card.card_no}, "pin", "000000")
        locked = _api_answer(client, {"card_no": card.card_no, "pin": PIN})
        unknown = _api_answer(client, UNKNOWN_CARD)
    assert locked == unknown and locked[0] == 401


def _page_answer(client, data):
    response = client.post("/login", data={**data, "csrf_token": csrf_token(client, "/login")})
    html = response.get_data(as_text=True)
    start = html.index('class="alert alert-danger"')
    return response.status_code, html[start:html.index("</div>", start)]


@pytest.mark.parametrize("mode", ["account", "card"])
def test_locked_login_page_answers_like_an_unknown_login_U_4(client, make, mode):
    user = make.user(make.enterprise(), "ent_operator")
    if mode == "card":
        card = make.card(user)
        mine, unknown = {"mode": "card", "card_no": card.card_no}, {"mode": "card", **UNKNOWN_CARD}
        secret, wrong, right = "pin", "000000", PIN
    else:
        mine, unknown = {"mode": "account", "username": user.username}, {"mode": "account", **UNKNOWN_USER}
        secret, wrong, right = "password", "Wrong1234", PASSWORD
    with clock.frozen("2026-05-01T09:00:00"):
        for _ in range(5):
            _page_answer(client, {**mine, secret: wrong})
        locked = _page_answer(client, {**mine, secret: right})
        stranger = _page_answer(client, unknown)
    assert locked == stranger and locked[0] == 401


def test_inactive_account_answers_like_an_unknown_user(client, make):
    user = make.user(make.enterprise(), "ent_admin", active=False)
    assert _api_answer(client, {"username": user.username, "password": PASSWORD}) == _api_answer(client, UNKNOWN_USER)


@pytest.fixture
def verified_hashes(monkeypatch):
    """Record the argon2 parameters (the part of the hash that sets its cost) of every verification.

    Counting verifications and comparing their cost is what the timing guarantee rests on; measuring
    seconds on a loaded CI machine is not repeatable, so the tests compare the work done instead.
    """
    seen: list[str] = []
    real_verify = passwords.PasswordHasher.verify

    def recording_verify(self, stored_hash, secret):
        seen.append(stored_hash.split("$")[3])  # "$argon2id$v=19$m=…,t=…,p=…$salt$hash"
        return real_verify(self, stored_hash, secret)

    monkeypatch.setattr(passwords.PasswordHasher, "verify", recording_verify)
    return seen


def _work(client, body, seen: list[str]) -> list[str]:
    seen.clear()
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    return list(seen)


def test_unknown_user_costs_one_verification_like_a_wrong_password_U_2(client, make, verified_hashes):
    user = make.user(make.enterprise(), "ent_admin")
    wrong = _work(client, {"username": user.username, "password": "Wrong1234"}, verified_hashes)
    unknown = _work(client, UNKNOWN_USER, verified_hashes)
    assert len(wrong) == 1 and unknown == wrong, (unknown, wrong)


def test_unknown_card_costs_one_verification_like_a_wrong_pin_U_2(client, make, verified_hashes):
    card = make.card(make.user(make.enterprise(), "ent_operator"))
    wrong = _work(client, {"card_no": card.card_no, "pin": "000000"}, verified_hashes)
    unknown = _work(client, UNKNOWN_CARD, verified_hashes)
    assert len(wrong) == 1 and unknown == wrong, (unknown, wrong)


def test_the_dummy_hash_has_the_production_cost_U_2():
    """With production parameters the dummy hash an unknown login is verified against costs the same."""
    passwords.configure(fast=False)
    try:
        real = passwords.hash_secret("Secret123").split("$")[3]
        passwords.burn_verification("x")
        assert passwords._dummy_hash.split("$")[3] == real
    finally:
        passwords.configure(fast=True)
