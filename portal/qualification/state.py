"""Turn database rows into the plain dataclasses the module-Q rules read.

Rule tables (QualificationExclusion, QualificationDependency) are read at call time; the code tables
are kept per process and reloaded when they change (code_tables), so staff edits take effect on the
next submit in every process, without a restart.
"""
from __future__ import annotations

from itertools import chain
from types import MappingProxyType

from flask import current_app, has_app_context
from sqlalchemy import case, event, func, or_, select
from sqlalchemy.orm import Session

from portal.models import (Application, CodeEntry, Enterprise, Qualification, QualificationDependency,
                           QualificationExclusion)
from rules.qualification import (EnterpriseState, OpenApplication, ParentInfo, QualificationRecord, ReferenceData,
                                 RuleTables, held_types)
from rules.qualification_types import BRANCH_HEAD_TYPES, OPEN_STATUSES

# Code tables the module-Q rules check values against (API.md table names).
RULE_CODE_TABLES = ("regions", "customs", "countries", "currencies", "id_types", "market_entity_types",
                    "org_types", "industries", "ciq_enterprise_types", "economic_zones", "license_names",
                    "cancellation_reasons")


def setting(name: str, default):
    """Return an app setting (a default outside an app context)."""
    if has_app_context():
        return current_app.config.get(name, default)
    return default


def rule_tables(session) -> RuleTables:
    """Return the exclusion and dependency tables as staff left them (Q-4, Q-5) and the Q-25 window."""
    exclusions = tuple((row.type_a, row.type_b) for row in session.scalars(
        select(QualificationExclusion).order_by(QualificationExclusion.id)))
    dependencies = {row.qualification_type: tuple(t.strip() for t in row.requires_any.split(",") if t.strip())
                    for row in session.scalars(select(QualificationDependency))}
    return RuleTables(exclusions=exclusions, dependencies=dependencies,
                      extension_window_days=int(setting("EXTENSION_WINDOW_DAYS", 30)))


def _records(session, enterprise_id: int) -> tuple[QualificationRecord, ...]:
    rows = session.scalars(select(Qualification).where(Qualification.enterprise_id == enterprise_id)
                           .order_by(Qualification.id))
    return tuple(QualificationRecord(q.qualification_type, q.status, q.valid_until, q.filed_date) for q in rows)


def enterprise_state(session, enterprise: Enterprise) -> EnterpriseState:
    """Return what the register knows about an enterprise: qualifications and open applications."""
    records = _records(session, enterprise.id)
    open_rows = session.scalars(select(Application).where(
        Application.enterprise_id == enterprise.id, Application.status.in_(sorted(OPEN_STATUSES))))
    open_applications = tuple(OpenApplication(a.application_no, a.application_type, a.status, tuple(a.types))
                              for a in open_rows)
    cancelled = bool(records) and all(r.status == "CANCELLED" for r in records)
    return EnterpriseState(uscc=enterprise.uscc, registration_code=enterprise.registration_code or "",
                           ciq_no=enterprise.ciq_no or "", qualifications=records,
                           open_applications=open_applications, registration_date=enterprise.filed_at,
                           cancelled=cancelled)


def find_enterprise_by_code(session, code: str) -> Enterprise | None:
    """Return the enterprise whose USCC or customs registration code is `code`."""
    code = (code or "").strip()
    if not code:
        return None
    return session.scalar(select(Enterprise).where(or_(Enterprise.uscc == code,
                                                       Enterprise.registration_code == code)))


def parent_info(session, code: str, enterprise: Enterprise, today) -> ParentInfo | None:
    """Look up a parent unit by USCC or registration code for Q-11 (None when unknown)."""
    parent = find_enterprise_by_code(session, code)
    if parent is None:
        return None
    state = EnterpriseState(uscc=parent.uscc, qualifications=_records(session, parent.id))
    heads = frozenset(BRANCH_HEAD_TYPES.values()) & held_types(state, today)
    return ParentInfo(valid_head_types=heads, is_same_enterprise=parent.id == enterprise.id, name_zh=parent.name_zh)


# The code-table part of ReferenceData, per database: (fingerprint, fields). ~3,700 rows take ~25 ms
# to read and shape; the fingerprint query takes under 1 ms and changes with any insert, delete,
# (de)activation or update of those tables (updated_at is set on every ORM write), so every process
# sees a staff edit on its next submit. A flush of code entries in this process forgets it at once.
_code_tables: dict[str, tuple[tuple, dict]] = {}


def forget_code_tables() -> None:
    """Drop the cached code tables of the rules."""
    _code_tables.clear()


@event.listens_for(Session, "after_flush")
def _forget_on_code_change(session, flush_context) -> None:
    if any(isinstance(row, CodeEntry) for row in chain(session.new, session.dirty, session.deleted)):
        forget_code_tables()


def _code_tables_fingerprint(session) -> tuple:
    active_ids = func.sum(case((CodeEntry.active.is_(True), CodeEntry.id), else_=0))
    return tuple(session.execute(select(func.count(), func.max(CodeEntry.updated_at), func.max(CodeEntry.id),
                                        active_ids).where(CodeEntry.table_name.in_(RULE_CODE_TABLES))).one())


def _load_code_tables(session) -> dict:
    codes: dict[str, set[str]] = {name: set() for name in RULE_CODE_TABLES}
    region_province: dict[str, str] = {}
    customs_provinces: dict[str, frozenset[str]] = {}
    foreign: set[str] = set()
    selectable: set[str] = set()
    rows = session.execute(select(CodeEntry.table_name, CodeEntry.code, CodeEntry.extra).where(
        CodeEntry.table_name.in_(RULE_CODE_TABLES), CodeEntry.active.is_(True)))
    for table, code, extra in rows:
        extra = extra or {}
        codes[table].add(code)
        if table == "regions" and extra.get("province_code"):
            region_province[code] = extra["province_code"]
            if extra.get("selectable"):
                selectable.add(code)
        elif table == "customs":
            customs_provinces[code] = frozenset(extra.get("provinces") or ())
        elif table == "market_entity_types" and extra.get("foreign_invested"):
            foreign.add(code)
    return {"codes": MappingProxyType({k: frozenset(v) for k, v in codes.items() if v}),
            "region_province": MappingProxyType(region_province),
            "customs_provinces": MappingProxyType(customs_provinces),
            "foreign_invested_market_types": frozenset(foreign),
            "selectable_regions": frozenset(selectable) if selectable else None}


def code_tables(session) -> dict:
    """Return the code-table fields of ReferenceData (read-only), reloaded only when the tables changed."""
    database = session.get_bind().url.render_as_string(hide_password=True)
    fingerprint = _code_tables_fingerprint(session)
    cached = _code_tables.get(database)
    if cached is None or cached[0] != fingerprint:
        cached = _code_tables[database] = (fingerprint, _load_code_tables(session))
    return cached[1]


def reference_data(session, enterprise: Enterprise | None = None, parent_code: str = "", today=None) -> ReferenceData:
    """Return the code tables the rules check against, plus the parent look-up of Q-11."""
    parents = {}
    if parent_code and enterprise is not None:
        info = parent_info(session, parent_code, enterprise, today)
        if info is not None:
            parents[parent_code.strip()] = info
    return ReferenceData(**code_tables(session), parents=parents)
