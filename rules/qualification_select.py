"""Selecting qualification types in a filing: rules Q-1 to Q-6 and the form's checklist.

The granular functions take plain sets of types so that the rule tables (exclusions,
dependencies) can come from the database; `selection_violations` combines them for a state.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping, Sequence

from rules.qualification_data import EnterpriseState, held_types, types_in_open_filings
from rules.qualification_types import DUAL, QUALIFICATION_NAMES, RuleTables, qualification_name
from rules.violations import Violation

FIELD = "qualification_types"
FILED_LABEL = "已备案"
IN_PROGRESS_LABEL = "申请中"
SELECTABLE = "selectable"
NOT_SELECTABLE = "not_selectable"


def unique_types(types: Iterable[str]) -> tuple[str, ...]:
    """Return the types without duplicates, keeping their first order."""
    return tuple(dict.fromkeys(types))


def type_count_violations(selected: Sequence[str], known_types: Iterable[str] = QUALIFICATION_NAMES) -> list[Violation]:
    """Require at least one qualification type and only known type codes (Q-1)."""
    chosen = unique_types(selected)
    if not chosen:
        return [Violation("Q-1", FIELD, "请至少选择一种申请资质类型")]
    known = set(known_types)
    return [Violation("Q-1", FIELD, f"未知的资质类型：{code}") for code in chosen if code not in known]


def already_filed_violations(selected: Sequence[str], held: Iterable[str]) -> list[Violation]:
    """Refuse types the enterprise already holds validly (Q-2, shown 已备案)."""
    held_set = set(held)
    return [
        Violation("Q-2", FIELD, f"{qualification_name(code)}已备案，不能重复申请")
        for code in unique_types(selected) if code in held_set
    ]


def in_progress_violations(selected: Sequence[str], in_progress: Iterable[str]) -> list[Violation]:
    """Refuse types that already have an open application (Q-3, shown 申请中)."""
    open_set = set(in_progress)
    return [
        Violation("Q-3", FIELD, f"{qualification_name(code)}申请中，不能再次选择")
        for code in unique_types(selected) if code in open_set
    ]


def _exclusion_pairs(exclusions: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """Return the exclusion pairs once each, whichever way round they were entered."""
    seen: set[frozenset[str]] = set()
    pairs = []
    for first, second in exclusions:
        key = frozenset((first, second))
        if first != second and key not in seen:
            seen.add(key)
            pairs.append((first, second))
    return pairs


def exclusion_violations(
    selected: Sequence[str],
    held: Iterable[str],
    exclusions: Iterable[Sequence[str]],
    skip_types: Iterable[str] = (),
) -> list[Violation]:
    """Refuse mutually exclusive types selected together or against a type already held (Q-4)."""
    chosen = unique_types(selected)
    order = {code: index for index, code in enumerate(chosen)}
    held_set = set(held)
    skipped = set(skip_types)
    violations = []
    for first, second in _exclusion_pairs(exclusions):
        if first in skipped or second in skipped:
            continue
        if first in order and second in order:
            earlier, later = sorted((first, second), key=order.__getitem__)
            message = f"已选择{qualification_name(earlier)}，无法同时备案{qualification_name(later)}"
        elif first in held_set and second in order:
            message = f"已备案{qualification_name(first)}，无法备案{qualification_name(second)}"
        elif second in held_set and first in order:
            message = f"已备案{qualification_name(second)}，无法备案{qualification_name(first)}"
        else:
            continue
        violations.append(Violation("Q-4", FIELD, message))
    return violations


def dependency_violations(
    selected: Sequence[str], held: Iterable[str], dependencies: Mapping[str, Sequence[str]]
) -> list[Violation]:
    """Require, for each dependent type, one of its alternatives selected or held (Q-5)."""
    chosen = unique_types(selected)
    available = set(chosen) | set(held)
    violations = []
    for code in chosen:
        alternatives = tuple(dependencies.get(code, ()))
        if alternatives and not available.intersection(alternatives):
            needed = "或者".join(qualification_name(alt) for alt in alternatives)
            violations.append(Violation(
                "Q-5", FIELD, f"申请{qualification_name(code)}，需要同时选择{needed}备案（或已备案）",
            ))
    return violations


def dual_violations(selected: Sequence[str], held: Iterable[str]) -> list[Violation]:
    """Refuse selecting DUAL, and adding any type while DUAL is held (Q-6)."""
    chosen = unique_types(selected)
    violations = []
    if DUAL in chosen:
        violations.append(Violation("Q-6", FIELD, f"{qualification_name(DUAL)}不可选择备案"))
    if DUAL in set(held) and any(code != DUAL for code in chosen):
        violations.append(Violation(
            "Q-6", FIELD,
            f"已备案{qualification_name(DUAL)}，不能新增其他资质类型；如需调整经营类别，请先注销后重新备案",
        ))
    return violations


def selection_violations(
    selected: Sequence[str],
    state: EnterpriseState,
    rule_tables: RuleTables,
    today: date | None = None,
    application_no: str = "",
) -> list[Violation]:
    """Check a filing's selected types against every selection rule (Q-1 to Q-6)."""
    held = held_types(state, today)
    violations = type_count_violations(selected)
    if not unique_types(selected):
        return violations
    violations += already_filed_violations(selected, held)
    violations += in_progress_violations(selected, types_in_open_filings(state, application_no))
    dual = dual_violations(selected, held)
    # Q-6 already explains any conflict with DUAL; do not repeat it through the exclusion table.
    violations += exclusion_violations(selected, held, rule_tables.exclusions, skip_types=(DUAL,) if dual else ())
    violations += dependency_violations(selected, held, rule_tables.dependencies)
    violations += dual
    return violations


def qualification_checklist(
    all_types: Iterable[str],
    state: EnterpriseState,
    today: date | None = None,
    application_no: str = "",
) -> list[tuple[str, str]]:
    """Return (type, status) per type for the filing form: 已备案, 申请中, selectable or not_selectable."""
    held = held_types(state, today)
    in_progress = types_in_open_filings(state, application_no)
    checklist = []
    for code in all_types:
        if code in held:
            status = FILED_LABEL
        elif code == DUAL:
            status = NOT_SELECTABLE
        elif code in in_progress:
            status = IN_PROGRESS_LABEL
        elif DUAL in held:
            status = NOT_SELECTABLE
        else:
            status = SELECTABLE
        checklist.append((code, status))
    return checklist
