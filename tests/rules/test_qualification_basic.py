"""Q-9 to Q-13: enterprise basic information."""
import pytest

from rules.qualification_basic import (
    body_system_field_violations, customs_for_region, enterprise_format_violations,
    express_operator_allowed, express_operator_violations, parent_violations,
    region_customs_violations, required_field_violations, system_field_violations,
)
from rules.qualification_data import ParentInfo, ReferenceData
from tests.rules.builders import OTHER_USCC, OWN_USCC, PARENT_USCC, TODAY, enterprise, reference


def fields_of(violations):
    return sorted(v.field for v in violations)


@pytest.mark.parametrize("region, customs, expected_fields", [
    ("440304", "5355", []),
    ("440304", "5300", []),
    ("110105", "0100", []),
    ("440300", "5355", ["region_code"]),   # second level
    ("440000", "5355", ["region_code"]),   # province
    ("449999", "5355", ["region_code"]),   # not in the table
    ("440304", "0100", ["customs_code"]),  # Beijing customs for a Shenzhen district
    ("440304", "9999", ["customs_code"]),  # unknown customs
])
def test_q9_region_third_level_and_customs_serving_its_province(region, customs, expected_fields):
    violations = region_customs_violations(enterprise(region_code=region, customs_code=customs), reference())
    assert fields_of(violations) == expected_fields
    assert all(v.rule == "Q-9" for v in violations)


def test_q9_customs_list_narrows_with_the_region():
    ref = reference()
    assert customs_for_region("440304", ref) == ["5300", "5355"]
    assert customs_for_region("110105", ref) == ["0100", "0101"]
    assert customs_for_region("", ref) == []


def test_q9_province_derived_from_code_when_not_in_table():
    ref = reference(region_province={})
    assert customs_for_region("440305", ref) == ["5300", "5355"]


@pytest.mark.parametrize("field, value", [
    ("economic_zone_code", "9"), ("market_entity_type_code", "0000"), ("org_type_code", "Z"),
    ("industry_code", "0"), ("ciq_enterprise_type_code", "Q"), ("legal_rep_nationality", "XXX"),
    ("legal_rep_id_type", "BADGE"),
])
def test_q9_coded_fields_come_from_code_tables(field, value):
    violations = region_customs_violations(enterprise(**{field: value}), reference())
    assert fields_of(violations) == [field]


def test_q9_table_not_loaded_is_not_checked():
    assert region_customs_violations(enterprise(industry_code="0"), ReferenceData()) == []


@pytest.mark.parametrize("field, value", [
    ("postal_code", "51800"), ("contact_phone", "10000-100000000"), ("contact_mobile", "12345678901"),
    ("fax", "12345"), ("email", "bad@"), ("website", "example.com"), ("legal_rep_id_no", "440304198001010018"),
    ("name_zh", "名" * 151),
])
def test_q10_enterprise_formats(field, value):
    violations = enterprise_format_violations(enterprise(**{field: value}), TODAY)
    assert fields_of(violations) == [field]
    assert violations[0].rule == "Q-10"


def test_q10_legal_rep_passport_is_not_checked_as_id_card():
    data = enterprise(legal_rep_id_type="PASSPORT", legal_rep_id_no="E12345678")
    assert enterprise_format_violations(data, TODAY) == []


def test_q10_every_format_error_reported_together():
    data = enterprise(postal_code="1", contact_mobile="1", email="x", website="y")
    assert fields_of(enterprise_format_violations(data, TODAY)) == ["contact_mobile", "email", "postal_code", "website"]


def test_q20_required_basic_fields():
    violations = required_field_violations(enterprise(name_zh="", contact_mobile=None, legal_rep_id_no="  "))
    assert fields_of(violations) == ["contact_mobile", "legal_rep_id_no", "name_zh"]
    assert "企业中文名称不能为空" in {v.message for v in violations}


@pytest.mark.parametrize("types, parent_code, parent_name, expected", [
    (("IE_BRANCH",), PARENT_USCC, "总公司", []),
    (("CB_BRANCH",), PARENT_USCC, "总公司", []),
    (("CB_BRANCH",), OTHER_USCC, "报关公司", []),
    (("IE_BRANCH",), OTHER_USCC, "报关公司", ["所属单位无有效的进出口货物收发货人资质"]),
    (("IE_BRANCH", "CB_BRANCH"), OTHER_USCC, "报关公司", ["所属单位无有效的进出口货物收发货人资质"]),
    (("IE_BRANCH",), "", "", ["分支机构须填写所属单位代码", "分支机构须填写所属单位名称"]),
    (("IE_BRANCH",), "91110000802100433C", "总公司", ["第18位校验码错误"]),
    (("IE_BRANCH",), "12345", "总公司", ["应为18位统一社会信用代码或10位海关备案编码"]),
    (("IE_BRANCH",), "5300000000", "未知", ["所属单位无有效的进出口货物收发货人资质"]),
    (("IE_BRANCH",), OWN_USCC, "本公司", ["所属单位不能是本企业"]),
    (("IE",), "", "", []),
    (("IE",), PARENT_USCC, "", ["请勿填写所属单位代码"]),
    (("CBEC_PLATFORM",), "", "总公司", ["请勿填写所属单位名称"]),
])
def test_q11_branch_parent_rules(types, parent_code, parent_name, expected):
    data = enterprise(parent_code=parent_code, parent_name=parent_name)
    violations = parent_violations(data, types, reference(), own_codes=(OWN_USCC,))
    assert len(violations) == len(expected)
    for violation, fragment in zip(violations, expected):
        assert fragment in violation.message
        assert violation.rule in ("Q-11", "Q-7")


def test_q11_parent_lookup_flagging_same_enterprise():
    ref = reference(parents={PARENT_USCC: ParentInfo(frozenset({"IE"}), is_same_enterprise=True)})
    violations = parent_violations(enterprise(parent_code=PARENT_USCC, parent_name="x"), ("IE_BRANCH",), ref)
    assert [v.message for v in violations] == ["所属单位不能是本企业"]


@pytest.mark.parametrize("flag, types, ok", [
    (True, ("CB",), True), (True, ("DUAL",), True), (True, ("IE",), False), ("是", ("IE",), False),
    (False, ("IE",), True), (None, (), True), (True, ("IE", "CB"), True),
])
def test_q12_express_operator_only_with_cb_or_dual(flag, types, ok):
    violations = express_operator_violations(enterprise(express_operator=flag), types)
    assert (violations == []) is ok
    assert all(v.rule == "Q-12" for v in violations)
    assert express_operator_allowed(types) is bool({"CB", "DUAL"} & set(types))


@pytest.mark.parametrize("field", [
    "uscc", "org_code", "application_no", "updated_at", "status", "customs_opinion", "registration_code",
    "ciq_no", "local_ciq_authority", "personnel_filing_no",
])
def test_q13_system_fields_are_read_only(field):
    current = {field: "CURRENT"}
    assert system_field_violations({field: "CURRENT"}, current) == []
    violations = system_field_violations({field: "CHANGED"}, current)
    assert [(v.rule, v.field) for v in violations] == [("Q-13", field)]
    assert "由系统自动填写" in violations[0].message


def test_q13_absent_or_same_empty_values_pass():
    assert system_field_violations({"name_zh": "x"}, {}) == []
    assert system_field_violations({"customs_opinion": None}, {"customs_opinion": ""}) == []
    assert system_field_violations({"status": "APPROVED"}, {"status": "DRAFT"})[0].field == "status"


def test_q13_nested_body_enterprise_and_personnel_rows():
    body = {
        "enterprise": {"uscc": OTHER_USCC, "name_zh": "新名称"},
        "declaration_personnel": [
            {"id_no": "A1", "personnel_filing_no": "530025000001"},
            {"id_no": "B2", "personnel_filing_no": "999"},
            {"id_no": "C3"},
        ],
    }
    current = {
        "enterprise": {"uscc": OWN_USCC},
        "declaration_personnel": [{"id_no": "A1", "personnel_filing_no": "530025000001"}],
    }
    violations = body_system_field_violations(body, current)
    assert fields_of(violations) == ["declaration_personnel[1].personnel_filing_no", "enterprise.uscc"]


@pytest.mark.parametrize("code,ok", [("441900", True), ("440304", True), ("440300", False), ("440000", False)])
def test_q9_selectable_regions_include_cities_without_districts(code, ok):
    from rules.qualification import ReferenceData, is_third_level_region
    ref = ReferenceData(codes={"regions": frozenset({"441900", "440304", "440300", "440000"})},
                        selectable_regions=frozenset({"441900", "440304"}))
    assert is_third_level_region(code, ref) is ok
