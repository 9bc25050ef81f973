"""Builders of valid rule inputs; each test changes only what it is about."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from rules.identifiers import make_id_card
from rules.qualification_data import (
    ApplicationData, EnterpriseState, OpenApplication, ParentInfo, QualificationRecord, ReferenceData,
)
from rules.qualification_types import RuleTables

TODAY = date(2025, 6, 15)
OWN_USCC = "91440300708461136T"
PARENT_USCC = "91110000802100433B"
OTHER_USCC = "91350100M000100Y43"
LEGAL_REP_ID = make_id_card("440304", "19800101", "001")
PERSON_ID = make_id_card("440304", "19900515", "123")
PERSON_ID_2 = make_id_card("110105", "19851231", "456")


def reference(**overrides) -> ReferenceData:
    """Return reference data with small but real-looking code tables."""
    values = dict(
        codes={
            "regions": frozenset({"440000", "440300", "440304", "440305", "110000", "110100", "110105"}),
            "customs": frozenset({"5300", "5355", "0100", "0101"}),
            "economic_zones": frozenset({"1", "2"}),
            "ciq_enterprise_types": frozenset({"A"}),
            "market_entity_types": frozenset({"1100", "5100", "6100"}),
            "org_types": frozenset({"1"}),
            "industries": frozenset({"5179"}),
            "countries": frozenset({"CHN", "USA", "AUS"}),
            "currencies": frozenset({"CNY", "USD", "AUD"}),
            "id_types": frozenset({"ID_CARD", "PASSPORT", "HOUSEHOLD", "OTHER"}),
            "license_names": frozenset({"EXPRESS", "FINANCE", "PAYMENT"}),
            "cancellation_reasons": frozenset({"01", "02", "99"}),
        },
        region_province={"440304": "440000", "440305": "440000", "110105": "110000"},
        customs_provinces={
            "5300": frozenset({"440000"}), "5355": frozenset({"440000"}),
            "0100": frozenset({"110000"}), "0101": frozenset({"110000"}),
        },
        foreign_invested_market_types=frozenset({"5100", "6100"}),
        parents={
            PARENT_USCC: ParentInfo(valid_head_types=frozenset({"IE", "CB"}), name_zh="总公司"),
            OTHER_USCC: ParentInfo(valid_head_types=frozenset({"CB"}), name_zh="报关公司"),
        },
    )
    values.update(overrides)
    return ReferenceData(**values)


def enterprise(**overrides) -> dict:
    """Return a complete, valid basic-info block (a non-branch Shenzhen enterprise)."""
    values = {
        "name_zh": "深圳市示例贸易有限公司", "name_en": "Shenzhen Example Trading Co., Ltd.",
        "region_code": "440304", "customs_code": "5355", "economic_zone_code": "1",
        "ciq_enterprise_type_code": "A", "postal_code": "518000",
        "address_zh": "深圳市福田区福华路1号", "address_en": "No.1 Fuhua Road, Futian, Shenzhen",
        "market_entity_type_code": "1100", "org_type_code": "1", "industry_code": "5179",
        "legal_rep_name": "张三", "legal_rep_nationality": "CHN", "legal_rep_id_type": "ID_CARD",
        "legal_rep_id_no": LEGAL_REP_ID, "contact_name": "李四", "contact_phone": "0755-12345678",
        "contact_mobile": "13800138000", "email": "contact@example.com", "fax": "0755-87654321",
        "website": "https://www.example.com", "parent_code": "", "parent_name": "",
        "express_operator": False,
    }
    values.update(overrides)
    return values


def manager(person_type: str, **overrides) -> dict:
    """Return a valid management-personnel row."""
    values = {"person_type": person_type, "name": "王五", "id_type": "ID_CARD", "id_no": PERSON_ID,
              "nationality": "CHN", "mobile": "13900139000"}
    values.update(overrides)
    return values


def declarant(**overrides) -> dict:
    """Return a valid declaration-personnel row."""
    values = {"name": "赵六", "id_type": "ID_CARD", "id_no": PERSON_ID_2, "mobile": "15000150000"}
    values.update(overrides)
    return values


def investor(**overrides) -> dict:
    """Return a valid investor row."""
    values = {"name": "Example Holdings Ltd.", "nationality": "USA", "currency": "USD", "amount": "100.5"}
    values.update(overrides)
    return values


def license_row(license_code: str = "EXPRESS", **overrides) -> dict:
    """Return a valid external-licence row valid until 2030."""
    values = {"license_code": license_code, "number": "粤快递-2020-001", "authority": "广东省邮政管理局",
              "valid_until": "2030-12-31", "long_term": False}
    values.update(overrides)
    return values


def filing(**overrides) -> ApplicationData:
    """Return a valid IE filing by a card login for its own enterprise."""
    values = dict(
        application_type="FILING", application_no="", login_mode="card", is_proxy=False,
        acting_uscc=OWN_USCC, target_uscc=OWN_USCC, qualification_types=("IE",),
        enterprise=enterprise(), management_personnel=(manager("CUSTOMS"), manager("FINANCE")),
        investors=(), declaration_personnel=(declarant(),), external_licenses=(),
        attachment_kinds=frozenset(),
    )
    values.update(overrides)
    return ApplicationData(**values)


def application(application_type: str, **overrides) -> ApplicationData:
    """Return a valid application of another type, built on the filing defaults."""
    return replace(filing(application_type=application_type), **overrides)


def held(qualification_type: str, valid_until: date | None = None, status: str = "VALID",
         filed_date: date | None = date(2020, 3, 1)) -> QualificationRecord:
    """Return a qualification record of the enterprise."""
    return QualificationRecord(qualification_type, status, valid_until, filed_date)


def open_app(application_no: str, application_type: str, status: str, *types: str) -> OpenApplication:
    """Return an open application of the enterprise."""
    return OpenApplication(application_no, application_type, status, tuple(types))


def state(*records: QualificationRecord, **overrides) -> EnterpriseState:
    """Return the enterprise's state with the given qualification records."""
    values = dict(uscc=OWN_USCC, qualifications=tuple(records))
    values.update(overrides)
    return EnterpriseState(**values)


TABLES = RuleTables()
