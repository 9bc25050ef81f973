"""Helpers shared by the filing, volume and filing-request operations (C-1..C-7).

Ownership (404 for other enterprises), row locks, configuration, and the conversion between a
filing row and the plain mapping the rules in rules/collection.py read.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.amounts import quantity_text
from portal.codes import code_set
from portal.models import CollectionFiling, Enterprise, Qualification
from rules.collection import (FILING_HEAD_TYPES, filing_qualification_violations, filing_save_violations,
                              parse_yyyymmdd)
from rules.violations import RuleError, Violation

FILING_FIELDS = ("customs_code", "goods_nature", "ie_batches", "guarantee_mode", "guarantee_amount",
                 "guarantee_valid_until")
SYSTEM_FIELDS = ("enterprise_customs_code", "enterprise_name")


def config_value(name: str, default: int) -> int:
    """Return an integer app setting (BONDED_FILING_VALID_DAYS …), the default outside an app."""
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def flush(session) -> None:
    """Flush; a row another request changed meanwhile is a 409, not a crash."""
    try:
        session.flush()
    except StaleDataError:
        raise RuleError([Violation("C-3", "status", "记录已被其他操作修改，请刷新后重试")], status=409) from None


def not_found(field: str, label: str) -> RuleError:
    """Return the 404 error for a record the enterprise may not see (never revealed, A-2)."""
    return RuleError([Violation("A-2", field, f"{label}不存在")], status=404)


def require_own(identity, record, field: str = "center_no", label: str = "集报备案") -> None:
    """Let only a card login of the owning enterprise act on a module C record (U-5, §0)."""
    identity.require_module_c()
    if record is None or record.enterprise_id != identity.enterprise_id:
        raise not_found(field, label)


def lock(session, record):
    """Lock the record's row until commit (PostgreSQL; SQLite serialises writers) and reload it."""
    model = type(record)
    return session.scalars(select(model).where(model.id == record.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def valid_qualification_types(session, enterprise_id: int) -> set[str]:
    """Return the filing head types (IE, IE_BRANCH) the enterprise holds validly today (C-1)."""
    today = clock.today()
    return set(session.scalars(select(Qualification.qualification_type).where(
        Qualification.enterprise_id == enterprise_id, Qualification.status == "VALID",
        Qualification.qualification_type.in_(FILING_HEAD_TYPES),
        or_(Qualification.valid_until.is_(None), Qualification.valid_until >= today))))


def system_values(enterprise: Enterprise) -> dict:
    """Return the fields filled from the enterprise record, never typed (C-1, C-2)."""
    return {"enterprise_customs_code": enterprise.registration_code or "", "enterprise_name": enterprise.name_zh}


def yyyymmdd(value: date | None) -> str | None:
    """Format a date as yyyyMMdd (C-2)."""
    return value.strftime("%Y%m%d") if value else None


def plain_amount(value: Decimal | None) -> str | None:
    """Format a quantity without trailing zeros (None stays None, for the API)."""
    return None if value is None else quantity_text(value)


def filing_values(filing: CollectionFiling) -> dict:
    """Return the filing's editable fields in the shape of a request body."""
    return {"customs_code": filing.customs_code, "goods_nature": filing.goods_nature,
            "ie_batches": filing.ie_batches, "guarantee_mode": filing.guarantee_mode,
            "guarantee_amount": plain_amount(filing.guarantee_amount),
            "guarantee_valid_until": yyyymmdd(filing.guarantee_valid_until),
            "enterprise_customs_code": filing.enterprise_customs_code, "enterprise_name": filing.enterprise_name}


def _text(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def stored_values(data: dict) -> dict:
    """Convert checked body values (strings, numbers) into column values."""
    values = {}
    for field in FILING_FIELDS + SYSTEM_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "ie_batches":
            value = int(value) if _text(value) else None
        elif field == "guarantee_amount":
            value = Decimal(str(value).strip()) if _text(value) else None
        elif field == "guarantee_valid_until":
            value = parse_yyyymmdd(value) if _text(value) else None
        else:
            value = _text(value)
        values[field] = value
    return values


def filing_violations(session, enterprise: Enterprise, data: dict) -> list[Violation]:
    """C-1 (valid IE / IE_BRANCH, goods nature by customs) and C-2 (required fields, formats)."""
    violations = filing_qualification_violations(valid_qualification_types(session, enterprise.id))
    violations += filing_save_violations(data, code_set("customs"), code_set("guarantee_modes"))
    batches = _text(data.get("ie_batches"))
    if batches and batches.isdigit() and int(batches) > 2 ** 31 - 1:
        violations.append(Violation("C-2", "ie_batches", "进出口批次过大"))
    amount = _text(data.get("guarantee_amount"))
    try:
        too_big = amount is not None and abs(Decimal(amount)) >= Decimal(10) ** 14
    except ArithmeticError:
        too_big = False
    if too_big:
        violations.append(Violation("C-2", "guarantee_amount", "担保额度（万元）过大"))
    return violations
