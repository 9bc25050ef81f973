"""Plain input shapes for the module-Q rules: the application, the enterprise's state, reference data.

Operations build these from the database (or an API body) and hand them to the rule functions;
nothing here knows about Flask or SQLAlchemy. Child rows and the basic-info block are plain
mappings keyed by the API field names (API.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from rules.qualification_types import (
    CANCELLATION, CHANGE, FILING, NOT_YET_RECEIVED_STATUSES, OPEN_STATUSES,
)


@dataclass(frozen=True)
class ApplicationData:
    """What the user filled in, plus how they are logged in (one application of any type).

    For CANCELLATION, `qualification_types` are the types to cancel; for EXTENSION it is ("TEMP",).
    `acting_uscc` is the logged-in enterprise, `target_uscc` the enterprise the application is for
    (the same unless `is_proxy`).
    """

    application_type: str = FILING
    application_no: str = ""
    login_mode: str = "account"  # 'account' | 'card'
    is_proxy: bool = False
    commitment: bool = False
    acting_uscc: str = ""
    target_uscc: str = ""
    qualification_types: tuple[str, ...] = ()
    enterprise: Mapping[str, Any] = field(default_factory=dict)
    management_personnel: tuple[Mapping[str, Any], ...] = ()
    investors: tuple[Mapping[str, Any], ...] = ()
    declaration_personnel: tuple[Mapping[str, Any], ...] = ()
    external_licenses: tuple[Mapping[str, Any], ...] = ()
    attachment_kinds: frozenset[str] = frozenset()
    cancellation_reason_code: str = ""
    cancellation_other_reason: str = ""


@dataclass(frozen=True)
class QualificationRecord:
    """One qualification the enterprise has or had (status VALID / CANCELLED / EXPIRED)."""

    qualification_type: str
    status: str = "VALID"
    valid_until: date | None = None  # None: long-term
    filed_date: date | None = None


@dataclass(frozen=True)
class OpenApplication:
    """Another application of the enterprise that is submitted but not finally decided."""

    application_no: str
    application_type: str
    status: str
    qualification_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnterpriseState:
    """What the register knows about the enterprise the application is for."""

    uscc: str = ""
    registration_code: str = ""
    ciq_no: str = ""
    qualifications: tuple[QualificationRecord, ...] = ()
    open_applications: tuple[OpenApplication, ...] = ()
    registration_date: date | None = None  # first registered with customs
    cancelled: bool = False


@dataclass(frozen=True)
class ParentInfo:
    """Result of looking up a parent unit code (USCC or customs registration code) for Q-11."""

    valid_head_types: frozenset[str] = frozenset()
    is_same_enterprise: bool = False
    name_zh: str = ""


@dataclass(frozen=True)
class ReferenceData:
    """Code tables and lookups the rules read; a table missing from `codes` is not checked."""

    codes: Mapping[str, frozenset[str]] = field(default_factory=dict)  # table name (API.md) -> valid codes
    region_province: Mapping[str, str] = field(default_factory=dict)  # region code -> province code
    customs_provinces: Mapping[str, frozenset[str]] = field(default_factory=dict)  # customs code -> provinces served
    foreign_invested_market_types: frozenset[str] = frozenset()
    parents: Mapping[str, ParentInfo] = field(default_factory=dict)  # parent code -> lookup result
    # Regions valid as an enterprise's 行政区划 (counties, plus cities without districts); None = by code shape.
    selectable_regions: frozenset[str] | None = None


def valid_qualifications(state: EnterpriseState, today: date | None = None) -> dict[str, date | None]:
    """Return type -> valid_until for the qualifications held validly (not past valid_until on today)."""
    held = {}
    for record in state.qualifications:
        if record.status != "VALID":
            continue
        if today is not None and record.valid_until is not None and today > record.valid_until:
            continue
        held[record.qualification_type] = record.valid_until
    return held


def held_types(state: EnterpriseState, today: date | None = None) -> frozenset[str]:
    """Return the set of qualification types the enterprise holds validly."""
    return frozenset(valid_qualifications(state, today))


def other_open_applications(
    state: EnterpriseState, application_no: str = "", application_type: str | None = None
) -> tuple[OpenApplication, ...]:
    """Return the open applications other than `application_no`, optionally of one type."""
    return tuple(
        app for app in state.open_applications
        if app.status in OPEN_STATUSES
        and not (application_no and app.application_no == application_no)
        and (application_type is None or app.application_type == application_type)
    )


def types_in_open_filings(state: EnterpriseState, application_no: str = "") -> frozenset[str]:
    """Return the types named by open filing applications (shown 申请中, Q-3)."""
    return frozenset(
        t for app in other_open_applications(state, application_no, FILING)
        for t in app.qualification_types
    )


def open_cancellations_not_received(state: EnterpriseState, application_no: str = "") -> tuple[OpenApplication, ...]:
    """Return open cancellations customs has not yet received (they block a new one, Q-26)."""
    return tuple(
        app for app in other_open_applications(state, application_no, CANCELLATION)
        if app.status in NOT_YET_RECEIVED_STATUSES
    )


def open_change(state: EnterpriseState, application_no: str = "") -> OpenApplication | None:
    """Return another open change application, if any (Q-24)."""
    changes = other_open_applications(state, application_no, CHANGE)
    return changes[0] if changes else None


def parse_date(value) -> date | None:
    """Return a date from a date or 'YYYY-MM-DD' text; None when blank or not a real date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def add_years(day: date, years: int) -> date:
    """Return the same calendar day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def days_before(day: date, days: int) -> date:
    """Return the date `days` days before `day`."""
    return day - timedelta(days=days)


def application_data_from_body(
    body: Mapping[str, Any],
    *,
    login_mode: str,
    acting_uscc: str,
    attachment_kinds: Iterable[str] = (),
    application_no: str = "",
) -> ApplicationData:
    """Build an ApplicationData from an API request body (POST /api/v1/applications) without changing it."""
    target = str(body.get("target_uscc") or "").strip()
    cancellation = body.get("cancellation") or {}

    def rows(name: str) -> tuple[Mapping[str, Any], ...]:
        """Return copies of the child rows listed under `name`."""
        return tuple(dict(row) for row in (body.get(name) or ()) if isinstance(row, Mapping))

    return ApplicationData(
        application_type=str(body.get("type") or FILING),
        application_no=application_no,
        login_mode=login_mode,
        is_proxy=bool(target) and target != acting_uscc,
        commitment=bool(body.get("commitment")),
        acting_uscc=acting_uscc,
        target_uscc=target or acting_uscc,
        qualification_types=tuple(body.get("qualification_types") or ()),
        enterprise=dict(body.get("enterprise") or {}),
        management_personnel=rows("management_personnel"),
        investors=rows("investors"),
        declaration_personnel=rows("declaration_personnel"),
        external_licenses=rows("external_licenses"),
        attachment_kinds=frozenset(attachment_kinds),
        cancellation_reason_code=str(cancellation.get("reason_code") or ""),
        cancellation_other_reason=str(cancellation.get("other_reason") or ""),
    )
