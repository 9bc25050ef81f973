"""An application, or the filed record, as labelled sections organised like the enterprise's form (S-3, Q-29).

The staff's details of an application (admin_views/qualification.py) and 备案信息查询 (/q/filing) show the
sections of the filing form (seed 000 §5.1.1): 企业基本信息, 管理人员信息, 出资者信息, 报关人员信息, 外部资质信息 and
附件信息, every field under its form label. Codes read "code name" ("5300 深圳海关"); yes/no, person types,
licence validity and attachment kinds are interface words, put in the page's language when shown; everything
else is data. The caller passes the body as its reader may see it (masked for a proxy, Q-23): nothing here
reads the filed originals behind a masked value.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from portal.amounts import quantity_text
from portal.codes import code_labels, region_label
from portal.qualification.pdf import PERSON_TYPE_NAMES, SYSTEM_FIELDS, file_size_text, fmt_date
from rules.qualification_basic import ENTERPRISE_CODE_TABLES, ENTERPRISE_LABELS
from rules.qualification_basic import SYSTEM_FIELDS as SYSTEM_FIELD_LABELS
from rules.qualification_types import ATTACHMENT_KINDS, LONG_TERM_DATE_ISO

# 企业基本信息 in the order of the form (enterprise/_basic_info.html), the system-filled numbers last.
BASIC_FIELDS = ("uscc", "org_code", "name_zh", "name_en", "region_code", "customs_code", "economic_zone_code",
                "address_zh", "address_en", "postal_code", "market_entity_type_code", "org_type_code",
                "industry_code", "ciq_enterprise_type_code", "express_operator", "legal_rep_name",
                "legal_rep_nationality", "legal_rep_id_type", "legal_rep_id_no", "contact_name", "contact_phone",
                "contact_mobile", "email", "fax", "website", "parent_code", "parent_name", "registration_code",
                "ciq_no", "local_ciq_authority")
BASIC_CODE_TABLES = {**ENTERPRISE_CODE_TABLES, "region_code": "regions", "customs_code": "customs"}
BASIC_TITLE = "企业基本信息"
LONG_TERM_TEXT = "长期有效或无有效期"
YES, NO = "是", "否"
# The child sections as the form shows them: (key, title, [(heading, field, code table or kind)]).
SECTION_TABLES = (
    ("management_personnel", "管理人员信息", (("人员类型", "person_type", "person_type"), ("姓名", "name", None),
                                          ("证件类型", "id_type", "id_types"), ("证件号码", "id_no", None),
                                          ("国籍", "nationality", "countries"), ("移动电话", "mobile", None))),
    ("investors", "出资者信息", (("出资者名称（姓名）", "name", None), ("国籍", "nationality", "countries"),
                            ("出资金额币制", "currency", "currencies"), ("出资金额（万）", "amount", "amount"),
                            ("出资金额（美元）", "amount_usd", "amount"))),
    ("declaration_personnel", "报关人员信息", (("姓名", "name", None), ("身份证件类型", "id_type", "id_types"),
                                          ("身份证件号码", "id_no", None), ("移动电话", "mobile", None),
                                          ("报关人员备案号", "personnel_filing_no", None))),
    ("external_licenses", "外部资质信息", (("许可证名称", "license_code", "license_names"), ("许可证编号", "number", None),
                                      ("发证机关", "authority", None), ("有效日期", "valid_until", "validity"))),
)
ATTACHMENT_TITLE = "附件信息"
ATTACHMENT_HEADINGS = ("附件类型", "文件名称", "文件大小", "上传时间")


@dataclass(frozen=True)
class Cell:
    """A value as shown: data (names, numbers, what the user typed) or an interface word to translate."""

    text: str
    is_data: bool = True


@dataclass(frozen=True)
class Section:
    """A titled part of the record: labelled fields (企业基本信息) or a table of rows (the child sections)."""

    key: str
    title: str
    fields: tuple[tuple[str, Cell], ...] = ()
    headings: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()


class _Codes:
    """Code tables read once per rendering: code → "code name"."""

    def __init__(self):
        self._tables: dict[str, dict[str, str]] = {}

    def text(self, table: str, code) -> str:
        if table == "regions":
            return region_label(str(code))
        if table not in self._tables:
            self._tables[table] = code_labels(table)
        return self._tables[table].get(str(code), str(code))


def _amount(value) -> str:
    try:
        return quantity_text(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _cell(codes: _Codes, value, kind: str | None, row: dict | None = None) -> Cell:
    """Return one value as shown, by its code table or kind."""
    if kind == "validity" and row is not None and (row.get("long_term") or value == LONG_TERM_DATE_ISO):
        return Cell(LONG_TERM_TEXT, False)
    if value is None or value == "":
        return Cell("")
    if isinstance(value, bool):
        return Cell(YES if value else NO, False)
    if kind == "person_type":
        return Cell(PERSON_TYPE_NAMES.get(value, value), value not in PERSON_TYPE_NAMES)
    if kind == "amount":
        return Cell(_amount(value))
    if kind == "validity":
        return Cell(fmt_date(value))
    if kind:
        return Cell(codes.text(kind, value))
    return Cell(str(value))


def basic_section(enterprise: dict, codes: _Codes | None = None) -> Section:
    """Return 企业基本信息: every field of the form with its label, in the form's order."""
    codes = codes or _Codes()
    labels = {**ENTERPRISE_LABELS, **SYSTEM_FIELD_LABELS}
    fields = tuple((labels[name], _cell(codes, enterprise.get(name), BASIC_CODE_TABLES.get(name)))
                   for name in BASIC_FIELDS)
    return Section("basic-info", BASIC_TITLE, fields=fields)


def table_sections(body: dict, codes: _Codes | None = None) -> list[Section]:
    """Return the child sections (管理人员 … 外部资质) of a body, every row."""
    codes = codes or _Codes()
    sections = []
    for key, title, columns in SECTION_TABLES:
        rows = tuple(tuple(_cell(codes, row.get(field), kind, row) for _, field, kind in columns)
                     for row in body.get(key) or () if isinstance(row, dict))
        sections.append(Section(key, title, headings=tuple(heading for heading, _, _ in columns), rows=rows))
    return sections


def attachment_section(attachments) -> Section:
    """Return 附件信息: each uploaded file with its kind, name, size and upload time."""
    rows = tuple((Cell(ATTACHMENT_KINDS.get(a.kind, a.kind), a.kind not in ATTACHMENT_KINDS), Cell(a.file_name),
                  Cell(file_size_text(a.size)), Cell(fmt_date(a.created_at))) for a in attachments)
    return Section("attachments", ATTACHMENT_TITLE, headings=ATTACHMENT_HEADINGS, rows=rows)


def with_system_fields(enterprise_block: dict, enterprise) -> dict:
    """Return an application's basic information with the numbers the system fills taken from the
    enterprise record where the application lacks them (Q-13), as the form and the printed table show them."""
    block = dict(enterprise_block)
    for name in SYSTEM_FIELDS:
        if not block.get(name) and enterprise is not None:
            block[name] = getattr(enterprise, name)
    block.setdefault("express_operator", False)
    return block


def record_sections(body: dict, enterprise=None, attachments=None) -> list[Section]:
    """Return a body (an application's, or the filed record's) as its sections; `attachments` adds 附件信息."""
    codes = _Codes()
    sections = [basic_section(with_system_fields(body.get("enterprise") or {}, enterprise), codes),
                *table_sections(body, codes)]
    if attachments is not None:
        sections.append(attachment_section(attachments))
    return sections
