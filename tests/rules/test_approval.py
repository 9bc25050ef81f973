"""Q-22, Q-27, Q-28, Q-30: approval effects, expiry, certificate and annual-report eligibility."""
import itertools
from datetime import date

import pytest

from rules.approval import (
    CertificateRequest, annual_report_violations, approval_effects, certificate_violations,
    expiry_date_passed, format_ciq_no, format_personnel_filing_no, format_registration_code,
    is_annual_report_eligible, needs_registration_code, qualifications_to_expire, temp_valid_until,
)
from tests.rules.builders import TODAY, held, state


def counter():
    """Return a next_sequence(kind) stub counting 1, 2, 3 ... per kind."""
    counters = {}

    def next_sequence(kind):
        counters.setdefault(kind, itertools.count(1))
        return next(counters[kind])
    return next_sequence


@pytest.mark.parametrize("approved, until", [
    (date(2025, 3, 1), date(2026, 3, 1)),
    (date(2024, 2, 29), date(2025, 2, 28)),   # 29 February -> 28 February of the next year
    (date(2023, 2, 28), date(2024, 2, 28)),
    (date(2025, 12, 31), date(2026, 12, 31)),
])
def test_q22_temp_valid_for_one_year(approved, until):
    assert temp_valid_until(approved) == until


def test_q22_filing_approval_grants_types_and_numbers():
    effects = approval_effects("FILING", ("IE", "CBEC_ECOM"), TODAY, state(), "5355", counter(), new_personnel_count=2)
    assert [(g.qualification_type, g.filed_date, g.valid_until) for g in effects.granted] == [
        ("IE", TODAY, None), ("CBEC_ECOM", TODAY, None)]
    assert effects.registration_code == "5355100001" and len(effects.registration_code) == 10
    assert effects.ciq_no == "5355000001"
    assert effects.personnel_filing_nos == ("535525000001", "535525000002")


def test_q22_temp_approval_sets_one_year_validity():
    effects = approval_effects("FILING", ("TEMP",), date(2024, 2, 29), state(), "5300", counter())
    assert effects.granted[0].valid_until == date(2025, 2, 28)
    assert effects.registration_code == "5300900001"


@pytest.mark.parametrize("types, existing_code, needed", [
    (("IE",), "", True), (("CB_BRANCH",), "", True), (("TEMP",), "", True),
    (("CBEC_ECOM", "CBEC_PAYMENT"), "", False),   # CBEC-only: no registration code
    (("CB",), "4403960001", False),               # already has one
])
def test_q22_registration_code_only_when_needed(types, existing_code, needed):
    enterprise_state = state(registration_code=existing_code)
    assert needs_registration_code(types, enterprise_state) is needed
    effects = approval_effects("FILING", types, TODAY, enterprise_state, "5300", counter())
    assert bool(effects.registration_code) is needed


def test_q22_existing_ciq_number_is_kept():
    effects = approval_effects("FILING", ("CBEC_PLATFORM",), TODAY, state(ciq_no="4700600123"), "5300", counter())
    assert effects.ciq_no == "" and effects.registration_code == ""


@pytest.mark.parametrize("types, code", [
    (("IE",), "0100100042"), (("IE_BRANCH",), "0100200042"), (("CB",), "0100300042"),
    (("CB_BRANCH",), "0100400042"), (("TEMP",), "0100900042"), (("CB", "IE"), "0100100042"),
])
def test_q22_registration_code_format(types, code):
    assert format_registration_code("0100", types, 42) == code


@pytest.mark.parametrize("customs, sequence", [("530", 1), ("53A0", 1), ("5300", 0), ("5300", 100000)])
def test_q22_registration_code_refuses_bad_input(customs, sequence):
    with pytest.raises(ValueError):
        format_registration_code(customs, ("IE",), sequence)


def test_q22_other_number_formats():
    assert format_ciq_no("5300", 7) == "5300000007"
    assert format_personnel_filing_no("5300", date(2031, 1, 2), 12) == "530031000012"


def test_q16_q24_change_approval_numbers_new_declaration_personnel():
    effects = approval_effects("CHANGE", (), TODAY, state(held("IE")), "5300", counter(), new_personnel_count=1)
    assert effects.personnel_filing_nos == ("530025000001",) and effects.granted == ()


@pytest.mark.parametrize("valid_until, extended", [
    (date(2025, 7, 15), date(2026, 7, 15)),
    (date(2028, 2, 29), date(2029, 2, 28)),
])
def test_q25_extension_approval_adds_one_year(valid_until, extended):
    effects = approval_effects("EXTENSION", ("TEMP",), TODAY, state(held("TEMP", valid_until)), "5300", counter())
    assert effects.extended_until == extended


@pytest.mark.parametrize("records, cancelled, cancels_collection", [
    ((held("IE"), held("CBEC_ECOM")), ("IE",), True),
    ((held("IE_BRANCH"),), ("IE_BRANCH",), True),
    ((held("IE"), held("CB")), ("CB",), False),
    ((held("CB"),), ("CB",), False),
    ((held("IE"),), ("CBEC_ECOM",), False),     # not held: nothing to cancel
])
def test_q26_cancellation_approval_effects(records, cancelled, cancels_collection):
    effects = approval_effects("CANCELLATION", cancelled, TODAY, state(*records), "5300", counter())
    held_types = {r.qualification_type for r in records}
    assert effects.cancelled_types == tuple(t for t in cancelled if t in held_types)
    assert effects.cancel_collection_filings is cancels_collection


@pytest.mark.parametrize("valid_until, today, passed", [
    (date(2025, 6, 15), date(2025, 6, 14), False),
    (date(2025, 6, 15), date(2025, 6, 15), False),   # valid on D
    (date(2025, 6, 15), date(2025, 6, 16), True),    # expired from D+1
    (None, date(2099, 12, 31), False),               # long-term
])
def test_q27_expiry_date_passed(valid_until, today, passed):
    assert expiry_date_passed(valid_until, today) is passed


def test_q27_sweep_selects_only_valid_records_past_their_date():
    records = (
        held("TEMP", date(2025, 6, 14)), held("TEMP", date(2025, 6, 15)), held("IE"),
        held("TEMP", date(2025, 1, 1), status="EXPIRED"),
    )
    assert qualifications_to_expire(records, TODAY) == (records[0],)


@pytest.mark.parametrize("records, ok", [
    ((held("CB"),), True), ((held("IE"),), True), ((held("CB_BRANCH"),), True),
    ((held("IE_BRANCH"),), True), ((held("TEMP", date(2025, 12, 31)),), True),
    ((held("DUAL"),), False), ((held("CBEC_ECOM"),), False), ((), False),
    ((held("IE", status="CANCELLED"),), False), ((held("TEMP", date(2025, 6, 14)),), False),
])
def test_q28_certificate_only_for_printable_valid_types(records, ok):
    assert (certificate_violations(state(*records), (), TODAY) == []) is ok


@pytest.mark.parametrize("requests, ok", [
    ((CertificateRequest(TODAY, "REQUESTED"),), False),
    ((CertificateRequest(TODAY, "ISSUED", TODAY),), False),
    ((CertificateRequest(TODAY, "RECEIPT_FAILED"),), True),        # a failed request does not count
    ((CertificateRequest(date(2025, 6, 14), "ISSUED", date(2025, 6, 14)),), True),
    ((CertificateRequest(date(2025, 6, 14), "ISSUED", TODAY),), False),  # downloadable certificate issued today
    ((CertificateRequest(date(2025, 6, 14), "ISSUED", TODAY, superseded=True),), True),
])
def test_q28_once_per_enterprise_per_day(requests, ok):
    violations = certificate_violations(state(held("IE")), requests, TODAY)
    assert (violations == []) is ok
    assert all(v.rule == "Q-28" for v in violations)


def test_q28_window_is_configurable():
    requests = (CertificateRequest(date(2025, 6, 14), "ISSUED", date(2025, 6, 14)),)
    assert certificate_violations(state(held("IE")), requests, TODAY, window_days=2)[0].message == "每日只允许申请一次备案证明"


@pytest.mark.parametrize("records, registered, cancelled, year, ok", [
    ((held("IE"),), date(2020, 12, 31), False, 2020, True),      # registered on 31 Dec of the covered year
    ((held("IE"),), date(2021, 1, 1), False, 2020, False),       # 1 January of the submission year: too late
    ((held("DUAL"),), date(2019, 5, 1), False, 2020, True),
    ((held("CB_BRANCH"),), date(2019, 5, 1), False, 2020, True),
    ((held("TEMP", date(2030, 1, 1)),), date(2019, 5, 1), False, 2020, False),
    ((held("CBEC_ECOM"),), date(2019, 5, 1), False, 2020, False),
    ((held("IE"),), date(2019, 5, 1), True, 2020, False),
    ((held("IE"),), None, False, 2020, True),                    # falls back to the filed date (2020-03-01)
    ((held("IE"),), None, False, 2019, False),
])
def test_q30_annual_report_eligibility(records, registered, cancelled, year, ok):
    enterprise_state = state(*records, registration_date=registered, cancelled=cancelled)
    assert is_annual_report_eligible(enterprise_state, year) is ok
    assert all(v.rule == "Q-30" for v in annual_report_violations(enterprise_state, year))
