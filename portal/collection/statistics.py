"""集报清单业务统计 (C-26): counts, quantities and values of the enterprise's lists, by SQL GROUP BY.

Lists count when customs kept them (statuses 2, 7, 9–15: declared and not failed, returned or
revoked) and their declare date is in the chosen range. Rows are grouped by any of month, list
type, customs, currency and unit. Amounts in different currencies and quantities in different
units are never added: every row (and the totals) carries one value per currency and one quantity
per unit, each summed by the database (GROUP BY the row's groups + currency, or + unit). A grand
total across currencies would need exchange rates, which the portal does not keep, so there is none.
With currency (or unit) among the groups a list with items in two currencies counts in both rows.
The chart is drawn by portal/collection/statistics_chart.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import extract, func, select

from portal import clock
from portal.models import ListHead, ListItem
from rules.lists import LICENCE_USING_STATUSES, LIST_TYPE_NAMES
from rules.violations import RuleError, Violation

COUNTED_STATUSES = LICENCE_USING_STATUSES
DIMENSIONS = {"period": "统计期间（月）", "list_type": "清单类型", "customs_code": "申报地海关", "currency": "币制",
              "unit": "计量单位"}
MEASURES = {"lists": "清单票数", "items": "商品项数", "qty": "数量合计（按单位）", "total": "货值合计（按币制）"}
MAX_DAYS = 366 * 3
ITEM_COLUMNS = {"currency": ListItem.currency, "unit": ListItem.unit}  # the dimensions read from the items


@dataclass
class StatisticsQuery:
    """What to count: the declare-date range, the grouping, optional filters and the charted measure."""

    date_from: date
    date_to: date
    group_by: tuple[str, ...] = ("period",)
    measure: str = "lists"
    list_type: str | None = None
    customs_code: str | None = None


@dataclass
class StatisticsResult:
    """The table rows (one per group) and the totals, each with lists, items, `qty` as [(unit, sum)] and
    `total` as [(currency, sum)]; `values` and `quantities` are the same sums as rows per group and
    currency (unit), what the chart draws."""

    query: StatisticsQuery
    rows: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    values: list[dict] = field(default_factory=list)
    quantities: list[dict] = field(default_factory=list)


def default_range(today: date | None = None) -> tuple[date, date]:
    """Return the last twelve months up to today."""
    today = today or clock.today()
    start = date(today.year - 1, today.month, 1) if today.month < 12 else date(today.year, 1, 1)
    return start, today


def parse_query(args) -> StatisticsQuery:
    """Build a query from form or URL arguments; raise 422 with every C-26 violation."""
    violations = []
    start, end = default_range()
    dates = {}
    for name, fallback in (("from", start), ("to", end)):
        text = (args.get(name) or "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else fallback
        except ValueError:
            violations.append(Violation("C-26", name, "日期格式应为 YYYY-MM-DD"))
    raw = args.getlist("group_by") if hasattr(args, "getlist") else [args.get("group_by") or ""]
    group_by = tuple(dict.fromkeys(g.strip() for part in raw for g in str(part).split(",") if g.strip()))
    group_by = group_by or ("period",)
    violations += [Violation("C-26", "group_by", f"不支持的统计维度：{g}") for g in group_by if g not in DIMENSIONS]
    measure = args.get("measure") or "lists"
    if measure not in MEASURES:
        violations.append(Violation("C-26", "measure", f"不支持的统计指标：{measure}"))
    if not violations and dates["from"] > dates["to"]:
        violations.append(Violation("C-26", "from", "起始日期不能晚于截止日期"))
    elif not violations and (dates["to"] - dates["from"]).days > MAX_DAYS:
        violations.append(Violation("C-26", "to", "统计区间最长三年"))
    if violations:
        raise RuleError(violations)
    return StatisticsQuery(dates["from"], dates["to"], group_by, measure, (args.get("list_type") or None),
                           (args.get("customs_code") or None))


def _columns(names) -> list:
    columns = []
    for name in names:
        if name == "period":
            columns += [extract("year", ListHead.declare_date).label("year"),
                        extract("month", ListHead.declare_date).label("month")]
        elif name in ITEM_COLUMNS:
            columns.append(ITEM_COLUMNS[name].label(name))
        else:
            columns.append(getattr(ListHead, name).label(name))
    return columns


def _filtered(query, enterprise_id: int, spec: StatisticsQuery):
    query = (query.select_from(ListItem).join(ListHead, ListHead.id == ListItem.list_id)
             .where(ListHead.enterprise_id == enterprise_id, ListHead.status.in_(COUNTED_STATUSES),
                    ListHead.declare_date >= spec.date_from, ListHead.declare_date <= spec.date_to))
    if spec.list_type:
        query = query.where(ListHead.list_type == spec.list_type)
    if spec.customs_code:
        query = query.where(ListHead.customs_code == spec.customs_code)
    return query


def _grouped(session, identity, spec: StatisticsQuery, names, measures) -> list:
    """Run one GROUP BY over the filtered items: `names` as groups, `measures` as aggregate columns."""
    columns = _columns(names)
    query = _filtered(select(*columns, *measures), identity.enterprise_id, spec)
    if columns:
        query = query.group_by(*columns).order_by(*columns)
    return session.execute(query).all()


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _label(name: str, row) -> str:
    if name == "period":
        return f"{int(row.year):04d}-{int(row.month):02d}"
    value = getattr(row, name)
    return LIST_TYPE_NAMES.get(value, value) if name == "list_type" else value


def _sums(session, identity, spec: StatisticsQuery, per: str, column, label: str) -> list[dict]:
    """Return {groups…, per: code, label: sum} per group and currency (or unit), summed by the database."""
    names = list(spec.group_by) + ([per] if per not in spec.group_by else [])
    rows = _grouped(session, identity, spec, names, [func.coalesce(func.sum(column), 0).label(label)])
    return [{**{name: _label(name, row) for name in names}, label: _decimal(getattr(row, label))} for row in rows]


def list_statistics(session, identity, spec: StatisticsQuery) -> StatisticsResult:
    """Count the enterprise's lists and items per group over the range; sum quantities per unit and values
    per currency, each apart (C-26). Six GROUP BY statements; no row of a list is read into Python."""
    identity.require_module_c()
    counts = [func.count(func.distinct(ListHead.id)).label("lists"), func.count(ListItem.id).label("items")]
    values = _sums(session, identity, spec, "currency", ListItem.total, "total")
    quantities = _sums(session, identity, spec, "unit", ListItem.qty, "qty")
    rows = {}
    for row in _grouped(session, identity, spec, spec.group_by, counts):
        labels = {name: _label(name, row) for name in spec.group_by}
        rows[tuple(labels.values())] = {**labels, "lists": row.lists, "items": row.items, "qty": [], "total": []}
    for sums, per, measure in ((values, "currency", "total"), (quantities, "unit", "qty")):
        for entry in sums:
            rows[tuple(entry[name] for name in spec.group_by)][measure].append((entry[per], entry[measure]))
    overall = _grouped(session, identity, spec, (), counts)[0]
    totals = {"lists": overall.lists, "items": overall.items,
              "total": [(r.currency, _decimal(r.total)) for r in _grouped(
                  session, identity, spec, ("currency",), [func.coalesce(func.sum(ListItem.total), 0).label("total")])],
              "qty": [(r.unit, _decimal(r.qty)) for r in _grouped(
                  session, identity, spec, ("unit",), [func.coalesce(func.sum(ListItem.qty), 0).label("qty")])]}
    return StatisticsResult(spec, list(rows.values()), totals, values, quantities)
