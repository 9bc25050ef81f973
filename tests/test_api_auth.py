"""The Auth API (API.md): tokens, registrations, users, cards, me (A-1, A-2, U-1..U-5)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Card, User
from rules.identifiers import make_id_card
from tests.factories import PASSWORD, PIN
from tests.test_accounts import registration_body


def _violation_rules(response) -> set[str]:
    return {v["rule"] for v in response.json["error"]["violations"]}


def _admin_headers(make, client):
    enterprise = make.enterprise()
    admin = make.user(enterprise, "ent_admin")
    return enterprise, admin, make.token(client, user=admin)


def _card_body(username: str, holder_id_no: str, card_no: str, card_type: str = "OPERATOR") -> dict:
    return {"card_no": card_no, "card_type": card_type, "username": username, "holder_name": "持卡人",
            "holder_id_type": "ID_CARD", "holder_id_no": holder_id_no, "pin": "2468013"}


# ---- tokens (U-2, U-4) --------------------------------------------------------------------------

def test_token_for_account_login_U_2(client, make):
    enterprise = make.enterprise()
    user = make.user(enterprise, "ent_operator")
    response = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 201
    assert response.json["login_mode"] == "account" and response.json["enterprise_uscc"] == enterprise.uscc
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + response.json["token"]})
    assert me.json["login_mode"] == "account" and me.json["card_no"] is None


def test_token_for_card_login_U_2(client, make):
    enterprise = make.enterprise()
    card = make.card(make.user(enterprise, "ent_operator"))
    response = client.post("/api/v1/tokens", json={"card_no": card.card_no, "pin": PIN})
    assert response.status_code == 201
    assert response.json["login_mode"] == "card" and response.json["enterprise_uscc"] == enterprise.uscc
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + response.json["token"]})
    assert (me.json["login_mode"], me.json["card_no"], me.json["enterprise"]["uscc"]) == \
        ("card", card.card_no, enterprise.uscc)


@pytest.mark.parametrize("body", [{"username": "nobody", "password": "Wrong1234"}, {"card_no": "X1", "pin": "1"}])
def test_token_refuses_wrong_credentials_with_401_envelope_U_2(client, make, body):
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized" and _violation_rules(response) == {"U-2"}


def test_token_needs_credentials_and_no_extra_fields(client, make):
    assert client.post("/api/v1/tokens", json={}).status_code == 422
    response = client.post("/api/v1/tokens", json={"username": "a", "password": "b", "role": "staff"})
    assert response.status_code == 422 and response.json["error"]["violations"][0]["field"] == "role"


def test_card_locks_after_five_wrong_pins_and_unlocks_after_15_minutes_U_4(client, make):
    card = make.card(make.user(make.enterprise(), "ent_operator"))
    with clock.frozen("2026-03-02T09:00:00"):
        answers = [client.post("/api/v1/tokens", json={"card_no": card.card_no, "pin": "000000"}).status_code
                   for _ in range(5)]
        assert answers == [401, 401, 401, 401, 401]
        locked = client.post("/api/v1/tokens", json={"card_no": card.card_no, "pin": PIN})
        assert locked.status_code == 401 and locked.json["error"]["code"] == "unauthorized"  # like a wrong PIN
        assert _violation_rules(locked) == {"U-2"}
    with clock.frozen("2026-03-02T09:14:00"):
        assert client.post("/api/v1/tokens", json={"card_no": card.card_no, "pin": PIN}).status_code == 401
    with clock.frozen("2026-03-02T09:16:00"):
        assert client.post("/api/v1/tokens", json={"card_no": card.card_no, "pin": PIN}).status_code == 201


def test_account_locks_after_five_wrong_passwords_U_4(client, make):
    user = make.user(make.enterprise(), "ent_admin")
    with clock.frozen("2026-03-02T09:00:00"):
        for _ in range(5):
            client.post("/api/v1/tokens", json={"username": user.username, "password": "Wrong1234"})
        assert client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD}).status_code == 401
    with clock.frozen("2026-03-02T09:15:01"):
        assert client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD}).status_code == 201


def test_token_expires(client, make, app):
    headers = make.token(client, user=make.user(make.enterprise(), "ent_admin"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = clock.now() + timedelta(hours=app.config["API_TOKEN_HOURS"], minutes=1)
    with clock.frozen(later):
        assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_missing_or_bad_bearer_token_is_401_with_envelope_A_2(client, make, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.json) == {"error"} and response.json["error"]["code"] == "unauthorized"
    assert response.json["error"]["message"] and response.json["error"]["violations"] == []


# ---- registrations (U-1) ------------------------------------------------------------------------

def test_api_registration_then_login_U_1(client, make):
    body = registration_body()
    response = client.post("/api/v1/registrations", json=body)
    assert response.status_code == 201
    assert response.json == {"enterprise_uscc": body["uscc"], "username": body["username"], "role": "ent_admin"}
    token = client.post("/api/v1/tokens", json={"username": body["username"], "password": body["password"]})
    assert token.status_code == 201 and token.json["enterprise_uscc"] == body["uscc"]
    stored = db.session.scalar(select(User).where(User.username == body["username"]))
    assert stored.password_hash.startswith("$argon2")


def test_api_registration_refuses_bad_uscc_Q_7(client, make):
    response = client.post("/api/v1/registrations", json=registration_body(uscc="91440300MA5XXXXXX1"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation"
    assert {"rule": "Q-7", "field": "uscc"}.items() <= response.json["error"]["violations"][0].items()


def test_api_registration_refuses_duplicate_with_409_U_1(client, make):
    body = registration_body()
    assert client.post("/api/v1/registrations", json=body).status_code == 201
    again = registration_body(uscc=body["uscc"])
    response = client.post("/api/v1/registrations", json=again)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    assert _violation_rules(response) == {"U-1"}


def test_api_registration_attaches_to_enterprise_without_users_U_1(client, make):
    legal_rep_id = make_id_card("440304", "19700101", 8)
    loaded = make.enterprise(legal_rep_name="孙八", legal_rep_id_no=legal_rep_id)
    make.qualification(loaded, "CB")
    response = client.post("/api/v1/registrations", json=registration_body(
        uscc=loaded.uscc, legal_rep_name="孙八", legal_rep_id_no=legal_rep_id))
    assert response.status_code == 201
    assert db.session.scalar(select(User.enterprise_id).where(User.username == response.json["username"])) == loaded.id


def test_api_registration_forbids_unknown_fields(client, make):
    response = client.post("/api/v1/registrations", json=registration_body(role="staff"))
    assert response.status_code == 422 and response.json["error"]["violations"][0]["field"] == "role"


# ---- users and cards (U-3) ----------------------------------------------------------------------

def _operator_body(n: int) -> dict:
    return {"username": f"apiop{n}", "password": "Oper12345", "name": f"接口操作员{n}", "id_type": "ID_CARD",
            "id_no": make_id_card("440306", "19930303", n), "mobile": "13700137000"}


def test_api_admin_creates_operator_U_3(client, make):
    enterprise, _admin, headers = _admin_headers(make, client)
    response = client.post("/api/v1/users", json=_operator_body(1), headers=headers)
    assert response.status_code == 201 and response.json == {"username": "apiop1", "role": "ent_operator"}
    assert db.session.scalar(select(User.enterprise_id).where(User.username == "apiop1")) == enterprise.id
    listed = client.get("/api/v1/users", headers=headers).json["items"]
    assert [u["username"] for u in listed][-1] == "apiop1" and listed[0]["role"] == "ent_admin"


@pytest.mark.parametrize("use_card", [False, True])
def test_api_operator_cannot_create_users_or_cards_U_3(client, make, use_card):
    enterprise = make.enterprise()
    operator = make.user(enterprise, "ent_operator")
    headers = make.token(client, card=make.card(operator)) if use_card else make.token(client, user=operator)
    for path, body in (("/api/v1/users", _operator_body(2)),
                       ("/api/v1/cards", _card_body(operator.username, operator.id_no, "CARDX0001"))):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 403 and _violation_rules(response) == {"U-3"}
    assert client.get("/api/v1/users", headers=headers).status_code == 403


def test_api_users_lists_only_own_enterprise(client, make):
    _enterprise, admin, headers = _admin_headers(make, client)
    make.user(make.enterprise(), "ent_operator", username="stranger")
    names = {u["username"] for u in client.get("/api/v1/users", headers=headers).json["items"]}
    assert names == {admin.username}
    assert client.put("/api/v1/users/stranger/permissions", json={"module_q": False, "module_c": False},
                      headers=headers).status_code == 404


def test_api_bind_card_then_card_login_U_3(client, make):
    enterprise, admin, headers = _admin_headers(make, client)
    response = client.post("/api/v1/cards", json=_card_body(admin.username, admin.id_no, "LEGAL0001", "LEGAL"),
                           headers=headers)
    assert response.status_code == 201 and response.json == {"card_no": "LEGAL0001"}
    assert db.session.scalar(select(Card.pin_hash).where(Card.card_no == "LEGAL0001")).startswith("$argon2")
    token = client.post("/api/v1/tokens", json={"card_no": "LEGAL0001", "pin": "2468013"})
    assert token.status_code == 201 and token.json["login_mode"] == "card"


def test_api_legal_card_holder_gets_no_operator_card_U_3(client, make):
    enterprise, admin, headers = _admin_headers(make, client)
    operator = make.user(enterprise, "ent_operator")
    client.post("/api/v1/cards", json=_card_body(admin.username, admin.id_no, "LEGAL0002", "LEGAL"), headers=headers)
    response = client.post("/api/v1/cards", json=_card_body(operator.username, admin.id_no, "OPER0002"),
                           headers=headers)
    assert response.status_code == 422 and _violation_rules(response) == {"U-3"}
    assert response.json["error"]["violations"][0]["field"] == "holder_id_no"


def test_api_permissions_revocation_and_deactivation_U_3(client, make):
    enterprise, _admin, headers = _admin_headers(make, client)
    operator = make.user(enterprise, "ent_operator")
    card = make.card(operator)
    operator_headers = make.token(client, card=card)
    response = client.put(f"/api/v1/users/{operator.username}/permissions",
                          json={"module_q": True, "module_c": False}, headers=headers)
    assert response.status_code == 200 and (response.json["module_q"], response.json["module_c"]) == (True, False)
    assert client.get("/api/v1/me", headers=operator_headers).json["module_c"] is False
    assert client.delete(f"/api/v1/cards/{card.card_no}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=operator_headers).status_code == 401  # a revoked card ends its tokens
    assert client.delete(f"/api/v1/users/{operator.username}", headers=headers).status_code == 204
    assert client.post("/api/v1/tokens", json={"username": operator.username, "password": PASSWORD}).status_code == 401


# ---- me (U-5), OpenAPI (A-3) --------------------------------------------------------------------

def test_me_shows_login_mode_and_enterprise_U_5(client, make):
    enterprise = make.enterprise()
    user = make.user(enterprise, "ent_operator")
    account = client.get("/api/v1/me", headers=make.token(client, user=user)).json
    assert (account["username"], account["role"], account["login_mode"]) == (user.username, "ent_operator", "account")
    assert account["enterprise"] == {"uscc": enterprise.uscc, "name_zh": enterprise.name_zh}
    staff = client.get("/api/v1/me", headers=make.token(client, user=make.user(None, "staff"))).json
    assert staff["enterprise"] is None and staff["role"] == "staff"


def test_openapi_documents_the_auth_api_A_3(client, make):
    document = client.get("/api/v1/openapi.json").json
    for path, method in (("/api/v1/tokens", "post"), ("/api/v1/registrations", "post"), ("/api/v1/users", "post"),
                         ("/api/v1/users", "get"), ("/api/v1/cards", "post"), ("/api/v1/me", "get")):
        assert method in document["paths"][path]
    schemas = document["components"]["schemas"]
    assert schemas["RegistrationRequest"]["additionalProperties"] is False
    assert "security" not in document["paths"]["/api/v1/registrations"]["post"]
    assert "security" in document["paths"]["/api/v1/users"]["post"]
