"""Module-Q queries and the daily sweep: application query, filing query, checklist, Q-27, Q-30."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import date, timedelta

from sqlalchemy import literal, select

from portal import clock
from portal.models import Application, Enterprise, Qualification
from portal.models.qualification import APPLICATION_STATUSES, APPLICATION_TYPES, QUALIFICATION_TYPES
from portal.qualification import records
from portal.qualification.state import enterprise_state
from portal.transitions import transition
from rules.lifecycles_qualification import EXPIRE_QUALIFICATION
from rules.qualification import (QUALIFICATION_NAMES, annual_report_violations, expiry_date_passed,
                                 qualification_checklist as checklist_rule, parse_date)
from rules.qualification_types import DUAL, SELECTABLE_TYPES
from rules.violations import RuleError, Violation

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CHECKLIST_LABELS = {"selectable": "", "not_selectable": "不可选择"}


def encode_cursor(last_id: int) -> str:
    """Return an opaque cursor for the rows after `last_id` (keyset, newest first)."""
    return base64.urlsafe_b64encode(json.dumps({"before": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """Return the id a cursor points before; a malformed cursor is a 422."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())["before"]
        if isinstance(value, int) and value > 0:
            return value
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise RuleError([Violation("A-2", "cursor", "分页游标无效，请从第一页重新查询")])


def _filter_violations(filters: dict) -> list[Violation]:
    checks = (("type", APPLICATION_TYPES, "申请类型"), ("status", APPLICATION_STATUSES, "申请状态"),
              ("qualification_type", QUALIFICATION_TYPES, "资质类型"))
    violations = [Violation("Q-29", name, f"{label}“{filters[name]}”不存在")
                  for name, allowed, label in checks if filters.get(name) and filters[name] not in allowed]
    for name in ("from", "to"):
        if filters.get(name) and parse_date(filters[name]) is None:
            violations.append(Violation("Q-29", name, "日期格式应为YYYY-MM-DD"))
    return violations


def list_applications(session, enterprise_id: int, filters: dict | None = None, cursor: str | None = None,
                      limit: int = PAGE_SIZE) -> tuple[list[Application], str | None]:
    """Return one page of the enterprise's applications (own and filed as proxy), newest first (Q-29)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    violations = _filter_violations(filters)
    if violations:
        raise RuleError(violations)
    limit = max(1, min(int(limit or PAGE_SIZE), MAX_PAGE_SIZE))
    stmt = (select(Application).join(Enterprise, Enterprise.id == Application.enterprise_id)
            .where(Application.tenant_clause(enterprise_id)))
    if filters.get("enterprise_name"):
        stmt = stmt.where(Enterprise.name_zh.contains(str(filters["enterprise_name"]).strip(), autoescape=True))
    if filters.get("type"):
        stmt = stmt.where(Application.application_type == filters["type"])
    if filters.get("status"):
        stmt = stmt.where(Application.status == filters["status"])
    if filters.get("qualification_type"):
        wrapped = literal(",") + Application.qualification_types + literal(",")
        stmt = stmt.where(wrapped.contains(f",{filters['qualification_type']},"))
    if filters.get("from"):
        stmt = stmt.where(Application.created_at >= parse_date(filters["from"]))
    if filters.get("to"):
        stmt = stmt.where(Application.created_at < parse_date(filters["to"]) + timedelta(days=1))
    before = decode_cursor(cursor)
    if before is not None:
        stmt = stmt.where(Application.id < before)
    rows = list(session.scalars(stmt.order_by(Application.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def application_summary(application: Application) -> dict:
    """Return one row of the application query list."""
    return {"application_no": application.application_no, "type": application.application_type,
            "status": application.status, "qualification_types": application.types,
            "enterprise_uscc": application.enterprise.uscc, "enterprise_name": application.enterprise.name_zh,
            "proxy": application.acting_enterprise_id is not None,
            "customs_opinion": application.customs_opinion, "created_at": records.iso(application.created_at),
            "updated_at": records.iso(application.updated_at),
            "submitted_at": records.iso(application.submitted_at)}


def list_qualifications(session, enterprise_id: int, qualification_type: str | None = None) -> list[Qualification]:
    """Return the enterprise's qualifications, optionally of one type, oldest first."""
    stmt = select(Qualification).where(Qualification.enterprise_id == enterprise_id)
    if qualification_type:
        stmt = stmt.where(Qualification.qualification_type == qualification_type)
    return list(session.scalars(stmt.order_by(Qualification.id)))


def filing_query(session, enterprise: Enterprise, qualification_type: str | None = None) -> dict:
    """Return the filed record (备案信息查询, Q-29): qualifications, basic info and every child section."""
    if qualification_type and qualification_type not in QUALIFICATION_TYPES:
        raise RuleError([Violation("Q-29", "qualification_type", f"资质类型“{qualification_type}”不存在")])
    result = {"qualifications": [records.qualification_dict(q)
                                 for q in list_qualifications(session, enterprise.id, qualification_type)],
              "enterprise": {**records.enterprise_basic(enterprise),
                             "registration_code": enterprise.registration_code, "ciq_no": enterprise.ciq_no,
                             "local_ciq_authority": enterprise.local_ciq_authority,
                             "filed_at": records.iso(enterprise.filed_at)}}
    result.update(records.sections_of(session, enterprise.id, None))
    return result


def qualification_checklist(session, enterprise: Enterprise, application: Application | None = None) -> list[dict]:
    """Return each type for the filing form: selectable, 已备案 (Q-2), 申请中 (Q-3) or not selectable (Q-6)."""
    state = enterprise_state(session, enterprise)
    types = SELECTABLE_TYPES + ((DUAL,) if any(r.qualification_type == DUAL for r in state.qualifications) else ())
    rows = checklist_rule(types, state, clock.today(), application.application_no if application else "")
    return [{"type": code, "name": QUALIFICATION_NAMES[code], "status": status,
             "selectable": status == "selectable", "label": CHECKLIST_LABELS.get(status, status)}
            for code, status in rows]


def annual_report_eligibility(session, enterprise: Enterprise, covered_year: int | None = None) -> dict:
    """Tell whether the enterprise files the annual report for a year (default: last year) and why not (Q-30)."""
    today = clock.today()
    year = covered_year or today.year - 1
    violations = annual_report_violations(enterprise_state(session, enterprise), year, today)
    return {"covered_year": year, "eligible": not violations, "reasons": [v.message for v in violations]}


def expire_qualifications(session, today: date | None = None) -> int:
    """Mark VALID qualifications past their valid-until as EXPIRED, from the day after (Q-27); idempotent."""
    today = today or clock.today()
    rows = session.scalars(select(Qualification).where(Qualification.status == "VALID",
                                                       Qualification.valid_until.is_not(None),
                                                       Qualification.valid_until < today)
                           .order_by(Qualification.id))
    count = 0
    for qualification in list(rows):
        if not expiry_date_passed(qualification.valid_until, today):
            continue
        try:
            transition(session, qualification, EXPIRE_QUALIFICATION, receipt=False, source="system")
        except RuleError:  # changed meanwhile (extended or cancelled): nothing to expire
            continue
        count += 1
    return count
