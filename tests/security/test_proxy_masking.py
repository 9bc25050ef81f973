"""A proxy's view of another enterprise's filed personal data (issue 13 item 11, SPEC Q-23, Q-24): ID numbers,
mobile numbers and e-mail addresses are masked in the page form and the API; a masked value left as it is
keeps the filed original on the server; the proxy sees in full only what it typed itself."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Application, DeclarationPerson, ManagementPerson
from rules.identifiers import make_id_card
from tests.enterprise.form_helpers import Elements, post_form
from tests.qualification.conftest import basic_info, manager

LEGAL_REP_ID = make_id_card("440304", "19800101", 11)
LEGAL_MASKED = LEGAL_REP_ID[:4] + "*" * 10 + LEGAL_REP_ID[-4:]  # like 4403**********0114
MANAGER_ID = make_id_card("440304", "19900515", 321)
DECLARANT_ID = make_id_card("110105", "19851231", 654)
FILED = {"legal_rep_id_no": LEGAL_REP_ID, "contact_mobile": "13812348000", "email": "zhang.san@example.com"}
SECRETS = (LEGAL_REP_ID, "13812348000", "zhang.san@example.com", MANAGER_ID, "13955556666", DECLARANT_ID,
           "15077778888")


@pytest.mark.parametrize("field, value, shown", [
    ("legal_rep_id_no", "440304198001010114", "4403**********0114"),
    ("contact_mobile", "13800138000", "138****8000"),
    ("mobile", "13800138000", "138****8000"),
    ("email", "zhang.san@example.com", "z***@example.com"),
    ("id_no", "E12345678", "E1*****78"),
    ("id_no", "", ""),
    ("id_no", "4403**********0114", "4403**********0114"),
])
def test_personal_identifiers_are_masked_like_the_spec_Q_23(field, value, shown):
    from rules.masking import mask_value
    assert mask_value(field, value) == shown


@pytest.fixture
def target(make):
    """A filed enterprise with a valid qualification, personnel and contacts (the proxy change's target)."""
    enterprise = make.enterprise("被代理企业有限公司", legal_rep_name="张三", legal_rep_id_type="ID_CARD",
                                 legal_rep_nationality="CHN", **FILED)
    make.qualification(enterprise, "IE")
    db.session.add_all([
        ManagementPerson(enterprise_id=enterprise.id, person_type="CUSTOMS", name="王五", id_type="ID_CARD",
                         id_no=MANAGER_ID, nationality="CHN", mobile="13955556666"),
        DeclarationPerson(enterprise_id=enterprise.id, name="赵六", id_type="ID_CARD", id_no=DECLARANT_ID,
                          mobile="15077778888", personnel_filing_no="P000000001")])
    db.session.commit()
    return enterprise


@pytest.fixture
def proxy(make, client):
    """Card-login token of another enterprise."""
    return make.token(client, card=make.card(make.user(make.enterprise("代理企业有限公司"), "ent_admin")))


def _open_change(client, proxy, target, **body):
    response = client.post("/api/v1/applications", headers=proxy,
                           json={"type": "CHANGE", "target_uscc": target.uscc, "commitment": True, **body})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["application_no"]


def _stored(number: str) -> tuple[dict, list, list]:
    db.session.expire_all()
    application = db.session.query(Application).filter_by(application_no=number).one()
    managers = db.session.query(ManagementPerson).filter_by(application_id=application.id).all()
    declarants = db.session.query(DeclarationPerson).filter_by(application_id=application.id).all()
    return application.data, managers, declarants


def test_api_shows_a_proxy_the_filed_identifiers_masked_Q_23(client, proxy, target):
    number = _open_change(client, proxy, target)
    detail = client.get(f"/api/v1/applications/{number}", headers=proxy).json
    assert detail["enterprise"]["legal_rep_id_no"] == LEGAL_MASKED
    assert detail["enterprise"]["contact_mobile"] == "138****8000"
    assert detail["enterprise"]["email"] == "z***@example.com"
    assert detail["management_personnel"][0]["id_no"] == MANAGER_ID[:4] + "*" * 10 + MANAGER_ID[-4:]
    assert detail["management_personnel"][0]["mobile"] == "139****6666"
    assert detail["declaration_personnel"][0]["mobile"] == "150****8888"
    assert not any(secret in str(detail) for secret in SECRETS)
    data, managers, declarants = _stored(number)  # the server holds the originals
    assert data["legal_rep_id_no"] == LEGAL_REP_ID and managers[0].id_no == MANAGER_ID
    assert declarants[0].id_no == DECLARANT_ID


def test_masked_values_sent_back_keep_the_filed_originals_Q_23(client, proxy, target):
    number = _open_change(client, proxy, target)
    shown = client.get(f"/api/v1/applications/{number}", headers=proxy).json
    patch = {"enterprise": {**shown["enterprise"], "address_zh": "深圳市南山区新地址1号"},
             "management_personnel": shown["management_personnel"],
             "declaration_personnel": [{k: v for k, v in row.items() if k != "personnel_filing_no"}
                                       for row in shown["declaration_personnel"]]}
    patch["enterprise"] = {k: v for k, v in patch["enterprise"].items() if k not in ("uscc", "org_code")}
    response = client.patch(f"/api/v1/applications/{number}", headers=proxy, json=patch)
    assert response.status_code == 200, response.get_data(as_text=True)
    data, managers, declarants = _stored(number)
    assert (data["legal_rep_id_no"], data["contact_mobile"], data["email"]) == tuple(FILED.values())
    assert data["address_zh"] == "深圳市南山区新地址1号"
    assert (managers[0].id_no, managers[0].mobile) == (MANAGER_ID, "13955556666")
    assert (declarants[0].id_no, declarants[0].mobile) == (DECLARANT_ID, "15077778888")


def test_proxy_sees_in_full_only_what_it_typed_Q_23(client, proxy, target):
    number = _open_change(client, proxy, target, enterprise={"contact_mobile": "13600001111"})
    detail = client.get(f"/api/v1/applications/{number}", headers=proxy).json
    assert detail["enterprise"]["contact_mobile"] == "13600001111"  # typed by the proxy
    assert detail["enterprise"]["legal_rep_id_no"] == LEGAL_MASKED  # filed
    rows = [manager("CUSTOMS", id_no=MANAGER_ID, mobile="13955556666"), manager("FINANCE")]
    client.patch(f"/api/v1/applications/{number}", headers=proxy, json={"management_personnel": rows})
    detail = client.get(f"/api/v1/applications/{number}", headers=proxy).json
    assert detail["management_personnel"][0]["id_no"] == MANAGER_ID  # it typed the filed value itself
    assert detail["management_personnel"][1]["id_no"] == rows[1]["id_no"]


def test_typing_a_guess_does_not_reveal_a_filed_value_Q_23(client, proxy, target):
    """Whether a value shows masked depends on who typed it, never on whether it equals a filed one."""
    number = _open_change(client, proxy, target)
    client.patch(f"/api/v1/applications/{number}", headers=proxy, json={"declaration_personnel": [
        {"name": "赵六", "id_type": "ID_CARD", "id_no": DECLARANT_ID, "mobile": "15077778888"},
        {"name": "某人", "id_type": "ID_CARD", "id_no": make_id_card("110105", "19851231", 655), "mobile": "15077778889"}]})
    detail = client.get(f"/api/v1/applications/{number}", headers=proxy).json
    assert [row["mobile"] for row in detail["declaration_personnel"]] == ["15077778888", "15077778889"]
    legal = client.get(f"/api/v1/applications/{number}", headers=proxy).json["enterprise"]["legal_rep_id_no"]
    assert legal == LEGAL_MASKED


def test_masked_value_edited_in_part_is_refused_Q_23(client, proxy, target):
    number = _open_change(client, proxy, target)
    response = client.patch(f"/api/v1/applications/{number}", headers=proxy,
                            json={"enterprise": {"legal_rep_id_no": LEGAL_MASKED[:-1] + "9"}})
    assert response.status_code == 422
    assert {(v["rule"], v["field"]) for v in response.json["error"]["violations"]} >= \
        {("Q-23", "enterprise.legal_rep_id_no")}
    assert _stored(number)[0]["legal_rep_id_no"] == LEGAL_REP_ID


def test_target_enterprise_and_staff_see_the_originals_Q_23(client, make, proxy, target):
    number = _open_change(client, proxy, target)
    own = make.token(client, user=make.user(target, "ent_admin"))
    assert client.get(f"/api/v1/applications/{number}", headers=own).json["enterprise"]["legal_rep_id_no"] == \
        LEGAL_REP_ID


def test_page_form_shows_a_proxy_masked_values_and_keeps_the_originals_Q_23(client, make, target):
    make.login(client, card=make.card(make.user(make.enterprise("代理企业二有限公司"), "ent_admin")))
    url = f"/q/changes/new?proxy=1&target_uscc={target.uscc}"
    html = client.get(url).get_data(as_text=True)
    assert not any(secret in html for secret in SECRETS)
    page = Elements(html)
    shown = {name: page.by_id[f"f-enterprise-{name}"]["value"] for name in FILED}
    assert shown == {"legal_rep_id_no": LEGAL_MASKED, "contact_mobile": "138****8000",
                     "email": "z***@example.com"}
    manager_row = {name: page.by_id[f"f-management_personnel-0-{name}"]["value"] for name in ("id_no", "mobile")}
    body = {"qualification_types": [], "enterprise": basic_info(name_zh="被代理企业有限公司", **shown),
            "management_personnel": [manager("CUSTOMS", **manager_row)]}
    saved = post_form(client, url, body, "save", target_uscc=target.uscc, commitment_shown="1", commitment="1")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    number = db.session.query(Application.application_no).one()[0]
    data, managers, _declarants = _stored(number)
    assert (data["legal_rep_id_no"], data["contact_mobile"], data["email"]) == tuple(FILED.values())
    assert (managers[0].id_no, managers[0].mobile) == (MANAGER_ID, "13955556666")
    edit = client.get(f"/q/applications/{number}/edit").get_data(as_text=True)
    assert not any(secret in edit for secret in SECRETS)


def _pdf_text(content: bytes) -> str:
    import subprocess
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def test_form_pdf_prints_a_proxy_the_identifiers_masked_Q_23(client, make, proxy, target):
    number = _open_change(client, proxy, target)
    response = client.get(f"/api/v1/applications/{number}/form.pdf", headers=proxy)
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert LEGAL_MASKED in text and "139****6666" in text
    assert not any(secret in text for secret in SECRETS)
    own = make.token(client, user=make.user(target, "ent_admin"))
    assert LEGAL_REP_ID in _pdf_text(client.get(f"/api/v1/applications/{number}/form.pdf", headers=own).data)
