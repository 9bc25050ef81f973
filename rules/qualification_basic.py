"""Enterprise basic information (企业基本信息): rules Q-8 to Q-13.

`enterprise` is the basic-info mapping keyed by the API field names (API.md).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from rules.formats import (
    email_violations, is_blank, length_violations, mobile_violations, person_id_violations,
    phone_violations, postal_code_violations, url_violations,
)
from rules.identifiers import uscc_violations
from rules.qualification_data import ReferenceData
from rules.qualification_types import (
    BRANCH_HEAD_TYPES, CB, DUAL, EXPRESS_OPERATOR_TYPES, qualification_name,
)
from rules.violations import Violation

ENTERPRISE_LABELS = {
    "uscc": "统一社会信用代码", "org_code": "组织机构代码",
    "name_zh": "企业中文名称", "name_en": "企业英文名称",
    "region_code": "行政区划", "customs_code": "所在地海关", "economic_zone_code": "经济区划",
    "ciq_enterprise_type_code": "检验检疫企业类型", "postal_code": "邮政编码",
    "address_zh": "住所（主要经营场所）", "address_en": "英文地址",
    "market_entity_type_code": "市场主体类型", "org_type_code": "组织机构类型",
    "industry_code": "行业种类", "legal_rep_name": "法定代表人姓名",
    "legal_rep_nationality": "法定代表人国籍", "legal_rep_id_type": "法定代表人证件类型",
    "legal_rep_id_no": "法定代表人证件号码", "contact_name": "联系人",
    "contact_phone": "联系人固定电话", "contact_mobile": "联系人移动电话",
    "email": "电子邮箱", "fax": "传真", "website": "网址",
    "parent_code": "所属单位代码", "parent_name": "所属单位名称",
    "express_operator": "是否快件运营企业",
}
# Yellow (required) fields of the filing form; checked at submit.
REQUIRED_ENTERPRISE_FIELDS = (
    "name_zh", "region_code", "customs_code", "economic_zone_code", "postal_code", "address_zh",
    "market_entity_type_code", "org_type_code", "industry_code", "legal_rep_name",
    "legal_rep_nationality", "legal_rep_id_type", "legal_rep_id_no", "contact_name",
    "contact_mobile",
)
ENTERPRISE_MAX_LENGTHS = {
    "name_zh": 150, "name_en": 200, "address_zh": 200, "address_en": 300,
    "legal_rep_name": 50, "contact_name": 50, "fax": 30, "contact_phone": 30,
    "parent_code": 18, "parent_name": 150,
}
# Basic-info field -> code table (API.md table names) it must come from.
ENTERPRISE_CODE_TABLES = {
    "economic_zone_code": "economic_zones",
    "ciq_enterprise_type_code": "ciq_enterprise_types",
    "market_entity_type_code": "market_entity_types",
    "org_type_code": "org_types",
    "industry_code": "industries",
    "legal_rep_nationality": "countries",
    "legal_rep_id_type": "id_types",
}
# Filled by the system; never accepted from user input.
SYSTEM_FIELDS = {
    "uscc": "统一社会信用代码", "org_code": "组织机构代码", "application_no": "申请统一编号",
    "updated_at": "更新时间", "status": "申请状态", "customs_opinion": "海关审核意见",
    "registration_code": "海关备案编码", "ciq_no": "检验检疫备案号",
    "local_ciq_authority": "属地检验检疫机构", "personnel_filing_no": "报关人员备案号",
}
CUSTOMS_REGISTRATION_CODE_LENGTH = 10


def required_field_violations(
    enterprise: Mapping[str, Any], required: Iterable[str] = REQUIRED_ENTERPRISE_FIELDS
) -> list[Violation]:
    """Require every mandatory basic-info field at submit (Q-20)."""
    return [
        Violation("Q-20", name, f"{ENTERPRISE_LABELS.get(name, name)}不能为空")
        for name in required if is_blank(enterprise.get(name))
    ]


def code_value_violations(
    value, codes: Iterable[str] | None, field: str, label: str, rule: str = "Q-9"
) -> list[Violation]:
    """Check a non-blank value is one of a code table's codes (skipped when the table is None)."""
    if is_blank(value) or codes is None or str(value).strip() in codes:
        return []
    return [Violation(rule, field, f"{label}“{value}”不在参数表中，请从下拉列表中选择")]


def province_of(region_code: str, ref: ReferenceData) -> str:
    """Return the province code of a region (from the table, else the GB/T 2260 prefix + '0000')."""
    code = str(region_code or "").strip()
    return ref.region_province.get(code) or (code[:2] + "0000" if len(code) == 6 else "")


def is_third_level_region(region_code: str, ref: ReferenceData) -> bool:
    """Return True for a selectable district/county code (or, without that table, one not ending in 00)."""
    code = str(region_code or "").strip()
    if ref.selectable_regions is not None:
        return code in ref.selectable_regions
    regions = ref.codes.get("regions")
    known = regions is None or code in regions
    return known and len(code) == 6 and code.isdigit() and not code.endswith("00")


def customs_for_region(region_code: str, ref: ReferenceData) -> list[str]:
    """Return the customs codes that serve the region's province, sorted (narrows the dropdown, Q-9)."""
    province = province_of(region_code, ref)
    if not province:
        return []
    return sorted(code for code, provinces in ref.customs_provinces.items() if province in provinces)


def region_customs_violations(enterprise: Mapping[str, Any], ref: ReferenceData) -> list[Violation]:
    """Check region is third-level and customs serves its province, and every coded field is known (Q-9)."""
    violations = []
    region = str(enterprise.get("region_code") or "").strip()
    customs = str(enterprise.get("customs_code") or "").strip()
    if region and not is_third_level_region(region, ref):
        violations.append(Violation(
            "Q-9", "region_code", "行政区划须选择到第三级（区/县），例如广东省、深圳市、福田区",
        ))
    customs_table = ref.codes.get("customs")
    customs_known = customs in ref.customs_provinces or customs in (customs_table or ())
    customs_checkable = customs_table is not None or bool(ref.customs_provinces)
    if customs and customs_checkable and not customs_known:
        violations.append(Violation("Q-9", "customs_code", f"所在地海关“{customs}”不在参数表中"))
    elif customs and ref.customs_provinces and is_third_level_region(region, ref) \
            and customs not in customs_for_region(region, ref):
        violations.append(Violation(
            "Q-9", "customs_code", "所在地海关与行政区划不匹配，请先选择行政区划，再选择所在地海关",
        ))
    for name, table in ENTERPRISE_CODE_TABLES.items():
        violations += code_value_violations(
            enterprise.get(name), ref.codes.get(table), name, ENTERPRISE_LABELS[name],
        )
    return violations


def enterprise_format_violations(enterprise: Mapping[str, Any], today: date | None = None) -> list[Violation]:
    """Check the formats and lengths of the basic-info fields (Q-10)."""
    get = enterprise.get
    violations = postal_code_violations(get("postal_code"))
    violations += phone_violations(get("contact_phone"), "contact_phone", "联系人固定电话")
    violations += mobile_violations(get("contact_mobile"), "contact_mobile", "联系人移动电话")
    violations += phone_violations(get("fax"), "fax", "传真")
    violations += email_violations(get("email"))
    violations += url_violations(get("website"))
    violations += person_id_violations(
        get("legal_rep_id_type"), get("legal_rep_id_no"), "legal_rep_id_no", "法定代表人证件号码", today,
    )
    for name, max_length in ENTERPRISE_MAX_LENGTHS.items():
        violations += length_violations(get(name), max_length, name, ENTERPRISE_LABELS[name])
    return violations


def parent_violations(
    enterprise: Mapping[str, Any], types: Iterable[str], ref: ReferenceData, own_codes: Iterable[str] = ()
) -> list[Violation]:
    """Check the parent unit: required and holding the head type for branches, empty otherwise (Q-11).

    `types` are the types selected or held; `own_codes` are the enterprise's own USCC and
    registration code (a parent equal to one of them is the enterprise itself).
    """
    code = str(enterprise.get("parent_code") or "").strip()
    name = str(enterprise.get("parent_name") or "").strip()
    branches = [t for t in dict.fromkeys(types) if t in BRANCH_HEAD_TYPES]
    if not branches:
        return [
            Violation("Q-11", field, f"非分支机构无上级单位，请勿填写{ENTERPRISE_LABELS[field]}")
            for field, value in (("parent_code", code), ("parent_name", name)) if value
        ]
    violations = []
    if not code:
        violations.append(Violation("Q-11", "parent_code", "分支机构须填写所属单位代码"))
    if not name:
        violations.append(Violation("Q-11", "parent_name", "分支机构须填写所属单位名称"))
    if not code:
        return violations
    if len(code) == 18:
        format_problems = uscc_violations(code, "parent_code", "所属单位代码")
    elif len(code) == CUSTOMS_REGISTRATION_CODE_LENGTH and code.isalnum():
        format_problems = []
    else:
        format_problems = [Violation(
            "Q-11", "parent_code", "所属单位代码应为18位统一社会信用代码或10位海关备案编码",
        )]
    if format_problems:
        return violations + format_problems
    parent = ref.parents.get(code)
    if code in set(own_codes) or (parent is not None and parent.is_same_enterprise):
        return violations + [Violation("Q-11", "parent_code", "所属单位不能是本企业")]
    for branch in branches:
        head = BRANCH_HEAD_TYPES[branch]
        if parent is None or head not in parent.valid_head_types:
            violations.append(Violation(
                "Q-11", "parent_code",
                f"所属单位无有效的{qualification_name(head)}资质，无法备案{qualification_name(branch)}",
            ))
    return violations


def express_operator_allowed(types: Iterable[str]) -> bool:
    """Return True when 是否快件运营企业 may be 'yes': CB or DUAL selected or held (Q-12)."""
    return bool(EXPRESS_OPERATOR_TYPES.intersection(types))


def express_operator_violations(enterprise: Mapping[str, Any], types: Iterable[str]) -> list[Violation]:
    """Refuse express_operator = yes unless CB or DUAL is selected or held (Q-12)."""
    flag = enterprise.get("express_operator")
    says_yes = flag is True or str(flag).strip().lower() in ("1", "true", "yes", "y", "是")
    if says_yes and not express_operator_allowed(types):
        return [Violation(
            "Q-12", "express_operator",
            f"只有{qualification_name(CB)}或{qualification_name(DUAL)}可选择“是否快件运营企业”为“是”",
        )]
    return []


def _comparable(value) -> str:
    """Return a value as text for comparison, treating None as empty."""
    return "" if value is None else str(value).strip()


def system_field_violations(
    submitted: Mapping[str, Any], current: Mapping[str, Any], prefix: str = ""
) -> list[Violation]:
    """Refuse a body that sets a system-filled field to anything but its current value (Q-13)."""
    return [
        Violation("Q-13", f"{prefix}{name}", f"{label}由系统自动填写，不能修改")
        for name, label in SYSTEM_FIELDS.items()
        if name in submitted and _comparable(submitted[name]) != _comparable(current.get(name))
    ]


def body_system_field_violations(body: Mapping[str, Any], current: Mapping[str, Any]) -> list[Violation]:
    """Apply Q-13 to an application body: top level, `enterprise` and declaration personnel rows.

    Personnel rows are matched to the current ones by `id_no`; a new row has no filing number yet.
    """
    violations = system_field_violations(body, current)
    if isinstance(body.get("enterprise"), Mapping):
        current_enterprise = current.get("enterprise") or {}
        violations += system_field_violations(body["enterprise"], current_enterprise, "enterprise.")
    current_rows = {
        _comparable(row.get("id_no")): row for row in current.get("declaration_personnel") or ()
    }
    for index, row in enumerate(body.get("declaration_personnel") or ()):
        if isinstance(row, Mapping):
            existing = current_rows.get(_comparable(row.get("id_no")), {})
            violations += system_field_violations(row, existing, f"declaration_personnel[{index}].")
    return violations
