"""Claiming someone else's enterprise (issue 13 item 12, SPEC U-1): registering a USCC already in the
register without users attaches to it only with the filed legal representative's name and ID number;
otherwise it is refused with U-1 and the answer says nothing about the record. A proxy's application
stays the proxy's; the enterprise sees it once it has registered this way."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from rules.identifiers import make_id_card
from tests.factories import csrf_token
from tests.qualification.conftest import basic_info
from tests.test_accounts import registration_body

LEGAL_REP_NAME = "周九"
LEGAL_REP_ID = make_id_card("440304", "19750505", 9)


@pytest.fixture
def loaded(make):
    """An enterprise staff loaded into the register, with a filed legal representative and no users."""
    enterprise = make.enterprise("已登记未注册有限公司", legal_rep_name=LEGAL_REP_NAME, legal_rep_id_no=LEGAL_REP_ID,
                                 contact_mobile="13911112222")
    make.qualification(enterprise, "IE")
    return enterprise


def _register(client, uscc, **legal_rep):
    return client.post("/api/v1/registrations", json=registration_body(uscc=uscc, **legal_rep))


def _users_of(enterprise) -> list:
    return list(db.session.scalars(select(User.username).where(User.enterprise_id == enterprise.id)))


@pytest.mark.parametrize("legal_rep", [
    {},
    {"legal_rep_name": LEGAL_REP_NAME},
    {"legal_rep_name": "陌生人", "legal_rep_id_no": LEGAL_REP_ID},
    {"legal_rep_name": LEGAL_REP_NAME, "legal_rep_id_no": make_id_card("440304", "19750505", 10)},
])
def test_stranger_cannot_claim_a_registered_uscc_U_1(client, loaded, legal_rep):
    response = _register(client, loaded.uscc, **legal_rep)
    assert response.status_code == 422
    violations = response.json["error"]["violations"]
    assert {(v["rule"], v["field"]) for v in violations} == {("U-1", "legal_rep_name"), ("U-1", "legal_rep_id_no")}
    assert _users_of(loaded) == []


def test_refusal_reveals_nothing_about_the_record_U_1(client, loaded):
    answers = [_register(client, loaded.uscc, **legal_rep).json["error"] for legal_rep in (
        {}, {"legal_rep_name": LEGAL_REP_NAME, "legal_rep_id_no": "110101199001011237"},
        {"legal_rep_name": "陌生人", "legal_rep_id_no": LEGAL_REP_ID})]
    assert answers[0] == answers[1] == answers[2]  # which part differed is not told
    text = str(answers[0])
    for secret in (LEGAL_REP_NAME, LEGAL_REP_ID, LEGAL_REP_ID[-4:], "13911112222", loaded.name_zh):
        assert secret not in text


def test_legal_representative_claims_the_registered_uscc_U_1(client, loaded):
    response = _register(client, loaded.uscc, legal_rep_name=f" {LEGAL_REP_NAME} ", legal_rep_id_no=LEGAL_REP_ID.lower())
    assert response.status_code == 201
    assert _users_of(loaded) == [response.json["username"]]


def test_enterprise_with_users_is_refused_with_409_U_1(client, loaded):
    assert _register(client, loaded.uscc, legal_rep_name=LEGAL_REP_NAME, legal_rep_id_no=LEGAL_REP_ID).status_code == 201
    again = _register(client, loaded.uscc, legal_rep_name=LEGAL_REP_NAME, legal_rep_id_no=LEGAL_REP_ID)
    assert again.status_code == 409


def test_record_without_a_filed_legal_representative_cannot_be_claimed_U_1(client, make):
    bare = make.enterprise()
    assert _register(client, bare.uscc, legal_rep_name="", legal_rep_id_no="").status_code == 422
    assert _users_of(bare) == []


def test_new_uscc_needs_no_legal_representative_U_1(client):
    assert _register(client, registration_body()["uscc"]).status_code == 201


def test_register_page_asks_for_the_legal_representative_U_1(client, loaded):
    page = client.get("/register").get_data(as_text=True)
    assert 'name="legal_rep_name"' in page and 'name="legal_rep_id_no"' in page
    body = registration_body(uscc=loaded.uscc)
    data = {k: v for k, v in body.items() if v is not None and k != "business_types"}
    data.update(business_types=body["business_types"], password_confirm=body["password"],
                csrf_token=csrf_token(client, "/register"), legal_rep_name="陌生人", legal_rep_id_no=LEGAL_REP_ID)
    refused = client.post("/register", data=data)
    assert refused.status_code == 422 and "U-1" in refused.get_data(as_text=True)
    assert _users_of(loaded) == []
    data.update(legal_rep_name=LEGAL_REP_NAME, csrf_token=csrf_token(client, "/register"))
    assert client.post("/register", data=data).status_code == 302
    assert _users_of(loaded) == [body["username"]]


def test_proxy_application_stays_the_proxys_until_the_enterprise_registers_U_1(client, make, loaded):
    proxy = make.enterprise()
    proxy_card = make.token(client, card=make.card(make.user(proxy, "ent_admin")))
    filed = client.post("/api/v1/applications", headers=proxy_card, json={
        "type": "CHANGE", "target_uscc": loaded.uscc, "commitment": True,
        "enterprise": basic_info(name_zh=loaded.name_zh)})
    assert filed.status_code == 201, filed.get_data(as_text=True)
    number = filed.json["application_no"]
    stranger = _register(client, loaded.uscc)
    assert stranger.status_code == 422
    assert client.get(f"/api/v1/applications/{number}", headers=proxy_card).status_code == 200
    owner = registration_body(uscc=loaded.uscc, legal_rep_name=LEGAL_REP_NAME, legal_rep_id_no=LEGAL_REP_ID)
    assert client.post("/api/v1/registrations", json=owner).status_code == 201
    owner_token = make.token(client, user=db.session.scalar(select(User).where(User.username == owner["username"])),
                             password=owner["password"])
    assert client.get(f"/api/v1/applications/{number}", headers=owner_token).status_code == 200
    assert client.get(f"/api/v1/applications/{number}", headers=proxy_card).status_code == 200
