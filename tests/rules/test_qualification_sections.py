"""Q-14 to Q-17: management personnel, investors, declaration personnel, external licences."""
from datetime import date

import pytest

from rules.qualification_sections import (
    declaration_personnel_violations, external_license_violations, investor_violations,
    license_valid_until, management_personnel_violations,
)
from rules.qualification_types import DEFAULT_LICENSE_REQUIREMENTS
from tests.rules.builders import TODAY, declarant, investor, license_row, manager, reference

BOTH = (manager("CUSTOMS"), manager("FINANCE"))


def fields_of(violations):
    return sorted(v.field for v in violations)


@pytest.mark.parametrize("types, rows, expected_missing", [
    (("IE",), BOTH, []),
    (("CB",), (manager("CUSTOMS"),), ["财务负责人"]),
    (("IE_BRANCH",), (manager("FINANCE"),), ["关务负责人"]),
    (("CB_BRANCH",), (), ["关务负责人", "财务负责人"]),
    (("CBEC_PLATFORM",), (), []),
    (("TEMP",), (), []),
])
def test_q14_customs_and_finance_heads_required_for_ie_cb_and_branches(types, rows, expected_missing):
    violations = management_personnel_violations(rows, types, reference(), TODAY)
    assert [v.rule for v in violations] == ["Q-14"] * len(expected_missing)
    for violation, name in zip(violations, expected_missing):
        assert violation.message.endswith(f"须至少录入一名{name}")


@pytest.mark.parametrize("row, field", [
    (manager("CUSTOMS", name=""), "management_personnel[0].name"),
    (manager("BOSS"), "management_personnel[0].person_type"),
    (manager("CUSTOMS", id_type="BADGE"), "management_personnel[0].id_type"),
    (manager("CUSTOMS", nationality="XXX"), "management_personnel[0].nationality"),
    (manager("CUSTOMS", mobile="123"), "management_personnel[0].mobile"),
    (manager("CUSTOMS", id_no="440304199005151230"), "management_personnel[0].id_no"),
])
def test_q14_each_person_checked(row, field):
    violations = management_personnel_violations((row,), ("CBEC_PLATFORM",), reference(), TODAY)
    assert fields_of(violations) == [field]
    assert "管理人员信息第1行" in violations[0].message


@pytest.mark.parametrize("market_type, rows, expected", [
    ("1100", (), []),
    ("5100", (), ["investors"]),
    ("6100", (investor(),), []),
    ("1100", (investor(amount="0"),), ["investors[0].amount"]),
    ("1100", (investor(amount="-5"),), ["investors[0].amount"]),
    ("1100", (investor(amount="abc"),), ["investors[0].amount"]),
    ("1100", (investor(amount="1.00001"),), ["investors[0].amount"]),
    ("1100", (investor(amount="0.0001"),), []),
    ("1100", (investor(amount=12),), []),
    ("1100", (investor(amount="", currency="USD"),), ["investors[0].amount"]),
    ("1100", (investor(amount="10", currency=""),), ["investors[0].currency"]),
    ("1100", (investor(amount="", currency=""),), []),
    ("1100", (investor(currency="XXX"),), ["investors[0].currency"]),
    ("1100", (investor(name=""),), ["investors[0].name"]),
])
def test_q15_investors(market_type, rows, expected):
    violations = investor_violations(rows, market_type, reference())
    assert fields_of(violations) == expected
    assert all(v.rule == "Q-15" for v in violations)


def test_q15_message_for_foreign_invested():
    violations = investor_violations((), "5100", reference())
    assert violations[0].message == "市场主体类型为外商投资企业时，出资者信息必填"


@pytest.mark.parametrize("rows, expected", [
    ((), []),
    ((declarant(),), []),
    ((declarant(mobile=""),), ["declaration_personnel[0].mobile"]),
    ((declarant(id_type=""),), ["declaration_personnel[0].id_type"]),
    ((declarant(name="", id_no=""),), ["declaration_personnel[0].id_no", "declaration_personnel[0].name"]),
    ((declarant(mobile="0755-1234567"),), ["declaration_personnel[0].mobile"]),
    ((declarant(), declarant()), ["declaration_personnel[1].id_no"]),
])
def test_q16_declaration_personnel(rows, expected):
    """Q-16: each declaration person needs name, ID type, ID no. and mobile; nobody twice."""
    assert fields_of(declaration_personnel_violations(rows, reference(), TODAY)) == expected


@pytest.mark.parametrize("types, rows, expected_count", [
    (("CBEC_LOGISTICS",), (license_row("EXPRESS"),), 0),
    (("CBEC_LOGISTICS",), (), 1),
    (("CBEC_LOGISTICS",), (license_row("PAYMENT"),), 1),
    (("CBEC_PAYMENT",), (license_row("FINANCE"),), 0),
    (("CBEC_PAYMENT",), (license_row("PAYMENT"),), 0),
    (("CBEC_PAYMENT",), (license_row("EXPRESS"),), 1),
    (("CBEC_PAYMENT", "CBEC_LOGISTICS"), (), 2),
    (("CBEC_LOGISTICS_B2B", "IE"), (), 0),
])
def test_q17_required_licences_per_type(types, rows, expected_count):
    violations = external_license_violations(rows, types, reference(), TODAY, DEFAULT_LICENSE_REQUIREMENTS)
    assert len(violations) == expected_count
    assert all(v.rule == "Q-17" and v.field == "external_licenses" for v in violations)


def test_q17_payment_message_names_both_licences():
    violations = external_license_violations((), ("CBEC_PAYMENT",), reference(), TODAY, DEFAULT_LICENSE_REQUIREMENTS)
    assert "金融许可证或者支付业务许可证" in violations[0].message


@pytest.mark.parametrize("row, expected", [
    (license_row(valid_until="2025-06-15"), []),                 # valid on its last day
    (license_row(valid_until="2025-06-14"), ["valid_until"]),    # past: refused at submit
    (license_row(valid_until="", long_term=True), []),
    (license_row(valid_until="2020-01-01", long_term=True), []),  # long-term wins
    (license_row(valid_until=""), ["valid_until"]),
    (license_row(valid_until="2025-02-29"), ["valid_until"]),
    (license_row(number="No.1"), ["number"]),
    (license_row(authority=""), ["authority"]),
    (license_row(license_code="OTHER"), ["license_code"]),
])
def test_q17_each_licence_row(row, expected):
    violations = external_license_violations((row,), (), reference(), TODAY, DEFAULT_LICENSE_REQUIREMENTS)
    assert sorted(v.field.split(".")[-1] for v in violations) == expected


def test_q17_long_term_means_2099_12_31():
    assert license_valid_until(license_row(long_term=True)) == date(2099, 12, 31)
    assert license_valid_until(license_row(valid_until="2030-01-02")) == date(2030, 1, 2)
