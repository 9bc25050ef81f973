"""Child sections of an application: rules Q-14 to Q-17 (people, investors, licences).

Rows are mappings keyed by the API child field names (API.md). Field paths in violations look
like `management_personnel[0].mobile`; messages name the section and the row number (from 1).
Attachments (Q-18) are in rules/attachments.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Sequence

# The attachment checks live in rules/attachments.py; re-exported for callers importing them here.
from rules.attachments import (  # noqa: F401
    CANCELLATION_LETTER_EXTENSIONS, DEFAULT_ATTACHMENT_EXTENSIONS, FILE_SIGNATURES, MAX_ATTACHMENT_BYTES,
    allowed_extensions_for, attachment_kind_violations, attachment_violations, file_extension,
    required_attachment_violations,
)
from rules.formats import (
    is_blank, length_violations, license_number_violations, mobile_violations, person_id_violations,
)
from rules.qualification_basic import code_value_violations
from rules.qualification_data import ReferenceData, parse_date
from rules.qualification_types import (
    LICENSE_NAMES, LONG_TERM_DATE_ISO, MANAGEMENT_REQUIRED_TYPES, qualification_name,
)
from rules.violations import Violation

MANAGEMENT_SECTION = "management_personnel"
INVESTOR_SECTION = "investors"
DECLARATION_SECTION = "declaration_personnel"
LICENSE_SECTION = "external_licenses"
SECTION_NAMES = {
    MANAGEMENT_SECTION: "管理人员信息", INVESTOR_SECTION: "出资者信息",
    DECLARATION_SECTION: "报关人员信息", LICENSE_SECTION: "外部资质信息",
}
PERSON_TYPES = {"CUSTOMS": "关务负责人", "FINANCE": "财务负责人"}
MANAGEMENT_LABELS = {
    "person_type": "人员类型", "name": "姓名", "id_type": "证件类型", "id_no": "证件号码",
    "nationality": "国籍", "mobile": "移动电话",
}
INVESTOR_LABELS = {"name": "出资者名称（姓名）", "nationality": "国籍", "currency": "出资币制", "amount": "出资金额（万）"}
DECLARATION_LABELS = {"name": "姓名", "id_type": "身份证件类型", "id_no": "身份证件号码", "mobile": "移动电话"}
LICENSE_LABELS = {"license_code": "许可证名称", "number": "许可证编号", "authority": "发证机关", "valid_until": "有效日期"}
ROW_MAX_LENGTHS = {"name": 100, "authority": 100, "number": 50}
AMOUNT_MAX_DECIMALS = 4
LONG_TERM_DATE = date.fromisoformat(LONG_TERM_DATE_ISO)


@dataclass(frozen=True)
class _Row:
    """Where a child row sits: builds its field paths and Chinese message prefixes."""

    section: str
    index: int

    def field(self, name: str) -> str:
        """Return the field path, e.g. management_personnel[0].mobile."""
        return f"{self.section}[{self.index}].{name}"

    def label(self, text: str) -> str:
        """Return the text prefixed with the row reference, e.g. 管理人员信息第1行：姓名."""
        return f"{SECTION_NAMES[self.section]}第{self.index + 1}行：{text}"


def _required(row: Mapping[str, Any], where: _Row, labels: Mapping[str, str], rule: str) -> list[Violation]:
    """Require every labelled field of one child row."""
    return [
        Violation(rule, where.field(name), where.label(f"{label}不能为空"))
        for name, label in labels.items() if is_blank(row.get(name))
    ]


def _coded(
    row: Mapping[str, Any], where: _Row, labels: Mapping[str, str], tables: Mapping[str, str],
    codes: Mapping[str, Iterable[str]], rule: str,
) -> list[Violation]:
    """Check the coded fields of one child row (field -> code table name) against the code tables."""
    violations = []
    for name, table in tables.items():
        violations += code_value_violations(
            row.get(name), codes.get(table), where.field(name), where.label(labels[name]), rule,
        )
    return violations


def person_row_format_violations(
    row: Mapping[str, Any], section: str, index: int, labels: Mapping[str, str], today: date | None = None
) -> list[Violation]:
    """Check an ID number against its type, the mobile format and the name length of one person row (Q-10)."""
    where = _Row(section, index)
    violations = person_id_violations(
        row.get("id_type"), row.get("id_no"), where.field("id_no"), where.label(labels["id_no"]), today,
    )
    violations += mobile_violations(row.get("mobile"), where.field("mobile"), where.label(labels["mobile"]))
    violations += length_violations(
        row.get("name"), ROW_MAX_LENGTHS["name"], where.field("name"), where.label(labels["name"]),
    )
    return violations


def management_personnel_violations(
    rows: Sequence[Mapping[str, Any]], types: Iterable[str], ref: ReferenceData, today: date | None = None
) -> list[Violation]:
    """Check management personnel: both 关务负责人 and 财务负责人 when IE/CB or a branch is included (Q-14)."""
    violations = []
    if MANAGEMENT_REQUIRED_TYPES.intersection(types):
        present = {row.get("person_type") for row in rows}
        for code, name in PERSON_TYPES.items():
            if code not in present:
                violations.append(Violation(
                    "Q-14", MANAGEMENT_SECTION,
                    f"备案进出口货物收发货人、报关企业及其分支机构时，管理人员信息须至少录入一名{name}",
                ))
    for index, row in enumerate(rows):
        where = _Row(MANAGEMENT_SECTION, index)
        violations += _required(row, where, MANAGEMENT_LABELS, "Q-14")
        person_type = row.get("person_type")
        if not is_blank(person_type) and person_type not in PERSON_TYPES:
            violations.append(Violation(
                "Q-14", where.field("person_type"), where.label("人员类型须为关务负责人或财务负责人"),
            ))
        violations += _coded(row, where, MANAGEMENT_LABELS, {"id_type": "id_types", "nationality": "countries"},
                             ref.codes, "Q-14")
        violations += person_row_format_violations(row, MANAGEMENT_SECTION, index, MANAGEMENT_LABELS, today)
    return violations


def investor_amount_violations(row: Mapping[str, Any], index: int) -> list[Violation]:
    """Check an investor's amount (万) is a positive number with at most 4 decimals (Q-15)."""
    amount = row.get("amount")
    if is_blank(amount):
        return []
    where = _Row(INVESTOR_SECTION, index)
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        return [Violation("Q-15", where.field("amount"), where.label("出资金额（万）须为数字"))]
    if not value.is_finite() or value <= 0:
        return [Violation("Q-15", where.field("amount"), where.label("出资金额（万）须大于0"))]
    if -value.as_tuple().exponent > AMOUNT_MAX_DECIMALS:
        return [Violation("Q-15", where.field("amount"), where.label(f"出资金额（万）最多{AMOUNT_MAX_DECIMALS}位小数"))]
    return []


def investor_violations(
    rows: Sequence[Mapping[str, Any]], market_entity_type_code, ref: ReferenceData
) -> list[Violation]:
    """Check investors: required for foreign-invested entity types; amount > 0 with its currency (Q-15)."""
    violations = []
    if not rows and str(market_entity_type_code or "").strip() in ref.foreign_invested_market_types:
        violations.append(Violation("Q-15", INVESTOR_SECTION, "市场主体类型为外商投资企业时，出资者信息必填"))
    required = {name: INVESTOR_LABELS[name] for name in ("name", "nationality")}
    for index, row in enumerate(rows):
        where = _Row(INVESTOR_SECTION, index)
        violations += _required(row, where, required, "Q-15")
        if is_blank(row.get("amount")) != is_blank(row.get("currency")):
            missing = "currency" if is_blank(row.get("currency")) else "amount"
            violations.append(Violation("Q-15", where.field(missing), where.label("出资金额和出资金额币制须对应填写")))
        violations += investor_amount_violations(row, index)
        violations += _coded(row, where, INVESTOR_LABELS, {"nationality": "countries", "currency": "currencies"},
                             ref.codes, "Q-15")
    return violations


def declaration_personnel_violations(
    rows: Sequence[Mapping[str, Any]], ref: ReferenceData, today: date | None = None
) -> list[Violation]:
    """Check declaration personnel: name, ID type, ID no. and mobile each; no person twice (Q-16)."""
    violations = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        where = _Row(DECLARATION_SECTION, index)
        violations += _required(row, where, DECLARATION_LABELS, "Q-16")
        violations += _coded(row, where, DECLARATION_LABELS, {"id_type": "id_types"}, ref.codes, "Q-16")
        violations += person_row_format_violations(row, DECLARATION_SECTION, index, DECLARATION_LABELS, today)
        if is_blank(row.get("id_no")):
            continue
        key = (str(row.get("id_type") or ""), str(row.get("id_no")).strip())
        if key in seen:
            violations.append(Violation(
                "Q-16", where.field("id_no"), where.label(f"与第{seen[key] + 1}行的报关人员证件号码重复"),
            ))
        else:
            seen[key] = index
    return violations


def license_valid_until(row: Mapping[str, Any]) -> date | None:
    """Return a licence's valid date: 2099-12-31 when long-term, else the parsed valid_until."""
    if row.get("long_term"):
        return LONG_TERM_DATE
    return parse_date(row.get("valid_until"))


def license_row_format_violations(row: Mapping[str, Any], index: int) -> list[Violation]:
    """Check a licence row's number and date formats and lengths (Q-17, save-time)."""
    where = _Row(LICENSE_SECTION, index)
    violations = license_number_violations(row.get("number"), where.field("number"), where.label("许可证编号"))
    for name in ("number", "authority"):
        violations += length_violations(
            row.get(name), ROW_MAX_LENGTHS[name], where.field(name), where.label(LICENSE_LABELS[name]),
        )
    text_date = row.get("valid_until")
    if not row.get("long_term") and not is_blank(text_date) and parse_date(text_date) is None:
        violations.append(Violation(
            "Q-17", where.field("valid_until"), where.label("有效日期格式应为YYYY-MM-DD且为真实日期"),
        ))
    return violations


def external_license_violations(
    rows: Sequence[Mapping[str, Any]],
    types: Iterable[str],
    ref: ReferenceData,
    today: date | None,
    requirements: Mapping[str, Sequence[str]],
) -> list[Violation]:
    """Check external licences: the licence each selected-or-held type needs, and each row (Q-17)."""
    violations = []
    present = {row.get("license_code") for row in rows}
    for code in dict.fromkeys(types):
        needed = tuple(requirements.get(code, ()))
        if needed and not present.intersection(needed):
            names = "或者".join(LICENSE_NAMES.get(item, item) for item in needed)
            violations.append(Violation(
                "Q-17", LICENSE_SECTION, f"已有或申请{qualification_name(code)}备案，外部资质信息须录入{names}",
            ))
    # Without a loaded code table the three licence names of SPEC §11 apply.
    codes = {"license_names": ref.codes.get("license_names", frozenset(LICENSE_NAMES))}
    for index, row in enumerate(rows):
        where = _Row(LICENSE_SECTION, index)
        labels = {k: v for k, v in LICENSE_LABELS.items() if not (k == "valid_until" and row.get("long_term"))}
        violations += _required(row, where, labels, "Q-17")
        violations += _coded(row, where, LICENSE_LABELS, {"license_code": "license_names"}, codes, "Q-17")
        violations += license_row_format_violations(row, index)
        valid_until = license_valid_until(row)
        if today is not None and valid_until is not None and valid_until < today:
            violations.append(Violation(
                "Q-17", where.field("valid_until"), where.label(f"有效日期{valid_until.isoformat()}已过期"),
            ))
    return violations
