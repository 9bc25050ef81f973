"""Child sections of an application: rules Q-14 to Q-18 (people, investors, licences, attachments).

Rows are mappings keyed by the API child field names (API.md). Field paths in violations look
like `management_personnel[0].mobile`; messages name the section and the row number (from 1).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Sequence

from rules.formats import (
    is_blank, length_violations, license_number_violations, mobile_violations, person_id_violations,
)
from rules.qualification_basic import code_value_violations
from rules.qualification_data import ReferenceData, parse_date
from rules.qualification_types import (
    ATTACHMENT_KINDS, CHANGE, FILING, LICENSE_NAMES, LONG_TERM_DATE_ISO, MANAGEMENT_REQUIRED_TYPES,
    qualification_name,
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

MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024
DEFAULT_ATTACHMENT_EXTENSIONS = ("jpg", "jpeg", "gif", "png", "pdf")
CANCELLATION_LETTER_EXTENSIONS = ("jpg", "jpeg", "gif", "png", "bmp", "doc", "docx", "pdf")
# Extension -> accepted leading bytes of the file (magic numbers).
FILE_SIGNATURES = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
    "bmp": (b"BM",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "docx": (b"PK\x03\x04",),
}


def _where(section: str, index: int) -> str:
    """Return the Chinese row reference, e.g. 管理人员信息第1行."""
    return f"{SECTION_NAMES[section]}第{index + 1}行"


def _row_required(row: Mapping[str, Any], section: str, index: int, labels: Mapping[str, str], rule: str) -> list[Violation]:
    """Require every labelled field of one child row."""
    return [
        Violation(rule, f"{section}[{index}].{name}", f"{_where(section, index)}：{label}不能为空")
        for name, label in labels.items() if is_blank(row.get(name))
    ]


def _row_codes(row, section, index, labels, tables: Mapping[str, str], ref: ReferenceData, rule: str) -> list[Violation]:
    """Check the coded fields of one child row against their code tables."""
    violations = []
    for name, table in tables.items():
        violations += code_value_violations(
            row.get(name), table, ref, f"{section}[{index}].{name}", f"{_where(section, index)}：{labels[name]}", rule,
        )
    return violations


def person_row_format_violations(
    row: Mapping[str, Any], section: str, index: int, labels: Mapping[str, str], today: date | None = None
) -> list[Violation]:
    """Check an ID number against its type, the mobile format and lengths of one person row (Q-10)."""
    where = _where(section, index)
    violations = person_id_violations(
        row.get("id_type"), row.get("id_no"), f"{section}[{index}].id_no", f"{where}：{labels['id_no']}", today,
    )
    violations += mobile_violations(row.get("mobile"), f"{section}[{index}].mobile", f"{where}：{labels['mobile']}")
    violations += length_violations(row.get("name"), ROW_MAX_LENGTHS["name"], f"{section}[{index}].name", f"{where}：{labels['name']}")
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
        violations += _row_required(row, MANAGEMENT_SECTION, index, MANAGEMENT_LABELS, "Q-14")
        person_type = row.get("person_type")
        if not is_blank(person_type) and person_type not in PERSON_TYPES:
            violations.append(Violation(
                "Q-14", f"{MANAGEMENT_SECTION}[{index}].person_type",
                f"{_where(MANAGEMENT_SECTION, index)}：人员类型须为关务负责人或财务负责人",
            ))
        violations += _row_codes(row, MANAGEMENT_SECTION, index, MANAGEMENT_LABELS,
                                 {"id_type": "id_types", "nationality": "countries"}, ref, "Q-14")
        violations += person_row_format_violations(row, MANAGEMENT_SECTION, index, MANAGEMENT_LABELS, today)
    return violations


def investor_amount_violations(row: Mapping[str, Any], index: int) -> list[Violation]:
    """Check an investor's amount (万) is a positive number with at most 4 decimals (Q-15)."""
    amount = row.get("amount")
    if is_blank(amount):
        return []
    field = f"{INVESTOR_SECTION}[{index}].amount"
    where = _where(INVESTOR_SECTION, index)
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        return [Violation("Q-15", field, f"{where}：出资金额（万）须为数字")]
    if not value.is_finite() or value <= 0:
        return [Violation("Q-15", field, f"{where}：出资金额（万）须大于0")]
    if -value.as_tuple().exponent > AMOUNT_MAX_DECIMALS:
        return [Violation("Q-15", field, f"{where}：出资金额（万）最多{AMOUNT_MAX_DECIMALS}位小数")]
    return []


def investor_violations(
    rows: Sequence[Mapping[str, Any]], market_entity_type_code, ref: ReferenceData
) -> list[Violation]:
    """Check investors: required for foreign-invested entity types; amount > 0 given with its currency (Q-15)."""
    violations = []
    if not rows and str(market_entity_type_code or "").strip() in ref.foreign_invested_market_types:
        violations.append(Violation("Q-15", INVESTOR_SECTION, "市场主体类型为外商投资企业时，出资者信息必填"))
    for index, row in enumerate(rows):
        violations += _row_required(row, INVESTOR_SECTION, index, {k: INVESTOR_LABELS[k] for k in ("name", "nationality")}, "Q-15")
        if is_blank(row.get("amount")) != is_blank(row.get("currency")):
            missing = "currency" if is_blank(row.get("currency")) else "amount"
            violations.append(Violation(
                "Q-15", f"{INVESTOR_SECTION}[{index}].{missing}",
                f"{_where(INVESTOR_SECTION, index)}：出资金额和出资金额币制须对应填写",
            ))
        violations += investor_amount_violations(row, index)
        violations += _row_codes(row, INVESTOR_SECTION, index, INVESTOR_LABELS,
                                 {"nationality": "countries", "currency": "currencies"}, ref, "Q-15")
    return violations


def declaration_personnel_violations(
    rows: Sequence[Mapping[str, Any]], ref: ReferenceData, today: date | None = None
) -> list[Violation]:
    """Check declaration personnel: name, ID type, ID no. and mobile each; no person twice (Q-16)."""
    violations = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        violations += _row_required(row, DECLARATION_SECTION, index, DECLARATION_LABELS, "Q-16")
        violations += _row_codes(row, DECLARATION_SECTION, index, DECLARATION_LABELS, {"id_type": "id_types"}, ref, "Q-16")
        violations += person_row_format_violations(row, DECLARATION_SECTION, index, DECLARATION_LABELS, today)
        key = f"{row.get('id_type')}|{str(row.get('id_no') or '').strip()}"
        if not is_blank(row.get("id_no")):
            if key in seen:
                violations.append(Violation(
                    "Q-16", f"{DECLARATION_SECTION}[{index}].id_no",
                    f"{_where(DECLARATION_SECTION, index)}：与第{seen[key] + 1}行的报关人员证件号码重复",
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
    where = _where(LICENSE_SECTION, index)
    prefix = f"{LICENSE_SECTION}[{index}]"
    violations = license_number_violations(row.get("number"), f"{prefix}.number", f"{where}：许可证编号")
    for name in ("number", "authority"):
        violations += length_violations(row.get(name), ROW_MAX_LENGTHS[name], f"{prefix}.{name}", f"{where}：{LICENSE_LABELS[name]}")
    if not row.get("long_term") and not is_blank(row.get("valid_until")) and parse_date(row.get("valid_until")) is None:
        violations.append(Violation("Q-17", f"{prefix}.valid_until", f"{where}：有效日期格式应为YYYY-MM-DD且为真实日期"))
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
    license_tables = ref.codes if "license_names" in ref.codes else {"license_names": frozenset(LICENSE_NAMES)}
    for index, row in enumerate(rows):
        labels = dict(LICENSE_LABELS)
        if row.get("long_term"):
            labels.pop("valid_until")
        violations += _row_required(row, LICENSE_SECTION, index, labels, "Q-17")
        violations += _row_codes(row, LICENSE_SECTION, index, LICENSE_LABELS, {"license_code": "license_names"},
                                 ReferenceData(codes=license_tables), "Q-17")
        violations += license_row_format_violations(row, index)
        valid_until = license_valid_until(row)
        if today is not None and valid_until is not None and valid_until < today:
            violations.append(Violation(
                "Q-17", f"{LICENSE_SECTION}[{index}].valid_until",
                f"{_where(LICENSE_SECTION, index)}：有效日期{valid_until.isoformat()}已过期",
            ))
    return violations


def required_attachment_violations(
    attachment_kinds: Iterable[str],
    application_type: str,
    login_mode: str,
    is_proxy: bool,
    selected_types: Iterable[str],
    requirements: Mapping[str, Sequence[str]],
) -> list[Violation]:
    """Require the signed info table (account login or proxy) and the licence scans per type (Q-18)."""
    kinds = set(attachment_kinds)
    violations = []
    if application_type in (FILING, CHANGE) and (login_mode != "card" or is_proxy) and "INFO_TABLE" not in kinds:
        violations.append(Violation(
            "Q-18", "attachments",
            "通过账号登录或为其他单位提交申请时，须上传加盖单位公章的《报关单位备案信息表》扫描件或照片",
        ))
    if application_type == FILING:
        for code in dict.fromkeys(selected_types):
            needed = tuple(requirements.get(code, ()))
            if needed and not kinds.intersection(needed):
                names = "或".join(ATTACHMENT_KINDS.get(kind, kind) for kind in needed)
                violations.append(Violation("Q-18", "attachments", f"申请{qualification_name(code)}，须上传{names}扫描件"))
    return violations


def file_extension(file_name: str) -> str:
    """Return the lower-case extension of a file name without the dot ('' when none)."""
    name = str(file_name or "").strip()
    return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def allowed_extensions_for(kind: str) -> tuple[str, ...]:
    """Return the extensions an attachment kind accepts (the cancellation letter also takes bmp/doc/docx)."""
    return CANCELLATION_LETTER_EXTENSIONS if kind == "CANCELLATION_LETTER" else DEFAULT_ATTACHMENT_EXTENSIONS


def attachment_violations(
    file_name: str,
    content_head: bytes,
    size: int,
    allowed_exts: Sequence[str] = DEFAULT_ATTACHMENT_EXTENSIONS,
    field: str = "file",
    rule: str = "Q-18",
) -> list[Violation]:
    """Check an uploaded file: allowed extension, content matching it (magic bytes), 1 byte to 4 MiB (Q-18)."""
    allowed = tuple(ext.lower().lstrip(".") for ext in allowed_exts)
    extension = file_extension(file_name)
    violations = []
    if extension not in allowed:
        listed = "|".join(f".{ext}" for ext in allowed)
        violations.append(Violation(rule, field, f"只可上传后缀名为{listed}的文件"))
    elif not any(bytes(content_head or b"").startswith(sig) for sig in FILE_SIGNATURES.get(extension, ())):
        violations.append(Violation(rule, field, f"文件内容与扩展名“.{extension}”不符，请上传真实的{extension.upper()}文件"))
    if size is None or size <= 0:
        violations.append(Violation(rule, field, "文件为空，请重新选择"))
    elif size > MAX_ATTACHMENT_BYTES:
        violations.append(Violation(
            rule, field, f"单个文件大小不能超过4M（{MAX_ATTACHMENT_BYTES}字节），当前文件为{size}字节",
        ))
    return violations


def attachment_kind_violations(kind: str, file_name: str, content_head: bytes, size: int) -> list[Violation]:
    """Check an upload for one attachment kind: known kind, then its extensions and size (Q-18, Q-26)."""
    if kind not in ATTACHMENT_KINDS:
        return [Violation("Q-18", "kind", f"未知的附件类型：{kind}")]
    rule = "Q-26" if kind == "CANCELLATION_LETTER" else "Q-18"
    return attachment_violations(file_name, content_head, size, allowed_extensions_for(kind), "file", rule)
