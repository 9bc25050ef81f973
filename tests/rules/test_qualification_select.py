"""Q-1 to Q-6: selecting qualification types, and the form's checklist."""
from datetime import date

import pytest

from rules.qualification_select import (
    dependency_violations, exclusion_violations, qualification_checklist, selection_violations,
    type_count_violations,
)
from rules.qualification_types import (
    ALL_TYPES, DEFAULT_DEPENDENCIES, DEFAULT_EXCLUSIONS, QUALIFICATION_NAMES, RuleTables,
)
from tests.rules.builders import TABLES, TODAY, held, open_app, state


def rules_of(violations):
    return sorted(v.rule for v in violations)


@pytest.mark.parametrize("selected, expected", [
    ((), ["Q-1"]),
    (("IE",), []),
    (("IE", "IE"), []),
    (("IE", "NOPE"), ["Q-1"]),
])
def test_q1_at_least_one_known_type(selected, expected):
    assert rules_of(type_count_violations(selected)) == expected


def test_q1_empty_selection_message():
    assert type_count_violations(())[0].message == "请至少选择一种申请资质类型"


@pytest.mark.parametrize("records, selected, expected", [
    ((held("IE"),), ("IE",), ["Q-2"]),
    ((held("IE", status="CANCELLED"),), ("IE",), []),
    ((held("TEMP", date(2025, 6, 15)),), ("TEMP",), ["Q-2"]),   # valid through its last day
    ((held("TEMP", date(2025, 6, 14)),), ("TEMP",), []),        # expired yesterday: may file again
    ((held("TEMP", date(2025, 1, 1), status="EXPIRED"),), ("TEMP",), []),
])
def test_q2_held_type_cannot_be_selected(records, selected, expected):
    violations = selection_violations(selected, state(*records), TABLES, TODAY)
    assert rules_of(violations) == expected
    if expected:
        assert "已备案" in violations[0].message and QUALIFICATION_NAMES[selected[0]] in violations[0].message


@pytest.mark.parametrize("status, expected", [
    ("SUBMITTED", ["Q-3"]), ("RECEIVED", ["Q-3"]), ("UNDER_REVIEW", ["Q-3"]), ("RECEIPT_FAILED", ["Q-3"]),
    ("APPROVED", []), ("REJECTED", []), ("NOT_ACCEPTED", []), ("DRAFT", []),
])
def test_q3_type_with_open_application_cannot_be_selected_again(status, expected):
    enterprise = state(open_applications=(open_app("A1", "FILING", status, "CBEC_PLATFORM"),))
    violations = selection_violations(("CBEC_PLATFORM",), enterprise, TABLES, TODAY)
    assert rules_of(violations) == expected
    if expected:
        assert violations[0].message == "跨境电子商务平台企业申请中，不能再次选择"


def test_q3_resubmitting_the_same_application_does_not_block_itself():
    enterprise = state(open_applications=(open_app("A1", "FILING", "RECEIPT_FAILED", "IE"),))
    assert selection_violations(("IE",), enterprise, TABLES, TODAY, application_no="A1") == []


@pytest.mark.parametrize("first, second", [
    ("IE", "IE_BRANCH"), ("CB", "CB_BRANCH"), ("IE", "CB_BRANCH"), ("CB", "IE_BRANCH"),
    ("TEMP", "CB"), ("TEMP", "IE"), ("TEMP", "CB_BRANCH"), ("TEMP", "IE_BRANCH"),
])
def test_q4_default_exclusions_selected_together(first, second):
    violations = exclusion_violations((first, second), (), DEFAULT_EXCLUSIONS)
    assert len(violations) == 1 and violations[0].rule == "Q-4"
    assert violations[0].message == f"已选择{QUALIFICATION_NAMES[first]}，无法同时备案{QUALIFICATION_NAMES[second]}"


def test_q4_message_of_the_seed():
    violations = exclusion_violations(("IE", "CB_BRANCH"), (), DEFAULT_EXCLUSIONS)
    assert violations[0].message == "已选择进出口货物收发货人，无法同时备案报关企业分支机构"


@pytest.mark.parametrize("held_type, selected", [
    ("IE", "IE_BRANCH"), ("IE_BRANCH", "IE"), ("CB", "IE_BRANCH"), ("TEMP", "CB"), ("CB_BRANCH", "TEMP"),
])
def test_q4_exclusions_against_types_already_held(held_type, selected):
    violations = selection_violations((selected,), state(held(held_type)), TABLES, TODAY)
    assert rules_of(violations) == ["Q-4"]
    assert violations[0].message == f"已备案{QUALIFICATION_NAMES[held_type]}，无法备案{QUALIFICATION_NAMES[selected]}"


@pytest.mark.parametrize("selected", [("IE", "CB"), ("IE_BRANCH", "CB_BRANCH"), ("IE", "CBEC_ECOM", "CBEC_PLATFORM")])
def test_q4_compatible_types_pass(selected):
    assert selection_violations(selected, state(), TABLES, TODAY) == []


def test_q4_exclusion_table_is_data():
    tables = RuleTables(exclusions=(("CBEC_SITE", "CBEC_PLATFORM"), ("CBEC_PLATFORM", "CBEC_SITE")))
    violations = selection_violations(("CBEC_SITE", "CBEC_PLATFORM", "IE", "IE_BRANCH"), state(), tables, TODAY)
    assert rules_of(violations) == ["Q-4"]  # reported once; IE–IE_BRANCH is no longer in this table


def test_q4_every_broken_pair_is_reported():
    violations = exclusion_violations(("TEMP", "IE", "CB"), (), DEFAULT_EXCLUSIONS)
    assert len(violations) == 2


@pytest.mark.parametrize("selected, records, expected", [
    (("CBEC_ECOM",), (), ["Q-5"]),
    (("CBEC_AGENT",), (), ["Q-5"]),
    (("CBEC_ECOM", "IE"), (), []),
    (("CBEC_AGENT", "IE_BRANCH"), (), []),
    (("CBEC_ECOM",), (held("IE"),), []),
    (("CBEC_ECOM",), (held("IE_BRANCH"),), []),
    (("CBEC_ECOM",), (held("IE", status="CANCELLED"),), ["Q-5"]),
    (("CBEC_ECOM", "CBEC_AGENT"), (), ["Q-5", "Q-5"]),
    (("CBEC_ECOM", "CB"), (), ["Q-5"]),
])
def test_q5_cbec_ecom_and_agent_need_ie_or_ie_branch(selected, records, expected):
    assert rules_of(selection_violations(selected, state(*records), TABLES, TODAY)) == expected


def test_q5_message_names_the_alternatives():
    violations = dependency_violations(("CBEC_ECOM",), (), DEFAULT_DEPENDENCIES)
    assert violations[0].message == (
        "申请跨境电子商务电商企业，需要同时选择进出口货物收发货人或者进出口货物收发货人分支机构备案（或已备案）"
    )


@pytest.mark.parametrize("selected, records, expected", [
    (("DUAL",), (), ["Q-6"]),
    (("CBEC_PLATFORM",), (held("DUAL"),), ["Q-6"]),
    (("IE",), (held("DUAL"),), ["Q-6"]),  # exclusion table's DUAL pairs are not repeated
    (("IE",), (held("DUAL", status="CANCELLED"),), []),
])
def test_q6_dual_never_selectable_and_holder_cannot_add(selected, records, expected):
    assert rules_of(selection_violations(selected, state(*records), TABLES, TODAY)) == expected


def test_q4_dual_exclusions_apply_when_table_used_alone():
    assert len(exclusion_violations(("IE",), ("DUAL",), DEFAULT_EXCLUSIONS)) == 1


def test_q4_default_tables_match_spec():
    pairs = {frozenset(p) for p in DEFAULT_EXCLUSIONS}
    assert len(pairs) == 8 + 12
    assert all(frozenset(("DUAL", t)) in pairs for t in ALL_TYPES if t != "DUAL")
    assert dict(DEFAULT_DEPENDENCIES) == {"CBEC_ECOM": ("IE", "IE_BRANCH"), "CBEC_AGENT": ("IE", "IE_BRANCH")}


def test_q2_q3_checklist_labels():
    enterprise = state(
        held("IE"), held("CB", status="CANCELLED"),
        open_applications=(open_app("A1", "FILING", "SUBMITTED", "CBEC_ECOM"),),
    )
    checklist = dict(qualification_checklist(ALL_TYPES, enterprise, TODAY))
    assert checklist["IE"] == "已备案"
    assert checklist["CBEC_ECOM"] == "申请中"
    assert checklist["CB"] == "selectable"
    assert checklist["DUAL"] == "not_selectable"
    assert list(dict(qualification_checklist(ALL_TYPES, enterprise, TODAY))) == list(ALL_TYPES)


def test_q6_checklist_for_dual_holder_blocks_everything_else():
    checklist = dict(qualification_checklist(ALL_TYPES, state(held("DUAL")), TODAY))
    assert checklist.pop("DUAL") == "已备案"
    assert set(checklist.values()) == {"not_selectable"}


def test_q25_checklist_expired_temp_is_selectable_again():
    checklist = dict(qualification_checklist(("TEMP",), state(held("TEMP", date(2025, 6, 14))), TODAY))
    assert checklist["TEMP"] == "selectable"
