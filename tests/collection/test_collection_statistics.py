"""集报清单业务统计: SQL GROUP BY over the enterprise's lists, table, chart and print (C-26, P-3)."""
from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from portal import clock
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


def test_statistics_count_lists_items_quantities_and_values_per_group_C_26(client, trader):
    by_month = stats(client, trader, "from=2026-01-01&to=2026-03-31&group_by=period").json
    assert [(r["period"], r["lists"], r["items"], Decimal(r["qty"]), Decimal(r["total"])) for r in by_month["rows"]] \
        == [("2026-02", 1, 1, 6, Decimal("15")), ("2026-03", 3, 4, 17, Decimal("42.5"))]
    assert (by_month["totals"]["lists"], Decimal(by_month["totals"]["qty"])) == (4, 23)
    detailed = stats(client, trader, "from=2026-03-01&to=2026-03-31&group_by=list_type,customs_code,currency").json
    assert [(r["list_type"], r["customs_code"], r["currency"], r["lists"], Decimal(r["qty"]))
            for r in detailed["rows"]] == [("出口一般贸易集报清单", "5301", "USD", 1, 1),
                                           ("进口一般贸易集报清单", "5300", "CNY", 1, 2),
                                           ("进口一般贸易集报清单", "5300", "USD", 2, 14)]
    filtered = stats(client, trader, "from=2026-03-01&to=2026-03-31&customs_code=5301").json
    assert filtered["totals"]["lists"] == 1


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
    assert svg.count("<rect") > 3 and "2026-02" in svg and "CNY" in svg
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
