"""The chart and the print of 集报清单业务统计 (C-26, P-3), drawn with reportlab's own graphics.

The page shows the chart as SVG and the printed PDF embeds the same drawing. Bars stand side by
side, never stacked: values are charted per currency and quantities per unit (each a series of
its own), so no bar ever adds USD to CNY or 台 to 千克.
"""
from __future__ import annotations

import base64
import math

from portal import clock
from portal.codes import code_labels
from portal.collection.statistics import DIMENSIONS, MEASURES, StatisticsResult

MAX_SERIES = 8
PER = {"total": "currency", "qty": "unit"}  # the measure's own split: one series per currency / unit
CHART_MEASURES = {"lists": "清单票数", "items": "商品项数", "qty": "数量（各计量单位分列，不相加）",
                  "total": "货值（各币制分列，不折算相加）"}
AXIS_LABEL = "横轴"
OMITTED_SERIES = "另有 %(n)s 个系列未画出，见下表"
NO_DATA = "（无数据）"
BROWSER_FONTS = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"  # the page's SVG only
PALETTE = ("#1f5fa8", "#e08a1e", "#2e9d5b", "#c23b3b", "#7a4fb0", "#8c6d31", "#d45fa0", "#6f7f8f")


def unit_names() -> dict[str, str]:
    """Return unit code → name (台, 千克 …), inactive units too."""
    return {code: label.split(" ", 1)[-1] for code, label in code_labels("units").items()}


def _same(text: str) -> str:
    return text


def chart_series(result: StatisticsResult, units: dict | None = None, text=_same):
    """Return (categories from the first dimension, series names, values per series, series left out).

    A series is one combination of the other dimensions — and, for values and quantities, one
    currency or unit. Every (category, series) pair is one row of a GROUP BY, so nothing is added here."""
    query = result.query
    first, per = query.group_by[0], PER.get(query.measure)
    source = {"total": result.values, "qty": result.quantities}.get(query.measure, result.rows)
    rest = [d for d in query.group_by[1:]] + ([per] if per and per != first and per not in query.group_by else [])
    units = units if units is not None else (unit_names() if "unit" in rest or first == "unit" else {})

    def shown(name: str, value) -> str:
        return units.get(value, value) if name == "unit" else str(value)

    categories = list(dict.fromkeys(shown(first, row[first]) for row in source))
    series: dict[str, dict[str, float]] = {}
    for row in source:
        name = " / ".join(shown(d, row[d]) for d in rest) or text(MEASURES[query.measure])
        series.setdefault(name, {})[shown(first, row[first])] = float(row[query.measure])
    ranked = sorted(series, key=lambda name: -max(series[name].values()))
    kept = ranked[:MAX_SERIES]
    return categories, kept, [[series[name].get(c, 0.0) for c in categories] for name in kept], len(ranked) - len(kept)


def chart_title(result: StatisticsResult, omitted: int = 0, text=_same) -> str:
    """Return the chart's title: the measure and how it is split, the axis dimension, what is left out."""
    query = result.query
    title = f"{text(CHART_MEASURES[query.measure])} · {text(AXIS_LABEL)}: {text(DIMENSIONS[query.group_by[0]])}"
    return title + (" · " + text(OMITTED_SERIES) % {"n": omitted} if omitted else "")


def chart_drawing(result: StatisticsResult, width: int = 720, height: int = 300, text=_same):
    """Draw the measure per category as grouped (side-by-side) bars with a legend (reportlab graphics);
    `text` renders the chart's own words (the page passes the current language, the PDF stays Chinese)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    font = chart_font()
    categories, names, values, omitted = chart_series(result, text=text)
    palette = [colors.HexColor(c) for c in PALETTE]
    drawing = Drawing(width, height)
    drawing.add(String(width / 2, height - 16, chart_title(result, omitted, text), fontName=font, fontSize=10,
                       textAnchor="middle"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70, 46, width - 240, height - 80
    chart.data = values or [[0]]
    chart.categoryAxis.categoryNames = [str(c) for c in categories] or [text(NO_DATA)]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(categories) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 6 else "n"
    chart.valueAxis.valueMin = 0
    chart.groupSpacing, chart.barSpacing = 8, 1
    top = max((max(column) for column in chart.data), default=0)
    counted = result.query.measure in ("lists", "items")
    if counted:  # whole ticks for counts
        chart.valueAxis.valueStep = max(1, math.ceil(top / 6))
    digits = 0 if counted or top >= 100 else 2
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


def chart_svg_data_uri(result: StatisticsResult, for_page: bool = False) -> str:
    """Return the chart as an SVG data URI: in the page's language with the browser's CJK fonts
    (`for_page`), or in Chinese with the PDF's embedded font (the print)."""
    from reportlab.graphics import renderSVG

    from portal.i18n import translate
    svg = renderSVG.drawToString(chart_drawing(result, text=translate if for_page else _same))
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    if for_page:  # the browser does not know the PDF's registered font name
        svg = svg.replace(f"font-family: {chart_font()}", f"font-family: {chart_font()}, {BROWSER_FONTS}")
    svg = svg.encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_statistics_pdf(result: StatisticsResult, enterprise_name: str) -> bytes:
    """Render the statistics table with its chart as a printable PDF (C-26, P-3); every row printed."""
    from portal.amounts import money_text, quantity_text
    from portal.pdf import Column, PrintedTable, render_pdf
    units = unit_names()
    group_by = result.query.group_by
    share = 50 / max(len(group_by), 1)
    columns = [Column(DIMENSIONS[name], name, share) for name in group_by] + [
        Column(MEASURES["lists"], "lists", 8, "right"), Column(MEASURES["items"], "items", 8, "right"),
        Column(MEASURES["qty"], "qty", 17, "right"), Column(MEASURES["total"], "total", 17, "right")]

    def per_unit(values) -> str:
        return "；".join(f"{quantity_text(qty)} {units.get(unit, unit)}" for unit, qty in values)

    def per_currency(values) -> str:
        return "；".join(f"{currency} {money_text(amount)}" for currency, amount in values)

    rows = [{**{name: units.get(row[name], row[name]) if name == "unit" else row[name] for name in group_by},
             "lists": row["lists"], "items": row["items"], "qty": per_unit(row["qty"]),
             "total": per_currency(row["total"])} for row in result.rows]
    title = "统计结果（统计维度：" + "、".join(DIMENSIONS[name] for name in group_by) + "）"
    return render_pdf("pdf/statistics.html", tables={"rows": PrintedTable(title, columns, rows)}, landscape=True,
                      caption=f"集报清单业务统计 {enterprise_name}", result=result,
                      chart=chart_svg_data_uri(result), units=units, per_unit=per_unit, per_currency=per_currency,
                      dimensions=DIMENSIONS, measures=MEASURES, enterprise_name=enterprise_name,
                      printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))
