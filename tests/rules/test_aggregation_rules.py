"""Aggregation selection and calendar rules (C-19..C-23)."""
from datetime import date

import pytest

from rules import aggregation as a


def test_c19_only_cleared_lists_not_already_aggregated_one_year():
    ok = [a.SelectedList("L1", 15, date(2026, 3, 1)), a.SelectedList("L2", 15, date(2026, 4, 1))]
    assert a.selection_violations(ok) == []
    assert [v.rule for v in a.selection_violations([a.SelectedList("L3", 7, date(2026, 3, 1))])] == ["C-19"]
    assert a.selection_violations([a.SelectedList("L4", 13, date(2026, 3, 1), 9)])
    mixed = [a.SelectedList("L5", 15, date(2026, 12, 31)), a.SelectedList("L6", 15, date(2027, 1, 1))]
    assert any("跨年度" in v.message for v in a.selection_violations(mixed))
    assert a.selection_violations([], missing=["LX"])[0].rule == "C-19"


@pytest.mark.parametrize("code,found,types,ok", [
    (None, False, (), True), ("", False, (), True),
    ("4403980001", True, ("CB",), True), ("4403980001", True, ("CB_BRANCH",), True),
    ("4403980001", True, ("IE",), False), ("4403980001", False, (), False), ("123", False, (), False)])
def test_c20_agent_must_hold_cb(code, found, types, ok):
    assert (a.agent_violations(code, found, types, ("CB", "CB_BRANCH")) == []) is ok


@pytest.mark.parametrize("today,period", [(date(2027, 1, 1), "2026-12"), (date(2026, 7, 1), "2026-06")])
def test_c23_month_end_aggregates_previous_month(today, period):
    assert a.previous_period(today) == period
    start, end = a.period_bounds(period)
    assert start.day == 1 and end.day == 1 and start < end


@pytest.mark.parametrize("declared,today,overdue", [
    (date(2026, 12, 15), date(2027, 1, 10), False), (date(2026, 12, 15), date(2027, 1, 11), True),
    (date(2026, 11, 30), date(2026, 12, 10), False), (date(2026, 11, 30), date(2026, 12, 11), True)])
def test_c19_overdue_after_the_tenth_of_next_month(declared, today, overdue):
    assert a.is_overdue(declared, "0110", today) is overdue
    assert a.is_overdue(declared, "1233", today) is False
    assert (declared < a.overdue_before(today)) is overdue  # the same line as a date bound, for SQL


@pytest.mark.parametrize("today,bound", [(date(2027, 1, 10), date(2026, 12, 1)), (date(2027, 1, 11), date(2027, 1, 1)),
                                         (date(2026, 4, 2), date(2026, 3, 1)), (date(2026, 4, 30), date(2026, 4, 1))])
def test_c19_overdue_before_is_the_first_day_not_yet_due(today, bound):
    assert a.overdue_before(today) == bound


@pytest.mark.parametrize("n,sizes", [(120, [50, 50, 20]), (50, [50]), (51, [50, 1]), (0, [])])
def test_c21_groups_split_at_fifty_items(n, sizes):
    assert a.split_sizes(n) == sizes
