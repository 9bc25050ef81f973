"""集报清单业务统计 (C-26): counts, quantities and values of the enterprise's lists, one SQL GROUP BY.

Lists count when customs kept them (statuses 2, 7, 9–15: declared and not failed, returned or
revoked) and their declare date is in the chosen range. Rows are grouped by any of month,
list type, customs and currency; with currency among the groups a list with items in two
currencies counts in both rows. The chart is drawn with reportlab's own graphics: the page shows
it as SVG and the printed PDF embeds the same drawing (P-3).
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import extract, func, select

from portal import clock
from portal.models import ListHead, ListItem
from rules.lists import LICENCE_USING_STATUSES, LIST_TYPE_NAMES
from rules.violations import RuleError, Violation

COUNTED_STATUSES = LICENCE_USING_STATUSES
DIMENSIONS = {"period": "统计期间（月）", "list_type": "清单类型", "customs_code": "申报地海关", "currency": "币制"}
MEASURES = {"lists": "清单票数", "items": "商品项数", "qty": "数量合计", "total": "货值合计（原币）"}
MAX_DAYS = 366 * 3
MAX_SERIES = 8
OTHER = "其他"


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
    """The table rows (one per group), the overall totals and the query they answer."""

    query: StatisticsQuery
    rows: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)


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


def _dimension_columns(group_by):
    columns = []
    for name in group_by:
        if name == "period":
            columns += [extract("year", ListHead.declare_date).label("year"),
                        extract("month", ListHead.declare_date).label("month")]
        elif name == "currency":
            columns.append(ListItem.currency.label("currency"))
        else:
            columns.append(getattr(ListHead, name).label(name))
    return columns


def _measures():
    return [func.count(func.distinct(ListHead.id)).label("lists"), func.count(ListItem.id).label("items"),
            func.coalesce(func.sum(ListItem.qty), 0).label("qty"),
            func.coalesce(func.sum(ListItem.total), 0).label("total")]


def _filtered(query, enterprise_id: int, spec: StatisticsQuery):
    query = (query.select_from(ListItem).join(ListHead, ListHead.id == ListItem.list_id)
             .where(ListHead.enterprise_id == enterprise_id, ListHead.status.in_(COUNTED_STATUSES),
                    ListHead.declare_date >= spec.date_from, ListHead.declare_date <= spec.date_to))
    if spec.list_type:
        query = query.where(ListHead.list_type == spec.list_type)
    if spec.customs_code:
        query = query.where(ListHead.customs_code == spec.customs_code)
    return query


def _label(name: str, row) -> str:
    if name == "period":
        return f"{int(row.year):04d}-{int(row.month):02d}"
    value = getattr(row, name)
    return LIST_TYPE_NAMES.get(value, value) if name == "list_type" else value


def list_statistics(session, identity, spec: StatisticsQuery) -> StatisticsResult:
    """Count the enterprise's lists, items, quantities and values per group over the range (C-26)."""
    identity.require_module_c()
    dimensions = _dimension_columns(spec.group_by)
    grouped = _filtered(select(*dimensions, *_measures()), identity.enterprise_id, spec)
    rows = []
    for row in session.execute(grouped.group_by(*dimensions).order_by(*dimensions)):
        labels = {name: _label(name, row) for name in spec.group_by}
        rows.append({**labels, "lists": row.lists, "items": row.items, "qty": row.qty, "total": row.total})
    total = session.execute(_filtered(select(*_measures()), identity.enterprise_id, spec)).one()
    return StatisticsResult(spec, rows, {"lists": total.lists, "items": total.items, "qty": total.qty,
                                         "total": total.total})


# ---- the chart ---------------------------------------------------------------------------------------
def chart_series(result: StatisticsResult) -> tuple[list[str], list[str], list[list[float]]]:
    """Return (categories from the first dimension, series from the others, values) for the chart."""
    first, rest = result.query.group_by[0], result.query.group_by[1:]
    measure = result.query.measure
    categories = list(dict.fromkeys(row[first] for row in result.rows))
    sums: dict[str, dict[str, float]] = {}
    for row in result.rows:
        name = " / ".join(str(row[d]) for d in rest) or MEASURES[measure]
        sums.setdefault(name, {}).setdefault(row[first], 0.0)
        sums[name][row[first]] += float(row[measure])
    ranked = sorted(sums, key=lambda name: -sum(sums[name].values()))
    if len(ranked) > MAX_SERIES:
        other: dict[str, float] = {}
        for name in ranked[MAX_SERIES - 1:]:
            for category, value in sums.pop(name).items():
                other[category] = other.get(category, 0.0) + value
        ranked = ranked[:MAX_SERIES - 1] + [OTHER]
        sums[OTHER] = other
    return categories, ranked, [[sums[name].get(c, 0.0) for c in categories] for name in ranked]


def chart_drawing(result: StatisticsResult, width: int = 720, height: int = 300):
    """Draw the measure per category as a (stacked) bar chart with a legend (reportlab graphics)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    font = chart_font()
    categories, names, values = chart_series(result)
    palette = [colors.HexColor(c) for c in ("#1f5fa8", "#e08a1e", "#2e9d5b", "#c23b3b", "#7a4fb0", "#8c6d31",
                                            "#d45fa0", "#6f7f8f")]
    drawing = Drawing(width, height)
    title = f"{MEASURES[result.query.measure]}（按{DIMENSIONS[result.query.group_by[0]]}）"
    drawing.add(String(width / 2, height - 16, title, fontName=font, fontSize=11, textAnchor="middle"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 46, width - 230, height - 80
    chart.data = values or [[0]]
    chart.categoryAxis.categoryNames = [str(c) for c in categories] or ["（无数据）"]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(categories) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 6 else "n"
    chart.valueAxis.valueMin = 0
    stacked = len(chart.data) > 1
    if stacked:
        chart.categoryAxis.style = "stacked"  # sparse series read better stacked than side by side
    counted = result.query.measure in ("lists", "items")
    if counted:  # whole ticks for counts
        top = max(sum(column) for column in zip(*chart.data)) if stacked else max(chart.data[0])
        chart.valueAxis.valueStep = max(1, math.ceil(top / 6))
    digits = 0 if counted else 2
    chart.valueAxis.labelTextFormat = lambda value: f"{value:,.{digits}f}"
    for index in range(len(chart.data)):
        chart.bars[index].fillColor = palette[index % len(palette)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = width - 160, height - 40, font, 8
    legend.alignment = "right"
    legend.colorNamePairs = [(palette[i % len(palette)], name) for i, name in enumerate(names)]
    drawing.add(legend)
    return drawing


def chart_font() -> str:
    """Register the PDF CJK font for reportlab drawings once; return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from portal.pdf import font_path
    name = "SwChart"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(font_path()), subfontIndex=0))
    return name


def chart_svg_data_uri(result: StatisticsResult) -> str:
    """Return the chart as an SVG data URI (shown in the page and embedded in the PDF)."""
    from reportlab.graphics import renderSVG
    svg = renderSVG.drawToString(chart_drawing(result))
    if isinstance(svg, str):
        svg = svg.encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_statistics_pdf(result: StatisticsResult, enterprise_name: str) -> bytes:
    """Render the statistics table with its chart as a printable PDF (C-26, P-3)."""
    from portal.pdf import Column, PrintedTable, render_pdf
    group_by = result.query.group_by
    share = 60 / max(len(group_by), 1)
    columns = [Column(DIMENSIONS[name], name, share) for name in group_by] + [
        Column(MEASURES[key], key, 10, "right") for key in ("lists", "items", "qty", "total")]
    rows = [{**{name: row[name] for name in group_by}, "lists": row["lists"], "items": row["items"],
             "qty": f"{row['qty']:,.4f}", "total": f"{row['total']:,.2f}"} for row in result.rows]
    title = "统计结果（统计维度：" + "、".join(DIMENSIONS[name] for name in group_by) + "）"
    return render_pdf("pdf/statistics.html", tables={"rows": PrintedTable(title, columns, rows)}, landscape=True,
                      caption=f"集报清单业务统计 {enterprise_name}", result=result,
                      chart=chart_svg_data_uri(result),
                      dimensions=DIMENSIONS, measures=MEASURES, enterprise_name=enterprise_name,
                      group_labels="、".join(DIMENSIONS[name] for name in result.query.group_by),
                      printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))
