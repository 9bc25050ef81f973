"""Applications as plain dicts (the API body shape of API.md) and their child rows.

One place converts between rows and dicts, so the form prefill, the API answers, the submit
snapshot and the rules' ApplicationData all see the same values.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from portal.models import (Application, Attachment, DeclarationPerson, Enterprise, ExternalLicense, Investor,
                           ManagementPerson, Qualification, Receipt)
from rules.formats import is_blank
from rules.identifiers import org_code_from_uscc
from rules.qualification import ApplicationData, application_data_from_body, license_valid_until
from rules.qualification_basic import ENTERPRISE_LABELS

# Basic-info fields an application carries (API.md), without the system-filled USCC / org code.
BASIC_FIELDS = tuple(name for name in ENTERPRISE_LABELS if name not in ("uscc", "org_code"))
# Section name (API.md) -> (model, the fields a user fills in).
SECTIONS = {
    "management_personnel": (ManagementPerson, ("person_type", "name", "id_type", "id_no", "nationality", "mobile")),
    "investors": (Investor, ("name", "nationality", "currency", "amount")),
    "declaration_personnel": (DeclarationPerson, ("name", "id_type", "id_no", "mobile")),
    "external_licenses": (ExternalLicense, ("license_code", "number", "authority", "valid_until", "long_term")),
}


def iso(value) -> str | None:
    """Return a date or time as ISO text (None stays None)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def decimal_text(value: Decimal | None) -> str | None:
    """Return an amount as plain text without trailing zeros."""
    if value is None:
        return None
    return format(value.normalize(), "f")


def enterprise_basic(enterprise: Enterprise | None) -> dict:
    """Return the filed basic information of an enterprise with its USCC and org code."""
    if enterprise is None:
        return {}
    block = {name: getattr(enterprise, name) for name in BASIC_FIELDS}
    block["express_operator"] = bool(enterprise.express_operator)
    block["uscc"] = enterprise.uscc
    block["org_code"] = enterprise.org_code or org_code_from_uscc(enterprise.uscc)
    return {k: v for k, v in block.items() if v is not None}


def person_key(row) -> tuple[str, str]:
    """Return the identity of a declaration person (ID type, ID no.)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return (str(get("id_type") or "").strip(), str(get("id_no") or "").strip())


def row_dict(section: str, row) -> dict:
    """Return one child row as its API dict."""
    _, fields = SECTIONS[section]
    result = {}
    for name in fields:
        value = getattr(row, name)
        if name == "amount":
            value = decimal_text(value)
        result[name] = iso(value)
    if section == "declaration_personnel":
        result["personnel_filing_no"] = row.personnel_filing_no
    if section == "investors" and row.amount_usd is not None:
        result["amount_usd"] = decimal_text(row.amount_usd)
    return result


def row_values(section: str, row: dict) -> dict:
    """Return model column values for one child row from its API dict (text trimmed, blanks None)."""
    model, fields = SECTIONS[section]
    values = {}
    for name in fields:
        value = row.get(name)
        if name == "long_term":
            values[name] = bool(value)
        elif name == "valid_until":
            values[name] = license_valid_until(row)
        elif name == "amount":
            values[name] = None if is_blank(value) else Decimal(str(value).strip())
        else:
            text = None if is_blank(value) else str(value).strip()
            if text is None and not model.__table__.c[name].nullable:
                text = ""
            values[name] = text
    return values


def section_rows(session, section: str, enterprise_id: int, application_id: int | None) -> list:
    """Return the rows of a section: of an application, or the filed ones (application_id None)."""
    model, _ = SECTIONS[section]
    owner = model.application_id.is_(None) if application_id is None else model.application_id == application_id
    return list(session.scalars(select(model).where(model.enterprise_id == enterprise_id, owner).order_by(model.id)))


def filed_personnel_numbers(session, enterprise_id: int) -> dict[tuple[str, str], str]:
    """Return (ID type, ID no.) -> personnel filing no. of the enterprise's filed declaration personnel."""
    return {person_key(row): row.personnel_filing_no
            for row in section_rows(session, "declaration_personnel", enterprise_id, None) if row.personnel_filing_no}


def sections_of(session, enterprise_id: int, application_id: int | None) -> dict[str, list[dict]]:
    """Return every section as lists of API dicts; declaration personnel carry their filing no. (Q-16)."""
    result = {name: [row_dict(name, row) for row in section_rows(session, name, enterprise_id, application_id)]
              for name in SECTIONS}
    if application_id is not None:
        numbers = filed_personnel_numbers(session, enterprise_id)
        for row in result["declaration_personnel"]:
            row["personnel_filing_no"] = row["personnel_filing_no"] or numbers.get(person_key(row))
    return result


def attachments_of(session, application: Application) -> list[Attachment]:
    """Return the application's attachments, oldest first."""
    return list(session.scalars(select(Attachment).where(Attachment.application_id == application.id)
                                .order_by(Attachment.id)))


def attachment_dict(attachment: Attachment) -> dict:
    """Return an attachment's public fields."""
    return {"id": attachment.id, "kind": attachment.kind, "file_name": attachment.file_name,
            "size": attachment.size, "content_type": attachment.content_type, "sha256": attachment.sha256,
            "uploaded_at": iso(attachment.created_at)}


def application_body(session, application: Application) -> dict:
    """Return an application in the API body shape (what the user filled in plus system fields)."""
    body = {
        "type": application.application_type,
        "application_no": application.application_no,
        "target_uscc": application.enterprise.uscc if application.acting_enterprise_id else None,
        "commitment": bool(application.commitment),
        "qualification_types": application.types,
        "enterprise": dict(application.data or {}),
        "cancellation": {"reason_code": application.cancellation_reason_code,
                         "other_reason": application.cancellation_other},
    }
    body.update(sections_of(session, application.enterprise_id, application.id))
    return body


def application_data(session, application: Application, login_mode: str, acting_uscc: str) -> ApplicationData:
    """Return the rules' view of a stored application for a submit by `login_mode` (Q-18, Q-23)."""
    body = application_body(session, application)
    body["target_uscc"] = application.enterprise.uscc
    kinds = {a.kind for a in attachments_of(session, application)}
    return application_data_from_body(body, login_mode=login_mode, acting_uscc=acting_uscc,
                                      attachment_kinds=kinds, application_no=application.application_no)


def receipts_of(session, application: Application) -> list[dict]:
    """Return the application's receipts (Q-21) oldest first."""
    rows = session.scalars(select(Receipt).where(Receipt.record_type == Application.__tablename__,
                                                 Receipt.record_id == application.id).order_by(Receipt.id))
    return [{"at": iso(r.at), "from": r.from_status, "to": r.to_status, "message": r.message, "source": r.source}
            for r in rows]


def application_snapshot(session, application: Application) -> dict:
    """Return the immutable copy of what was submitted (Q-20)."""
    body = application_body(session, application)
    body["enterprise_uscc"] = application.enterprise.uscc
    body["acting_enterprise_uscc"] = application.acting_enterprise.uscc if application.acting_enterprise_id else None
    body["attachments"] = [attachment_dict(a) for a in attachments_of(session, application)]
    return body


def application_detail(session, application: Application) -> dict:
    """Return the application as the query shows it: data, status, opinion, receipts (Q-21, Q-29)."""
    detail = application_body(session, application)
    detail.update({
        "status": application.status,
        "customs_opinion": application.customs_opinion,
        "enterprise_uscc": application.enterprise.uscc,
        "enterprise_name": application.enterprise.name_zh,
        "acting_enterprise_uscc": application.acting_enterprise.uscc if application.acting_enterprise_id else None,
        "login_mode": application.login_mode,
        "created_at": iso(application.created_at),
        "updated_at": iso(application.updated_at),
        "submitted_at": iso(application.submitted_at),
        "decided_at": iso(application.decided_at),
        "attachments": [attachment_dict(a) for a in attachments_of(session, application)],
        "receipts": receipts_of(session, application),
    })
    return detail


def qualification_dict(qualification: Qualification) -> dict:
    """Return a qualification as the API lists it."""
    return {"type": qualification.qualification_type, "status": qualification.status,
            "filed_date": iso(qualification.filed_date), "valid_until": iso(qualification.valid_until),
            "registration_code": qualification.registration_code,
            "cancelled_at": iso(qualification.cancelled_at)}

