"""Q-19, Q-20, Q-23 to Q-26: lifecycle, save vs submit, proxy, change, extension, cancellation."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from rules.application import (
    edit_violations, extension_window, save_violations, submit_violations,
    transition_violations,
)
from rules.lifecycle import lifecycle_of
from rules.qualification_data import application_data_from_body
from rules.qualification_types import RuleTables
from tests.rules.builders import (
    OTHER_USCC, OWN_USCC, TABLES, TODAY, application, declarant, enterprise, filing, held, manager,
    open_app, reference, state,
)

ALLOWED = [
    ("DRAFT", "SUBMITTED", "enterprise"),
    ("SUBMITTED", "RECEIVED", "customs"),
    ("SUBMITTED", "RECEIPT_FAILED", "customs"),
    ("RECEIPT_FAILED", "SUBMITTED", "enterprise"),
    ("RECEIVED", "NOT_ACCEPTED", "customs"),
    ("RECEIVED", "UNDER_REVIEW", "customs"),
    ("UNDER_REVIEW", "APPROVED", "customs"),
    ("UNDER_REVIEW", "REJECTED", "customs"),
]
STATUSES = ["DRAFT", "SUBMITTED", "RECEIVED", "RECEIPT_FAILED", "NOT_ACCEPTED", "UNDER_REVIEW", "APPROVED", "REJECTED"]


def submit(data, enterprise_state=None, tables=TABLES, today=TODAY):
    return submit_violations(data, enterprise_state or state(), reference(), tables, today)


def rules_of(violations):
    return sorted(v.rule for v in violations)


@pytest.mark.parametrize("current, target, actor", ALLOWED)
def test_q19_allowed_transitions(current, target, actor):
    assert transition_violations(current, target) == []
    assert transition_violations(current, target, actor) == []


@pytest.mark.parametrize("current, target", [
    (c, t) for c in STATUSES for t in STATUSES if (c, t) not in {(a, b) for a, b, _ in ALLOWED}
])
def test_q19_every_other_transition_is_refused(current, target):
    violations = transition_violations(current, target)
    assert [v.rule for v in violations] == ["Q-19"]


def test_q19_message_and_actor():
    assert transition_violations("APPROVED", "DRAFT")[0].message == "申请单状态为“审批通过”，不能变更为“暂存”"
    assert transition_violations("SUBMITTED", "RECEIVED", "enterprise")[0].message.startswith("只有海关")
    starts = {s for m in lifecycle_of("applications").moves for s in m.sources}
    assert starts == {"DRAFT", "SUBMITTED", "RECEIPT_FAILED", "RECEIVED", "UNDER_REVIEW"}


@pytest.mark.parametrize("status, editable", [(s, s == "DRAFT") for s in STATUSES])
def test_q20_only_drafts_are_editable(status, editable):
    assert (edit_violations(status) == []) is editable


def test_q20_save_checks_formats_only():
    data = filing(qualification_types=(), enterprise=enterprise(name_zh="", region_code="440300", postal_code="1"),
                  management_personnel=(), login_mode="account")
    assert [(v.rule, v.field) for v in save_violations(data, TODAY)] == [("Q-10", "postal_code")]


def test_q20_save_reports_formats_in_child_rows_and_unknown_types():
    data = filing(
        qualification_types=("IE", "XX"),
        declaration_personnel=(declarant(mobile="1"),),
        management_personnel=(manager("CUSTOMS", id_no="123"),),
    )
    fields = sorted(v.field for v in save_violations(data, TODAY))
    assert fields == ["declaration_personnel[0].mobile", "management_personnel[0].id_no", "qualification_types"]


def test_q20_valid_filing_submits_cleanly():
    assert submit(filing()) == []


def test_q20_submit_returns_every_violation_together():
    data = filing(
        login_mode="account",                                      # Q-18 info table missing
        qualification_types=("IE", "IE_BRANCH", "CBEC_AGENT", "CBEC_LOGISTICS"),
        enterprise=enterprise(region_code="440300", postal_code="12", express_operator=True, name_zh=""),
        management_personnel=(manager("CUSTOMS"),),                  # Q-14 finance head missing
    )
    enterprise_state = state(open_applications=(open_app("A9", "FILING", "SUBMITTED", "CBEC_AGENT"),))
    rules = set(rules_of(submit(data, enterprise_state)))
    assert {"Q-3", "Q-4", "Q-9", "Q-10", "Q-11", "Q-12", "Q-14", "Q-17", "Q-18", "Q-20"} <= rules


def test_q20_submit_without_uscc_is_refused():
    violations = submit(filing(target_uscc="", acting_uscc=""), state(uscc=""))
    assert rules_of(violations) == ["Q-7"]


def test_q14_change_uses_held_types():
    data = application("CHANGE", qualification_types=(), management_personnel=())
    assert rules_of(submit(data, state(held("IE")))) == ["Q-14", "Q-14"]


@pytest.mark.parametrize("login_mode, commitment, target, expected", [
    ("card", True, OTHER_USCC, []),
    ("account", True, OTHER_USCC, ["Q-23"]),    # account logins cannot act for others
    ("card", False, OTHER_USCC, ["Q-23"]),
    ("card", True, OTHER_USCC[:17] + "0", ["Q-7"]),
    ("account", False, OTHER_USCC[:17] + "0", ["Q-23", "Q-23", "Q-7"]),
])
def test_q23_proxy_filing(login_mode, commitment, target, expected):
    data = filing(is_proxy=True, login_mode=login_mode, commitment=commitment, target_uscc=target,
                  attachment_kinds=frozenset({"INFO_TABLE"}))
    violations = submit(data, state(uscc=target))
    assert rules_of(violations) == expected
    assert all(v.field in ("target_uscc", "commitment") for v in violations)


def test_q23_q18_proxy_needs_the_info_table_even_with_a_card():
    data = filing(is_proxy=True, login_mode="card", commitment=True, target_uscc=OTHER_USCC)
    assert rules_of(submit(data, state(uscc=OTHER_USCC))) == ["Q-18"]


def test_q23_body_builder_detects_proxy():
    body = {"type": "FILING", "target_uscc": OTHER_USCC, "commitment": True, "qualification_types": ["IE"],
            "enterprise": {"name_zh": "x"}, "declaration_personnel": [{"name": "a"}],
            "cancellation": {"reason_code": "99", "other_reason": "迁出"}}
    data = application_data_from_body(body, login_mode="card", acting_uscc=OWN_USCC)
    assert data.is_proxy and data.target_uscc == OTHER_USCC and data.qualification_types == ("IE",)
    assert data.declaration_personnel == ({"name": "a"},) and data.cancellation_other_reason == "迁出"
    own = application_data_from_body({"type": "CHANGE"}, login_mode="account", acting_uscc=OWN_USCC)
    assert not own.is_proxy and own.target_uscc == OWN_USCC and own.application_type == "CHANGE"


@pytest.mark.parametrize("records, opens, selected, expected", [
    ((held("IE"),), (), (), []),
    ((held("IE"),), (), ("IE",), []),
    ((), (), (), ["Q-24"]),                                          # nothing filed
    ((held("IE", status="CANCELLED"),), (), (), ["Q-24"]),
    ((held("TEMP", date(2025, 6, 14)),), (), (), ["Q-24"]),          # expired yesterday
    ((held("TEMP", date(2025, 6, 15)),), (), (), []),                # valid through today
    ((held("IE"),), (open_app("C1", "CHANGE", "RECEIVED"),), (), ["Q-24"]),
    ((held("IE"),), (open_app("C1", "CHANGE", "APPROVED"),), (), []),
    ((held("IE"),), (), ("CB",), ["Q-24"]),
    ((held("DUAL"),), (), ("IE",), ["Q-6"]),
])
def test_q24_change_preconditions(records, opens, selected, expected):
    data = application("CHANGE", qualification_types=selected)
    assert rules_of(submit(data, state(*records, open_applications=opens))) == expected


def test_q24_resubmitting_own_change_is_not_a_second_one():
    data = application("CHANGE", application_no="C1", qualification_types=())
    enterprise_state = state(held("IE"), open_applications=(open_app("C1", "CHANGE", "RECEIPT_FAILED"),))
    assert submit(data, enterprise_state) == []


EXPIRY = date(2025, 7, 15)


@pytest.mark.parametrize("today, ok", [
    (EXPIRY - timedelta(days=31), False),
    (EXPIRY - timedelta(days=30), True),
    (EXPIRY - timedelta(days=1), True),
    (EXPIRY, True),                       # the expiry day itself is still in the window
    (EXPIRY + timedelta(days=1), False),  # after expiry: file TEMP again
])
def test_q25_extension_window_30_days_before_expiry_until_expiry(today, ok):
    data = application("EXTENSION", qualification_types=("TEMP",))
    violations = submit(data, state(held("TEMP", EXPIRY)), today=today)
    assert (violations == []) is ok
    assert all(v.rule == "Q-25" for v in violations)


def test_q25_messages_before_and_after_window():
    data = application("EXTENSION", qualification_types=("TEMP",))
    early = submit(data, state(held("TEMP", EXPIRY)), today=date(2025, 6, 1))
    assert early[0].message == "临时备案单位有效期至2025-07-15，请于到期前30天内（2025-06-15至2025-07-15）申请延续"
    late = submit(data, state(held("TEMP", EXPIRY, status="EXPIRED")), today=date(2025, 8, 1))
    assert late[0].message == "临时备案单位已于2025-07-15到期，无法延续，请重新备案临时备案单位"


def test_q25_window_is_configurable():
    data = application("EXTENSION", qualification_types=("TEMP",))
    tables = RuleTables(extension_window_days=60)
    assert submit(data, state(held("TEMP", EXPIRY)), tables=tables, today=EXPIRY - timedelta(days=60)) == []
    assert extension_window(EXPIRY, 60) == (EXPIRY - timedelta(days=60), EXPIRY)


@pytest.mark.parametrize("selected, records, opens", [
    (("IE",), (held("IE"),), ()),
    (("TEMP",), (), ()),
    (("TEMP",), (held("TEMP", None),), ()),
    (("TEMP",), (held("TEMP", EXPIRY),), (open_app("E1", "EXTENSION", "SUBMITTED", "TEMP"),)),
])
def test_q25_extension_refusals(selected, records, opens):
    data = application("EXTENSION", qualification_types=selected)
    violations = submit(data, state(*records, open_applications=opens), today=EXPIRY)
    assert rules_of(violations) == ["Q-25"]


def cancellation(**overrides):
    values = dict(qualification_types=("IE",), cancellation_reason_code="01")
    values.update(overrides)
    return application("CANCELLATION", **values)


@pytest.mark.parametrize("overrides, expected_fields", [
    ({}, []),
    ({"cancellation_reason_code": "99", "cancellation_other_reason": "经营期满"}, []),
    ({"cancellation_reason_code": "99"}, ["cancellation.other_reason"]),
    ({"cancellation_reason_code": "99", "cancellation_other_reason": "   "}, ["cancellation.other_reason"]),
    ({"cancellation_reason_code": ""}, ["cancellation.reason_code"]),
    ({"cancellation_reason_code": "77"}, ["cancellation.reason_code"]),
    ({"qualification_types": ()}, ["qualification_types"]),
    ({"qualification_types": ("CB",)}, ["qualification_types"]),
    ({"cancellation_other_reason": "长" * 501}, ["cancellation.other_reason"]),
    ({"is_proxy": True, "target_uscc": OTHER_USCC, "commitment": True}, ["target_uscc"]),
])
def test_q26_cancellation_fields(overrides, expected_fields):
    violations = submit(cancellation(**overrides), state(held("IE"), held("CBEC_ECOM")))
    assert sorted(v.field for v in violations) == expected_fields
    assert all(v.rule == "Q-26" for v in violations)


def test_q26_reason_99_message():
    violations = submit(cancellation(cancellation_reason_code="99"), state(held("IE")))
    assert violations[0].message == "注销原因为“其他依法应当注销注册登记的情形”时，其他注销原因必填"


@pytest.mark.parametrize("earlier_status, earlier_types, chosen, expected", [
    ("RECEIVED", ("IE",), ("CBEC_ECOM",), 0),      # earlier one reached RECEIVED: others may follow
    ("UNDER_REVIEW", ("IE",), ("CBEC_ECOM",), 0),
    ("SUBMITTED", ("IE",), ("CBEC_ECOM",), 1),     # not yet received
    ("RECEIPT_FAILED", ("IE",), ("CBEC_ECOM",), 1),
    ("RECEIVED", ("IE",), ("IE",), 1),             # already in an open cancellation
    ("SUBMITTED", ("IE",), ("IE", "CBEC_ECOM"), 2),
    ("APPROVED", ("CB",), ("IE",), 0),
    ("REJECTED", ("IE",), ("IE",), 0),
])
def test_q26_open_cancellations(earlier_status, earlier_types, chosen, expected):
    enterprise_state = state(held("IE"), held("CBEC_ECOM"),
                             open_applications=(open_app("X1", "CANCELLATION", earlier_status, *earlier_types),))
    violations = submit(cancellation(qualification_types=chosen), enterprise_state)
    assert len(violations) == expected and all(v.rule == "Q-26" for v in violations)


def test_q26_dual_can_be_cancelled():
    assert submit(cancellation(qualification_types=("DUAL",)), state(held("DUAL"))) == []


def test_q20_unknown_application_type():
    assert rules_of(submit(replace(filing(), application_type="RENEWAL"))) == ["Q-20"]
