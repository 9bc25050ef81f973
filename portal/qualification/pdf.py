"""Printed documents of module Q: 《报关单位备案信息表》 (P-1) and 《报关单位备案证明》 (P-2, Q-28)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from portal import clock
from portal.codes import code_name
from portal.extensions import db
from portal.models import (Application, Attachment, Certificate, DeclarationPerson, ExternalLicense, Investor,
                           ManagementPerson, Qualification)
from portal.amounts import quantity_text
from portal.pdf import Column, PrintedTable, render_pdf
from portal.qualification.masking import value_shown
from rules.lifecycle import lifecycle_of
from rules.qualification_types import (APPLICATION_TYPE_NAMES, ATTACHMENT_KINDS, CERTIFICATE_TYPES,
                                       LONG_TERM_DATE_ISO, QUALIFICATION_NAMES, SELECTABLE_TYPES)

# The child sections as printed: (context name, title, [(heading, width %)]); every row is printed.
SECTIONS = (
    ("managers", "四、管理人员信息", (("人员类型", 13), ("姓名", 12), ("证件类型", 16), ("证件号码", 23), ("国籍", 14),
                                 ("移动电话", 16))),
    ("investors", "五、出资者信息", (("出资者名称（姓名）", 32), ("国籍", 14), ("出资金额币制", 16), ("出资金额（万）", 16),
                                ("折美元（万）", 16))),
    ("declarants", "六、报关人员信息", (("姓名", 14), ("证件类型", 18), ("证件号码", 26), ("移动电话", 16),
                                  ("报关人员备案号", 20))),
    ("licences", "七、外部资质信息", (("许可证名称", 22), ("许可证编号", 24), ("发证机关", 28), ("有效日期", 20))),
    ("attachments", "八、附件信息", (("附件类型", 24), ("文件名称", 40), ("文件大小", 10), ("上传时间", 20))),
)
PERSON_TYPE_NAMES = {"CUSTOMS": "关务负责人", "FINANCE": "财务负责人"}
LONG_TERM = "长期"

# Basic-info fields as printed: (label, key, code table or None); pairs share a line.
BASIC_INFO_LAYOUT = (
    (("统一社会信用代码", "uscc", None), ("组织机构代码", "org_code", None)),
    (("企业中文名称", "name_zh", None),),
    (("企业英文名称", "name_en", None),),
    (("海关备案编码", "registration_code", None), ("检验检疫备案号", "ciq_no", None)),
    (("行政区划", "region_code", "regions"), ("所在地海关", "customs_code", "customs")),
    (("经济区划", "economic_zone_code", "economic_zones"), ("市场主体类型", "market_entity_type_code",
                                                          "market_entity_types")),
    (("组织机构类型", "org_type_code", "org_types"), ("行业种类", "industry_code", "industries")),
    (("检验检疫企业类型", "ciq_enterprise_type_code", "ciq_enterprise_types"),
     ("属地检验检疫机构", "local_ciq_authority", None)),
    (("住所（中文）", "address_zh", None),),
    (("住所（英文）", "address_en", None),),
    (("邮政编码", "postal_code", None), ("是否快件运营企业", "express_operator", None)),
    (("法定代表人（负责人）", "legal_rep_name", None), ("法定代表人国籍", "legal_rep_nationality", "countries")),
    (("法定代表人证件类型", "legal_rep_id_type", "id_types"), ("法定代表人证件号码", "legal_rep_id_no", None)),
    (("联系人", "contact_name", None), ("固定电话", "contact_phone", None)),
    (("移动电话", "contact_mobile", None), ("电子邮箱", "email", None)),
    (("传真", "fax", None), ("网址", "website", None)),
    (("所属单位代码", "parent_code", None), ("所属单位名称", "parent_name", None)),
)
# Fields the system fills: taken from the enterprise record when the application lacks them.
SYSTEM_FIELDS = ("uscc", "org_code", "registration_code", "ciq_no", "local_ciq_authority")
# Code tables printed as "name（code）"; the others print their name only.
SHOW_CODE_TABLES = {"regions", "customs", "economic_zones", "market_entity_types", "org_types", "industries",
                    "ciq_enterprise_types", "countries", "currencies"}


def coded(table: str, code) -> str:
    """Return a code's Chinese name, with the code for the tables clerks key by code."""
    if code in (None, ""):
        return ""
    name = code_name(table, str(code))
    if name == str(code) or table not in SHOW_CODE_TABLES:
        return name
    return f"{name}（{code}）"


def fmt_date(value) -> str:
    """Format a date or datetime the way Chinese forms print it."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def fmt_value(value) -> str:
    """Format a basic-info value: booleans as 是/否, amounts without trailing zeros."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return quantity_text(value)
    return "" if value is None else str(value)


def _as_filed(section: str, index: int, field: str, value):
    return value


def basic_info_rows(application: Application, shown=_as_filed) -> list[list[tuple[str, str]]]:
    """Return the basic-info lines as (label, printed value) cells; `shown` may mask values (Q-23)."""
    data = {key: shown("enterprise", 0, key, value) for key, value in (application.data or {}).items()}
    enterprise = application.enterprise
    for key in SYSTEM_FIELDS:
        if not data.get(key) and enterprise is not None:
            data[key] = getattr(enterprise, key)
    if "express_operator" not in data:
        data["express_operator"] = False
    rows = []
    for line in BASIC_INFO_LAYOUT:
        rows.append([(label, coded(table, data.get(key)) if table else fmt_value(data.get(key)))
                     for label, key, table in line])
    return rows


def _children(model, application: Application):
    return db.session.scalars(select(model).where(model.application_id == application.id).order_by(model.id))


def section_tables(application: Application, shown=_as_filed) -> dict[str, PrintedTable]:
    """Return every child section as a printed table with all its rows; `shown` may mask (Q-23)."""
    managers = [(PERSON_TYPE_NAMES.get(p.person_type, p.person_type), p.name, coded("id_types", p.id_type),
                 shown("management_personnel", i, "id_no", p.id_no), coded("countries", p.nationality),
                 shown("management_personnel", i, "mobile", p.mobile) or "")
                for i, p in enumerate(_children(ManagementPerson, application))]
    investors = [(i.name, coded("countries", i.nationality), coded("currencies", i.currency),
                  fmt_value(i.amount), fmt_value(i.amount_usd)) for i in _children(Investor, application)]
    declarants = [(d.name, coded("id_types", d.id_type), shown("declaration_personnel", i, "id_no", d.id_no),
                   shown("declaration_personnel", i, "mobile", d.mobile) or "", d.personnel_filing_no or "")
                  for i, d in enumerate(_children(DeclarationPerson, application))]
    licences = [(coded("license_names", x.license_code), x.number, x.authority or "", _licence_validity(x))
                for x in _children(ExternalLicense, application)]
    attachments = [(ATTACHMENT_KINDS.get(a.kind, a.kind), a.file_name, file_size_text(a.size), fmt_date(a.created_at))
                   for a in _children(Attachment, application)]
    rows = {"managers": managers, "investors": investors, "declarants": declarants, "licences": licences,
            "attachments": attachments}
    tables = {}
    for name, title, headings in SECTIONS:
        columns = [Column("序号", "seq", 6, "center")] + [Column(h, f"c{n}", w) for n, (h, w) in enumerate(headings)]
        tables[name] = PrintedTable(title, columns, [{"seq": index, **{f"c{n}": cell for n, cell in enumerate(row)}}
                                                     for index, row in enumerate(rows[name], start=1)])
    return tables


def _licence_validity(licence: ExternalLicense) -> str:
    if licence.long_term or (licence.valid_until and licence.valid_until.isoformat() == LONG_TERM_DATE_ISO):
        return "长期有效或无有效期"
    return fmt_date(licence.valid_until)


def file_size_text(size: int) -> str:
    """Return a file size as "1.5 KB" or "2.00 MB"."""
    return f"{size / 1024 / 1024:.2f} MB" if size >= 1024 * 1024 else f"{max(size, 1) / 1024:.1f} KB"


def qualification_choices(application: Application) -> list[tuple[bool, str]]:
    """Return every selectable type (plus any other selected one) as (selected, Chinese name)."""
    selected = application.types
    codes = list(SELECTABLE_TYPES) + [t for t in selected if t not in SELECTABLE_TYPES]
    return [(code in selected, QUALIFICATION_NAMES.get(code, code)) for code in codes]


def render_application_pdf(application: Application, for_proxy: bool = False) -> bytes:
    """Render 《报关单位备案信息表》 for an application in any status, drafts included (P-1); `for_proxy`
    prints the personal identifiers the proxy did not type masked (Q-23)."""
    shown = value_shown(application.proxy_typed) if for_proxy else _as_filed
    acting = application.acting_enterprise if application.acting_enterprise_id else None
    context = {
        "application": application,
        "type_name": APPLICATION_TYPE_NAMES.get(application.application_type, application.application_type),
        "status_name": lifecycle_of("applications").status_name(application.status),
        "created_at": fmt_date(application.created_at),
        "updated_at": fmt_date(application.updated_at),
        "submitted_at": fmt_date(application.submitted_at),
        "decided_at": fmt_date(application.decided_at),
        "printed_at": clock.now_naive().strftime("%Y-%m-%d %H:%M"),
        "acting": acting,
        "login_mode_name": "卡介质登录" if application.login_mode == "card" else "账号登录",
        "choices": qualification_choices(application),
        "basic_rows": basic_info_rows(application, shown),
        "cancellation_reason": coded("cancellation_reasons", application.cancellation_reason_code),
    }
    return render_pdf("pdf/application_form.html", tables=section_tables(application, shown),
                      caption=f"报关单位备案信息表 {application.application_no}", **context)


def certificate_qualifications(enterprise_id: int, on: date) -> list[dict]:
    """Return the valid qualifications a certificate lists on a date (Q-28 types only)."""
    rows = db.session.scalars(select(Qualification).where(
        Qualification.enterprise_id == enterprise_id, Qualification.status == "VALID",
        Qualification.qualification_type.in_(sorted(CERTIFICATE_TYPES)),
        or_(Qualification.valid_until.is_(None), Qualification.valid_until >= on),
    ).order_by(Qualification.filed_date, Qualification.id))
    return [{"name": QUALIFICATION_NAMES.get(q.qualification_type, q.qualification_type),
             "filed": fmt_date(q.filed_date),
             "valid_until": fmt_date(q.valid_until) if q.valid_until else LONG_TERM,
             "registration_code": q.registration_code or ""} for q in rows]


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """Render 《报关单位备案证明》 for an issued certificate (P-2, Q-28)."""
    if not certificate.certificate_no:
        raise ValueError("备案证明尚未编号，不能生成文件（Q-28）")
    enterprise = certificate.enterprise
    issued_on = certificate.issued_at.date() if certificate.issued_at else clock.today()
    qualifications = certificate_qualifications(enterprise.id, issued_on)
    registration_code = enterprise.registration_code or next(
        (q["registration_code"] for q in qualifications if q["registration_code"]), "")
    context = {
        "certificate": certificate,
        "enterprise": enterprise,
        "registration_code": registration_code,
        "customs_name": code_name("customs", enterprise.customs_code),
        "legal_rep": enterprise.legal_rep_name or "",
        "address": enterprise.address_zh or "",
        "qualifications": qualifications,
        "issued_on": f"{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        "printed_at": clock.now_naive().strftime("%Y-%m-%d %H:%M"),
    }
    return render_pdf("pdf/certificate.html", **context)
