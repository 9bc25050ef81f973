"""Fixtures for module-Q flows: an enterprise with an administrator, a card, tokens and valid bodies."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import pytest

from portal.extensions import db
from rules.identifiers import make_id_card

LEGAL_REP_ID = make_id_card("440304", "19800101", "001")
PERSON_ID = make_id_card("440304", "19900515", "123")
PERSON_ID_2 = make_id_card("110105", "19851231", "456")
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def basic_info(**overrides) -> dict:
    """Return a complete, valid basic-info block for a Shenzhen enterprise."""
    values = {
        "name_zh": "深圳市示例贸易有限公司", "name_en": "Shenzhen Example Trading Co., Ltd.",
        "region_code": "440304", "customs_code": "5300", "economic_zone_code": "1",
        "ciq_enterprise_type_code": "01", "postal_code": "518000",
        "address_zh": "深圳市福田区福华路1号", "address_en": "No.1 Fuhua Road, Futian, Shenzhen",
        "market_entity_type_code": "1100", "org_type_code": "1", "industry_code": "F",
        "legal_rep_name": "张三", "legal_rep_nationality": "CHN", "legal_rep_id_type": "ID_CARD",
        "legal_rep_id_no": LEGAL_REP_ID, "contact_name": "李四", "contact_phone": "0755-12345678",
        "contact_mobile": "13800138000", "email": "contact@example.com",
        "website": "https://www.example.com", "express_operator": False,
    }
    values.update(overrides)
    return values


def manager(person_type: str, **overrides) -> dict:
    """Return a valid management-personnel row (CUSTOMS 关务负责人 / FINANCE 财务负责人)."""
    values = {"person_type": person_type, "name": "王五", "id_type": "ID_CARD", "id_no": PERSON_ID,
              "nationality": "CHN", "mobile": "13900139000"}
    values.update(overrides)
    return values


def declarant(**overrides) -> dict:
    """Return a valid declaration-personnel row."""
    values = {"name": "赵六", "id_type": "ID_CARD", "id_no": PERSON_ID_2, "mobile": "15000150000"}
    values.update(overrides)
    return values


def filing_body(types=("IE",), **overrides) -> dict:
    """Return a complete, valid filing body for the logged-in enterprise."""
    body = {"type": "FILING", "qualification_types": list(types), "enterprise": basic_info(),
            "management_personnel": [manager("CUSTOMS"), manager("FINANCE")],
            "declaration_personnel": [declarant()]}
    body.update(overrides)
    return body


def rules_of(response) -> list[str]:
    """Return the rule ids of an error answer."""
    return [v["rule"] for v in response.json["error"]["violations"]]


@dataclass
class Filer:
    """An enterprise with its administrator, a card and both kinds of API token."""

    enterprise: object
    user: object
    card: object
    account: dict
    card_login: dict


@pytest.fixture
def filer(make, client) -> Filer:
    """Return an enterprise able to file through the API."""
    enterprise = make.enterprise()
    user = make.user(enterprise, "ent_admin")
    card = make.card(user)
    return Filer(enterprise, user, card, make.token(client, user=user), make.token(client, card=card))


@pytest.fixture
def other_filer(make, client) -> Filer:
    """Return a second, unrelated enterprise."""
    enterprise = make.enterprise()
    user = make.user(enterprise, "ent_admin")
    card = make.card(user)
    return Filer(enterprise, user, card, make.token(client, user=user), make.token(client, card=card))


def create(client, headers, body) -> str:
    """Save a body and return the new application no."""
    response = client.post("/api/v1/applications", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["application_no"]


def upload(client, headers, application_no, kind="INFO_TABLE", content=PDF_BYTES, name="信息表.pdf"):
    """Upload one attachment and return the response."""
    return client.post(f"/api/v1/applications/{application_no}/attachments", headers=headers,
                       data={"kind": kind, "file": (BytesIO(content), name)}, content_type="multipart/form-data")


def submit(client, headers, application_no):
    """Submit an application and return the response."""
    return client.post(f"/api/v1/applications/{application_no}/submit", headers=headers)


def application(application_no: str):
    """Return the application row, fresh from the database."""
    from sqlalchemy import select
    from portal.models import Application
    db.session.expire_all()
    return db.session.scalar(select(Application).where(Application.application_no == application_no))


def decide(application_no: str, outcome: str = "APPROVED", opinion: str = "") -> None:
    """Move a submitted application through customs to APPROVED or REJECTED and commit."""
    from portal.qualification import operations
    record = application(application_no)
    operations.receive_application(db.session, record)
    operations.start_review(db.session, record)
    if outcome == "APPROVED":
        operations.approve_application(db.session, record, opinion)
    else:
        operations.reject_application(db.session, record, opinion or "资料不全")
    db.session.commit()


def file_and_approve(client, filer: Filer, body: dict | None = None) -> str:
    """File with the card login, submit and approve; return the application no."""
    number = create(client, filer.card_login, body or filing_body())
    response = submit(client, filer.card_login, number)
    assert response.status_code == 200, response.get_data(as_text=True)
    decide(number)
    return number
