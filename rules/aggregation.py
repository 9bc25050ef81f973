"""Aggregation into declarations (C-19..C-23): selection checks and the rule tables as data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from rules.lifecycles_collection import AGGREGATE_LIST, REQUEST_LIST_AGGREGATION
from rules.violations import Violation

AGGREGATABLE_STATUS = REQUEST_LIST_AGGREGATION.sources[0]   # C-19: only 已结关 lists
PENDING_STATUS = REQUEST_LIST_AGGREGATION.target            # C-19: 待汇总
DONE_STATUS = AGGREGATE_LIST.target                         # C-19: 已汇总
# C-21: lists share a declaration only when these list-head columns are equal.
GROUP_KEYS = ("enterprise_id", "customs_code", "ie_flag", "trade_mode", "filing_no", "transport_mode", "agent_code")
# C-21: items merge into one declaration item when these columns are equal.
MERGE_KEYS = ("hs_code", "name", "spec", "unit", "country", "currency")
MAX_DECLARATION_ITEMS = 50     # C-21
DEADLINE_DAY = 10              # C-19: general lists of month M aggregated by the 10th of M+1
GENERAL_TRADE_MODE = "0110"


@dataclass(frozen=True)
class SelectedList:
    """A list chosen for aggregation."""

    center_no: str
    status: int
    declare_date: date | None
    aggregation_id: int | None = None


def selection_violations(lists: Sequence[SelectedList], missing: Iterable[str] = ()) -> list[Violation]:
    """C-19: lists exist, are 已结关, not in another aggregation, and share one declare year."""
    found = [Violation("C-19", "list_nos", f"清单 {no} 不存在") for no in missing]
    if not lists and not found:
        found.append(Violation("C-19", "list_nos", "请至少选择一张已结关的清单"))
    for item in lists:
        if item.aggregation_id is not None or item.status in (PENDING_STATUS, DONE_STATUS):
            found.append(Violation("C-19", "list_nos", f"清单 {item.center_no} 已在其他汇总申请中"))
        elif item.status != AGGREGATABLE_STATUS:
            found.append(Violation("C-19", "list_nos", f"清单 {item.center_no} 不是已结关状态，不能汇总"))
    years = {item.declare_date.year for item in lists if item.declare_date}
    if len(years) > 1:
        found.append(Violation("C-19", "list_nos", "一次汇总不能跨年度（清单申报日期分属 " +
                               "、".join(str(y) for y in sorted(years)) + " 年）"))
    return found


def agent_violations(agent_code: str | None, agent_found: bool, agent_types: Iterable[str],
                     allowed_types: Iterable[str]) -> list[Violation]:
    """C-20: a named agent is a 10-digit customs code of an enterprise with a valid allowed type."""
    if agent_code is None or agent_code == "":
        return []
    if not (len(agent_code) == 10 and agent_code.isalnum()):
        return [Violation("C-20", "agent_code", "报关申报单位须为 10 位海关编码，或选择“不指定”")]
    if not agent_found:
        return [Violation("C-20", "agent_code", f"海关编码 {agent_code} 没有对应的企业")]
    if not set(agent_types) & set(allowed_types):
        return [Violation("C-20", "agent_code", f"海关编码 {agent_code} 的企业没有有效的报关企业（或分支机构）资质")]
    return []


def previous_period(today: date) -> str:
    """C-23: the YYYY-MM period before the month of `today`."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def period_bounds(period: str) -> tuple[date, date]:
    """Return the first day of the period and the first day of the next month."""
    year, month = (int(p) for p in period.split("-"))
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def overdue_deadline(declare_date: date) -> date:
    """C-19: the last day a general list declared on `declare_date` may be aggregated."""
    year, month = (declare_date.year, declare_date.month + 1) if declare_date.month < 12 \
        else (declare_date.year + 1, 1)
    return date(year, month, DEADLINE_DAY)


def overdue_before(today: date) -> date:
    """C-19: general lists declared before this day are past their deadline today (the 10th of the next month)."""
    month_start = date(today.year, today.month, 1)
    if today.day > DEADLINE_DAY:
        return month_start
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def is_overdue(declare_date: date | None, trade_mode: str | None, today: date) -> bool:
    """C-19: a general-trade list not aggregated by the 10th of the next month is overdue."""
    return bool(declare_date) and trade_mode == GENERAL_TRADE_MODE and today > overdue_deadline(declare_date)


def split_sizes(distinct_items: int, limit: int = MAX_DECLARATION_ITEMS) -> list[int]:
    """C-21: sizes of the declarations a group of merged items splits into (50, 50, 20 …)."""
    sizes = []
    remaining = distinct_items
    while remaining > 0:
        sizes.append(min(limit, remaining))
        remaining -= sizes[-1]
    return sizes
