"""Account operations and pages: registration (U-1), operators, permissions and cards (U-3)."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from portal import accounts
from portal.extensions import db
from portal.identity import Identity
from portal.models import Card, Enterprise, Qualification, User, UserSession
from rules.identifiers import make_id_card, make_uscc
from rules.violations import RuleError
from tests.factories import PASSWORD, csrf_token

_serial = itertools.count(500)


def registration_body(**overrides) -> dict:
    """Return a valid registration (the API body and the operation's keyword arguments)."""
    n = next(_serial)
    body = {"enterprise_name": f"注册测试{n}有限公司", "uscc": make_uscc("91440300", 70000 + n), "org_code": None,
            "business_types": ["B09", "B10"], "username": f"reg{n}", "password": "Abcd1234",
            "admin_name": "张三", "admin_id_type": "ID_CARD", "admin_id_no": make_id_card("440304", "19850101", n % 1000),
            "admin_mobile": "13800138000"}
    body.update(overrides)
    return body


def _rules(exc: RuleError) -> set[tuple[str, str]]:
    return {(v.rule, v.field) for v in exc.violations}


def _admin(make):
    enterprise = make.enterprise()
    return enterprise, make.user(enterprise, "ent_admin")


def _operator_values(**overrides) -> dict:
    n = next(_serial)
    values = {"username": f"op{n}", "password": "Oper1234", "name": f"操作员{n}", "id_type": "ID_CARD",
              "id_no": make_id_card("440305", "19920202", n % 1000), "mobile": "13900139000"}
    values.update(overrides)
    return values


def _card_values(user, **overrides) -> dict:
    n = next(_serial)
    values = {"card_no": f"IC{n:010d}", "card_type": "OPERATOR", "username": user.username,
              "holder_name": user.name, "holder_id_type": "ID_CARD", "holder_id_no": user.id_no, "pin": "12345678"}
    values.update(overrides)
    return values


# ---- registration (U-1) -----------------------------------------------------------------------

def test_register_enterprise_creates_enterprise_and_admin_U_1(make):
    body = registration_body()
    admin = accounts.register_enterprise(db.session, **body)
    db.session.commit()
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == body["uscc"]))
    assert admin.role == "ent_admin" and admin.enterprise_id == enterprise.id
    assert enterprise.org_code == body["uscc"][8:17]
    assert enterprise.business_types == "B09,B10"
    assert admin.password_hash.startswith("$argon2") and body["password"] not in admin.password_hash


def test_register_reports_every_violation_together_U_1_Q_8_Q_10_U_4(make):
    body = registration_body(enterprise_name="", org_code="123456789", business_types=["B09", "NOPE"],
                             username="x", password="short", admin_id_no="440304198501011234",
                             admin_mobile="12345", admin_id_type="BADTYPE")
    with pytest.raises(RuleError) as caught:
        accounts.register_enterprise(db.session, **body)
    assert caught.value.status == 422
    assert {("U-1", "enterprise_name"), ("Q-8", "org_code"), ("U-1", "business_types"), ("U-1", "username"),
            ("U-4", "password"), ("U-1", "admin_id_type"), ("Q-10", "admin_mobile")} <= _rules(caught.value)


@pytest.mark.parametrize("uscc", ["91440300MA5XXXXXX1", "9144030012345678", "91440300O00000001X", ""])
def test_register_refuses_invalid_uscc_Q_7(make, uscc):
    with pytest.raises(RuleError) as caught:
        accounts.register_enterprise(db.session, **registration_body(uscc=uscc))
    assert caught.value.status == 422 and ("Q-7", "uscc") in _rules(caught.value)


def test_register_checks_resident_id_and_password_confirmation_Q_10_U_4(make):
    body = registration_body(admin_id_no="440304198501011230", password_confirm="Different1")
    with pytest.raises(RuleError) as caught:
        accounts.register_enterprise(db.session, **body)
    assert {("Q-10", "admin_id_no"), ("U-4", "password_confirm")} <= _rules(caught.value)


def test_register_attaches_to_enterprise_without_users_U_1(make):
    legal_rep_id = make_id_card("440304", "19700101", 7)
    loaded = make.enterprise("员工录入企业有限公司", legal_rep_name="钱七", legal_rep_id_no=legal_rep_id)
    make.qualification(loaded, "IE")
    admin = accounts.register_enterprise(db.session, **registration_body(
        uscc=loaded.uscc, enterprise_name="别名", legal_rep_name="钱七", legal_rep_id_no=legal_rep_id.lower()))
    db.session.commit()
    assert admin.enterprise_id == loaded.id
    assert db.session.scalar(select(Enterprise.name_zh).where(Enterprise.id == loaded.id)) == "员工录入企业有限公司"
    held = db.session.scalars(select(Qualification).where(Qualification.enterprise_id == admin.enterprise_id)).all()
    assert [(q.qualification_type, q.status) for q in held] == [("IE", "VALID")]


def test_register_refuses_enterprise_that_has_users_U_1(make):
    enterprise, _admin_user = _admin(make)
    with pytest.raises(RuleError) as caught:
        accounts.register_enterprise(db.session, **registration_body(uscc=enterprise.uscc))
    assert caught.value.status == 409 and ("U-1", "uscc") in _rules(caught.value)


def test_register_refuses_taken_username_U_1(make):
    _enterprise, admin = _admin(make)
    with pytest.raises(RuleError) as caught:
        accounts.register_enterprise(db.session, **registration_body(username=admin.username.upper()))
    assert caught.value.status == 409 and ("U-1", "username") in _rules(caught.value)


# ---- operators, permissions, cards (U-3) ------------------------------------------------------

def test_create_operator_by_admin_U_3(make):
    enterprise, admin = _admin(make)
    user = accounts.create_operator(db.session, Identity(admin, "account"), module_c=False, **_operator_values())
    db.session.commit()
    assert (user.role, user.enterprise_id, user.perm_module_q, user.perm_module_c) == \
        ("ent_operator", enterprise.id, True, False)


@pytest.mark.parametrize("role", ["ent_operator", "staff", "auditor"])
def test_only_an_enterprise_admin_manages_accounts_U_3(make, role):
    enterprise = make.enterprise()
    caller = make.user(enterprise if role == "ent_operator" else None, role)
    with pytest.raises(RuleError) as caught:
        accounts.create_operator(db.session, Identity(caller, "card"), **_operator_values())
    assert caught.value.status == 403 and caught.value.violations[0].rule == "U-3"


def test_admin_cannot_touch_another_enterprises_user_U_3(make):
    _enterprise, admin = _admin(make)
    other_enterprise, _other_admin = _admin(make)
    stranger = make.user(other_enterprise, "ent_operator")
    identity = Identity(admin, "account")
    for call in (lambda: accounts.set_permissions(db.session, identity, stranger.id, False, False),
                 lambda: accounts.deactivate_user(db.session, identity, stranger.id),
                 lambda: accounts.bind_card(db.session, identity, **_card_values(stranger))):
        with pytest.raises(RuleError) as caught:
            call()
        assert caught.value.status in (404, 422) and caught.value.violations[0].rule == "U-3"
    db.session.rollback()
    assert db.session.get(User, stranger.id).perm_module_q is True


def test_set_permissions_grants_and_revokes_U_3(make):
    enterprise, admin = _admin(make)
    operator = make.user(enterprise, "ent_operator")
    accounts.set_permissions(db.session, Identity(admin, "account"), operator.id, module_q=False, module_c=True)
    db.session.commit()
    assert (operator.perm_module_q, operator.perm_module_c) == (False, True)
    with pytest.raises(RuleError):
        accounts.set_permissions(db.session, Identity(admin, "account"), admin.id, False, False)


def test_bind_card_hashes_pin_and_checks_its_format_U_4(make):
    enterprise, admin = _admin(make)
    identity = Identity(admin, "account")
    card = accounts.bind_card(db.session, identity, **_card_values(admin, pin="654321"))
    db.session.commit()
    assert card.pin_hash.startswith("$argon2") and "654321" not in card.pin_hash
    for pin in ("12345", "123456789", "12ab56"):
        with pytest.raises(RuleError) as caught:
            accounts.bind_card(db.session, identity, **_card_values(admin, pin=pin))
        assert ("U-4", "pin") in _rules(caught.value)


@pytest.mark.parametrize("first, second", [("LEGAL", "OPERATOR"), ("OPERATOR", "LEGAL")])
def test_legal_card_holder_cannot_get_operator_card_of_same_enterprise_U_3(make, first, second):
    enterprise, admin = _admin(make)
    operator = make.user(enterprise, "ent_operator")
    identity = Identity(admin, "account")
    accounts.bind_card(db.session, identity, **_card_values(admin, card_type=first))
    db.session.commit()
    with pytest.raises(RuleError) as caught:
        accounts.bind_card(db.session, identity, **_card_values(operator, card_type=second,
                                                                 holder_id_no=admin.id_no.lower()))
    assert caught.value.status == 422 and ("U-3", "holder_id_no") in _rules(caught.value)


def test_legal_card_holder_may_hold_operator_card_of_another_enterprise_U_3(make):
    _enterprise, admin = _admin(make)
    accounts.bind_card(db.session, Identity(admin, "account"), **_card_values(admin, card_type="LEGAL"))
    other_enterprise, other_admin = _admin(make)
    card = accounts.bind_card(db.session, Identity(other_admin, "account"),
                              **_card_values(other_admin, holder_id_no=admin.id_no))
    assert card.enterprise_id == other_enterprise.id


def test_one_active_legal_card_per_enterprise_U_3(make):
    enterprise, admin = _admin(make)
    operator = make.user(enterprise, "ent_operator")
    identity = Identity(admin, "account")
    first = accounts.bind_card(db.session, identity, **_card_values(admin, card_type="LEGAL"))
    with pytest.raises(RuleError) as caught:
        accounts.bind_card(db.session, identity, **_card_values(operator, card_type="LEGAL"))
    assert caught.value.status == 409 and caught.value.violations[0].rule == "U-3"
    accounts.revoke_card(db.session, identity, first.id)
    assert accounts.bind_card(db.session, identity, **_card_values(operator, card_type="LEGAL")).active


def test_deactivate_user_revokes_its_cards_and_login_U_3(make, client):
    enterprise, admin = _admin(make)
    operator = make.user(enterprise, "ent_operator")
    card = make.card(operator)
    accounts.deactivate_user(db.session, Identity(admin, "account"), operator.id)
    db.session.commit()
    assert db.session.get(Card, card.id).active is False
    assert client.post("/api/v1/tokens", json={"username": operator.username, "password": PASSWORD}).status_code == 401
    with pytest.raises(RuleError):
        accounts.deactivate_user(db.session, Identity(admin, "account"), admin.id)


# ---- pages --------------------------------------------------------------------------------------

def _form(body: dict) -> dict:
    data = {k: v for k, v in body.items() if v is not None}
    data["password_confirm"] = body["password"]
    return data


def test_register_page_shows_the_form(client, make):
    html = client.get("/register").get_data(as_text=True)
    assert html.count('name="business_types"') == 15 and "报关行" in html and "海运货运代理" in html
    assert "sw-required" in html and 'name="csrf_token"' in html


def test_register_page_shows_errors_next_to_fields_with_rule_ids_Q_7(client, make):
    data = _form(registration_body(uscc="91440300MA5XXXXXX1", admin_mobile="123"))
    data["csrf_token"] = csrf_token(client, "/register")
    response = client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "sw-summary" in html and "Q-7" in html and "Q-10" in html and "sw-error" in html
    assert data["enterprise_name"] in html  # the typed values are kept
    assert db.session.scalar(select(User).where(User.username == data["username"])) is None


def test_register_page_logs_the_admin_in_U_1_U_2(client, make):
    body = registration_body()
    data = _form(body)
    data["csrf_token"] = csrf_token(client, "/register")
    response = client.post("/register", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert "注册成功" in client.get("/").get_data(as_text=True)
    record = db.session.scalar(select(UserSession).order_by(UserSession.id.desc()))
    assert record.login_mode == "account" and record.card_id is None and record.revoked_at is None
    assert client.get("/account/operators").status_code == 200


def _logged_in_admin(make, client):
    enterprise, admin = _admin(make)
    make.login(client, user=admin)
    return enterprise, admin


def test_operators_page_creates_operator_with_permissions_U_3(client, make):
    enterprise, _admin_user = _logged_in_admin(make, client)
    values = _operator_values()
    data = dict(values, module_q="1", csrf_token=csrf_token(client, "/account/operators"))
    response = client.post("/account/operators", data=data)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == values["username"]))
    assert (user.role, user.enterprise_id, user.perm_module_q, user.perm_module_c) == \
        ("ent_operator", enterprise.id, True, False)
    html = client.get("/account/operators").get_data(as_text=True)
    assert values["username"] in html and "已创建操作员" in html


def test_operators_page_shows_field_errors_U_3(client, make):
    _logged_in_admin(make, client)
    data = dict(_operator_values(password="abc", mobile="999"), csrf_token=csrf_token(client, "/account/operators"))
    response = client.post("/account/operators", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "U-4" in html and "Q-10" in html and "sw-error" in html


def test_operators_page_permissions_cards_and_deactivation_U_3(client, make):
    enterprise, admin = _logged_in_admin(make, client)
    operator = make.user(enterprise, "ent_operator")
    token = csrf_token(client, "/account/operators")
    client.post(f"/account/operators/{operator.id}/permissions", data={"module_q": "1", "csrf_token": token})
    db.session.expire_all()
    assert (operator.perm_module_q, operator.perm_module_c) == (True, False)

    legal = _card_values(admin, card_type="LEGAL")
    assert client.post("/account/cards", data=dict(legal, csrf_token=token)).status_code == 302
    refused = client.post("/account/cards", data=dict(_card_values(operator, holder_id_no=admin.id_no),
                                                       csrf_token=token))
    assert refused.status_code == 422 and "U-3" in refused.get_data(as_text=True)

    card = db.session.scalar(select(Card).where(Card.card_no == legal["card_no"]))
    client.post(f"/account/cards/{card.id}/revoke", data={"csrf_token": token})
    client.post(f"/account/operators/{operator.id}/deactivate", data={"csrf_token": token})
    db.session.expire_all()
    assert card.active is False and operator.active is False


def test_operators_page_refuses_an_operator_U_3(client, make):
    enterprise = make.enterprise()
    operator = make.user(enterprise, "ent_operator")
    make.login(client, user=operator)
    response = client.get("/account/operators")
    assert response.status_code == 403 and "U-3" in response.get_data(as_text=True)


def test_operators_page_needs_a_login(client, make):
    response = client.get("/account/operators")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
