"""What approvals yield and the date-driven eligibilities: Q-22, Q-27, Q-28, Q-30.

Number formats chosen here (documented so that other modules can parse them):
- customs registration code (海关备案编码), 10 characters: customs code (4 digits) + type digit
  (IE 1, IE_BRANCH 2, CB 3, CB_BRANCH 4, TEMP 9 — the first of these the enterprise gets) +
  5-digit sequence, e.g. 5300100001;
- CIQ number (检验检疫备案号), 10 digits: customs code + 6-digit sequence, e.g. 5300000001;
- personnel filing no. (报关人员备案号), 12 digits: customs code + 2-digit approval year +
  6-digit sequence, e.g. 530025000001.
Sequences come from the caller (`next_sequence(kind)`), so the functions stay pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Sequence

from rules.qualification_data import EnterpriseState, QualificationRecord, add_years, held_types
from rules.qualification_types import (
    ANNUAL_REPORT_TYPES, CANCELLATION, CB, CB_BRANCH, CERTIFICATE_TYPES, CHANGE,
    COLLECTION_FILING_TYPES, EXTENSION, FILING, IE, IE_BRANCH, REGISTRATION_CODE_TYPES, TEMP,
    qualification_name,
)
from rules.violations import Violation

REGISTRATION_TYPE_DIGITS = {IE: "1", IE_BRANCH: "2", CB: "3", CB_BRANCH: "4", TEMP: "9"}
REGISTRATION_SEQUENCE = "registration_code"
CIQ_SEQUENCE = "ciq_no"
PERSONNEL_SEQUENCE = "personnel_filing_no"
TEMP_VALIDITY_YEARS = 1
DEFAULT_CERTIFICATE_WINDOW_DAYS = 1


@dataclass(frozen=True)
class GrantedQualification:
    """A qualification an approved filing creates."""

    qualification_type: str
    filed_date: date
    valid_until: date | None  # None: long-term


@dataclass(frozen=True)
class ApprovalEffects:
    """Everything an approval changes; empty values mean 'nothing to change'."""

    granted: tuple[GrantedQualification, ...] = ()
    registration_code: str = ""
    ciq_no: str = ""
    personnel_filing_nos: tuple[str, ...] = ()
    extended_until: date | None = None
    cancelled_types: tuple[str, ...] = ()
    cancel_collection_filings: bool = False


@dataclass(frozen=True)
class CertificateRequest:
    """One earlier certificate request of the enterprise (REQUESTED / ISSUED / RECEIPT_FAILED)."""

    requested_on: date
    status: str
    issued_on: date | None = None
    superseded: bool = False


def _check_customs_code(customs_code: str) -> str:
    """Return the customs code when it is 4 digits, else raise ValueError."""
    code = str(customs_code or "").strip()
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"customs code must be 4 digits, got {customs_code!r}")
    return code


def _check_sequence(sequence: int, digits: int) -> str:
    """Return the sequence zero-padded to `digits`, or raise ValueError when it does not fit."""
    if not 0 < sequence < 10 ** digits:
        raise ValueError(f"sequence {sequence} does not fit in {digits} digits")
    return str(sequence).zfill(digits)


def temp_valid_until(approval_date: date) -> date:
    """Return the last valid day of a TEMP approved on a date: same day one year later (29 Feb → 28 Feb)."""
    return add_years(approval_date, TEMP_VALIDITY_YEARS)


def needs_registration_code(qualification_types: Iterable[str], state: EnterpriseState) -> bool:
    """Return True when the approval must assign a registration code (not CBEC-only, none yet)."""
    return not state.registration_code and bool(REGISTRATION_CODE_TYPES.intersection(qualification_types))


def format_registration_code(customs_code: str, qualification_types: Iterable[str], sequence: int) -> str:
    """Return the 10-character customs registration code for the approved types and a sequence."""
    types = set(qualification_types)
    digit = next((d for code, d in REGISTRATION_TYPE_DIGITS.items() if code in types), None)
    if digit is None:
        raise ValueError(f"no registration code for types {sorted(types)}")
    return _check_customs_code(customs_code) + digit + _check_sequence(sequence, 5)


def format_ciq_no(customs_code: str, sequence: int) -> str:
    """Return the 10-digit CIQ number for a sequence."""
    return _check_customs_code(customs_code) + _check_sequence(sequence, 6)


def format_personnel_filing_no(customs_code: str, approval_date: date, sequence: int) -> str:
    """Return the 12-digit personnel filing number for an approval date and a sequence."""
    return _check_customs_code(customs_code) + f"{approval_date.year % 100:02d}" + _check_sequence(sequence, 6)


def approval_effects(
    application_type: str,
    qualification_types: Sequence[str],
    approval_date: date,
    state: EnterpriseState,
    customs_code: str,
    next_sequence: Callable[[str], int],
    new_personnel_count: int = 0,
) -> ApprovalEffects:
    """Compute what approving an application yields, drawing numbers from `next_sequence(kind)` (Q-22, Q-25, Q-26)."""
    types = tuple(dict.fromkeys(qualification_types))

    def personnel_nos() -> tuple[str, ...]:
        """Return one new personnel filing number per new declaration person."""
        return tuple(
            format_personnel_filing_no(customs_code, approval_date, next_sequence(PERSONNEL_SEQUENCE))
            for _ in range(new_personnel_count)
        )

    if application_type == FILING:
        granted = tuple(
            GrantedQualification(code, approval_date, temp_valid_until(approval_date) if code == TEMP else None)
            for code in types
        )
        registration_code = ""
        if needs_registration_code(types, state):
            registration_code = format_registration_code(customs_code, types, next_sequence(REGISTRATION_SEQUENCE))
        ciq_no = "" if state.ciq_no else format_ciq_no(customs_code, next_sequence(CIQ_SEQUENCE))
        return ApprovalEffects(granted=granted, registration_code=registration_code, ciq_no=ciq_no,
                               personnel_filing_nos=personnel_nos())
    if application_type == CHANGE:
        return ApprovalEffects(personnel_filing_nos=personnel_nos())
    if application_type == EXTENSION:
        current = max(
            (r.valid_until for r in state.qualifications
             if r.qualification_type == TEMP and r.status in ("VALID", "EXPIRED") and r.valid_until),
            default=None,
        )
        if current is None:
            raise ValueError("extension approved without a TEMP qualification that has a valid-until date")
        return ApprovalEffects(extended_until=add_years(current, TEMP_VALIDITY_YEARS))
    if application_type == CANCELLATION:
        held = held_types(state, approval_date)
        cancelled = tuple(code for code in types if code in held)
        remaining = held - set(cancelled)
        loses_last = bool(COLLECTION_FILING_TYPES & held) and not (COLLECTION_FILING_TYPES & remaining)
        return ApprovalEffects(cancelled_types=cancelled, cancel_collection_filings=loses_last)
    raise ValueError(f"unknown application type {application_type!r}")


def expiry_date_passed(valid_until: date | None, today: date) -> bool:
    """Return True once a qualification valid until D is expired: from D+1 on; never when long-term (Q-27)."""
    return valid_until is not None and today > valid_until


def qualifications_to_expire(records: Iterable[QualificationRecord], today: date) -> tuple[QualificationRecord, ...]:
    """Return the VALID qualifications whose valid-until date has passed, for the daily sweep (Q-27)."""
    return tuple(r for r in records if r.status == "VALID" and expiry_date_passed(r.valid_until, today))


def certificate_eligible_types(state: EnterpriseState, today: date) -> frozenset[str]:
    """Return the valid held types that allow printing 《报关单位备案证明》 (Q-28)."""
    return held_types(state, today) & CERTIFICATE_TYPES


def certificate_violations(
    state: EnterpriseState,
    requests: Iterable[CertificateRequest],
    today: date,
    window_days: int = DEFAULT_CERTIFICATE_WINDOW_DAYS,
) -> list[Violation]:
    """Check a new certificate request: an eligible valid type, one per day, none downloadable today (Q-28)."""
    violations = []
    if not certificate_eligible_types(state, today):
        names = "、".join(qualification_name(code) for code in (CB, CB_BRANCH, IE, IE_BRANCH, TEMP))
        violations.append(Violation("Q-28", "qualification_types", f"仅持有有效的{names}资质的企业可申请《报关单位备案证明》"))
    earlier = tuple(requests)
    recent = [
        r for r in earlier
        if r.status != "RECEIPT_FAILED" and 0 <= (today - r.requested_on).days < window_days
    ]
    if recent:
        violations.append(Violation("Q-28", "requested_on", "每日只允许申请一次备案证明"))
    elif any(r.status == "ISSUED" and not r.superseded and r.issued_on == today for r in earlier):
        violations.append(Violation("Q-28", "requested_on", "当日已有可供下载的《报关单位备案证明》，不可再次申请"))
    return violations


def annual_report_registration_date(state: EnterpriseState) -> date | None:
    """Return when the enterprise registered with customs: the recorded date, else its earliest filing."""
    if state.registration_date is not None:
        return state.registration_date
    dates = [r.filed_date for r in state.qualifications
             if r.qualification_type in ANNUAL_REPORT_TYPES and r.filed_date is not None]
    return min(dates, default=None)


def annual_report_violations(state: EnterpriseState, covered_year: int, today: date | None = None) -> list[Violation]:
    """Check annual-report eligibility for a covered year: category, registered by 31 Dec, not cancelled (Q-30)."""
    violations = []
    if not ANNUAL_REPORT_TYPES & held_types(state, today):
        names = "、".join(qualification_name(code) for code in (IE, IE_BRANCH, CB, CB_BRANCH, "DUAL"))
        violations.append(Violation("Q-30", "qualification_types", f"企业经营类别须为{names}之一"))
    registered = annual_report_registration_date(state)
    if registered is None or registered > date(covered_year, 12, 31):
        violations.append(Violation(
            "Q-30", "registration_date", f"海关注册时间须在{covered_year + 1}年1月1日之前",
        ))
    if state.cancelled:
        violations.append(Violation("Q-30", "cancelled", "企业已注销，无需报送年报"))
    return violations


def is_annual_report_eligible(state: EnterpriseState, covered_year: int, today: date | None = None) -> bool:
    """Return True when the enterprise must file the annual report for `covered_year` (Q-30)."""
    return not annual_report_violations(state, covered_year, today)
