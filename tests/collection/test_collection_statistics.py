"""集报清单业务统计: SQL GROUP BY over the enterprise's lists, table, chart and print (C-26, P-3)."""
from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from portal import clock
from portal.extensions import db
from tests.collection import builders_aggregation as b
from tests.test_pdf import assert_cjk_font_embedded, pdf_text

NOW = "2026-04-02T10:00:00"


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


@pytest.fixture
def trader(make, client):
    """A consignee with lists in March and February 2026, in several types, customs, currencies and statuses."""
    who = b.party(make, client)
    b.cleared_list(who.enterprise, [b.item(qty="10"), b.item(qty="2", currency="CNY")], declared=date(2026, 3, 5))
    b.cleared_list(who.enterprise, [b.item(qty="4")], declared=date(2026, 3, 20), status=13)
    b.cleared_list(who.enterprise, [b.item(qty="1")], declared=date(2026, 3, 21), customs="5301",
                   list_type="EXPORT_GENERAL", status=7)
    b.cleared_list(who.enterprise, [b.item(qty="6")], declared=date(2026, 2, 11), status=2)
    for skipped in (1, 3, 4, 16):  # drafts, failed, returned and revoked lists do not count
        b.cleared_list(who.enterprise, [b.item(qty="100")], declared=date(2026, 3, 6), status=skipped)
    b.cleared_list(b.party(make).enterprise, [b.item(qty="100")], declared=date(2026, 3, 6))  # another enterprise
    return who


def stats(client, who, query: str):
    return client.get("/api/v1/statistics?" + query, headers=who.headers)


def per_unit(row) -> dict:
    return {q["unit"]: Decimal(q["qty"]) for q in row["qty_by_unit"]}


def per_currency(row) -> dict:
    return {t["currency"]: Decimal(t["total"]) for t in row["total_by_currency"]}


def test_statistics_count_lists_items_quantities_and_values_per_group_C_26(client, trader):
    by_month = stats(client, trader, "from=2026-01-01&to=2026-03-31&group_by=period").json
    assert [(r["period"], r["lists"], r["items"], per_unit(r), per_currency(r)) for r in by_month["rows"]] \
        == [("2026-02", 1, 1, {"035": 6}, {"USD": Decimal("15")}),
            ("2026-03", 3, 4, {"035": 17}, {"CNY": Decimal("5"), "USD": Decimal("37.5")})]
    assert (by_month["totals"]["lists"], per_unit(by_month["totals"])) == (4, {"035": 23})
    detailed = stats(client, trader, "from=2026-03-01&to=2026-03-31&group_by=list_type,customs_code,currency").json
    assert [(r["list_type"], r["customs_code"], r["currency"], r["lists"], per_unit(r))
            for r in detailed["rows"]] == [("出口一般贸易集报清单", "5301", "USD", 1, {"035": 1}),
                                           ("进口一般贸易集报清单", "5300", "CNY", 1, {"035": 2}),
                                           ("进口一般贸易集报清单", "5300", "USD", 2, {"035": 14})]
    filtered = stats(client, trader, "from=2026-03-01&to=2026-03-31&customs_code=5301").json
    assert filtered["totals"]["lists"] == 1


def test_c26_values_per_currency_and_quantities_per_unit_are_never_added(make, client):
    who = b.party(make, client)
    b.cleared_list(who.enterprise, [b.item(qty="2", price="10000", currency="USD", unit="001"),
                                    b.item(qty="3", price="1.5", currency="CNY", unit="007"),
                                    b.item(qty="1000", price="2", currency="CNY", unit="035")],
                   declared=date(2026, 3, 5))
    b.cleared_list(who.enterprise, [b.item(qty="1", price="0.5", currency="USD", unit="001")],
                   declared=date(2026, 3, 9))
    answer = stats(client, who, "from=2026-03-01&to=2026-03-31&group_by=period").json
    (march,) = answer["rows"]
    assert per_currency(march) == {"CNY": Decimal("2004.50"), "USD": Decimal("20000.50")}
    assert per_unit(march) == {"001": 3, "007": 3, "035": 1000}
    assert per_currency(answer["totals"]) == per_currency(march) and per_unit(answer["totals"]) == per_unit(march)
    assert "total" not in answer["totals"] and "qty" not in answer["totals"]  # no sum across currencies or units
    by_unit = stats(client, who, "from=2026-03-01&to=2026-03-31&group_by=unit").json["rows"]
    assert [(r["unit"], r["lists"], per_unit(r)) for r in by_unit] == [("001", 2, {"001": 3}), ("007", 1, {"007": 3}),
                                                                      ("035", 1, {"035": 1000})]
    make.login(client, card=who.card)
    html = client.get("/collection/statistics?from=2026-03-01&to=2026-03-31&group_by=period&measure=total")\
        .get_data(as_text=True)
    totals = html.split('id="statistics-totals"')[1].split("</tr>")[0]
    assert "20,000.50" in totals and "2,004.50" in totals and "22,005.00" not in html
    assert "1,000" in totals and "千克" in totals and "台" in totals and "1,006" not in totals
    assert 'id="statistics-note"' in html


def test_c26_chart_groups_values_by_currency_side_by_side(make, client):
    from portal.collection.statistics import StatisticsQuery, list_statistics
    from portal.collection.statistics_chart import chart_drawing, chart_series
    who = b.party(make, client)
    b.cleared_list(who.enterprise, [b.item(qty="2", price="100", currency="USD"),
                                    b.item(qty="3", price="10", currency="CNY")], declared=date(2026, 2, 5))
    b.cleared_list(who.enterprise, [b.item(qty="1", price="7", currency="CNY")], declared=date(2026, 3, 5))
    result = list_statistics(db.session, who.identity, StatisticsQuery(date(2026, 1, 1), date(2026, 3, 31),
                                                                       ("period",), "total"))
    categories, names, values, omitted = chart_series(result)
    assert categories == ["2026-02", "2026-03"] and sorted(names) == ["CNY", "USD"] and omitted == 0
    assert dict(zip(names, values)) == {"USD": [200.0, 0.0], "CNY": [30.0, 7.0]}
    chart = next(shape for shape in chart_drawing(result).contents if hasattr(shape, "categoryAxis"))
    assert chart.categoryAxis.style != "stacked"
    quantities = list_statistics(db.session, who.identity, StatisticsQuery(date(2026, 1, 1), date(2026, 3, 31),
                                                                           ("period",), "qty"))
    assert chart_series(quantities, units={"035": "千克"})[1] == ["千克"]


def test_c26_chart_on_the_page_follows_the_language_and_the_print_stays_chinese_X_4(make, client):
    who = b.party(make, client)
    b.cleared_list(who.enterprise, [b.item(currency="USD")], declared=date(2026, 3, 5))
    make.login(client, card=who.card)
    query = "from=2026-03-01&to=2026-03-31&group_by=period&measure=total"

    def chart_of(html: str) -> str:
        return base64.b64decode(html.split('src="data:image/svg+xml;base64,', 1)[1].split('"')[0]).decode("utf-8")
    chinese = chart_of(client.get(f"/collection/statistics?{query}").get_data(as_text=True))
    english = chart_of(client.get(f"/collection/statistics?{query}&lang=en").get_data(as_text=True))
    assert "各币制分列" in chinese and "X axis" in english and "各币制分列" not in english
    assert "sans-serif" in english  # the browser's CJK fonts, not only the PDF's registered name
    printed = pdf_text(client.get(f"/collection/statistics/print.pdf?{query}").data)
    assert "各币制分列" in printed or "货值合计" in printed


def test_c26_grouping_and_sums_are_done_by_sql_group_by(make, client):
    from sqlalchemy import event
    from portal.collection.statistics import StatisticsQuery, list_statistics
    who = b.party(make, client)
    for day in range(1, 21):
        b.cleared_list(who.enterprise, [b.item(), b.item(currency="CNY")], declared=date(2026, 3, day))
    statements = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, …)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = list_statistics(db.session, who.identity, StatisticsQuery(date(2026, 3, 1), date(2026, 3, 31)))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(result.rows) == 1 and result.rows[0]["lists"] == 20
    over_items = [s for s in statements if "FROM list_items" in s]  # (the rest load the acting card login)
    assert len(over_items) == 6 and all("GROUP BY" in s or "count(" in s.lower() for s in over_items)


def test_statistics_refuse_a_bad_range_or_grouping_C_26(client, trader):
    for query in ("from=2026-04-01&to=2026-03-01", "from=2026-13-01", "group_by=colour", "from=2020-01-01&to=2026-01-01"):
        refused = stats(client, trader, query)
        assert refused.status_code == 422 and {v["rule"] for v in refused.json["error"]["violations"]} == {"C-26"}


def test_statistics_page_shows_table_and_chart_and_prints_C_26_P_3(make, client, trader):
    make.login(client, card=trader.card)
    page = client.get("/collection/statistics?from=2026-01-01&to=2026-03-31&group_by=period&group_by=currency")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="statistics-table"' in html and "2026-03" in html
    chart = html.split('id="statistics-chart"')[0].rsplit('src="data:image/svg+xml;base64,', 1)[1].split('"')[0]
    svg = base64.b64decode(chart).decode("utf-8")
    assert svg.count("<rect") > 3 and "2026-02" in svg
    printed = client.get("/collection/statistics/print.pdf?from=2026-01-01&to=2026-03-31&group_by=period")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    text = pdf_text(printed.data)
    assert "集报清单业务统计" in text and "2026-03" in text and "清单票数" in text
    assert_cjk_font_embedded(printed.data)
    bad = client.get("/collection/statistics?from=2026-04-01&to=2026-03-01")
    assert bad.status_code == 422 and "C-26" in bad.get_data(as_text=True)


def test_statistics_page_needs_a_card_login_U_5(make, client, trader):
    make.login(client, user=trader.user)
    assert client.get("/collection/statistics").status_code == 403
