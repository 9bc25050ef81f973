"""Module C overview pages in a real browser: start page queues, statistics, declaration query (C-19..C-26)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.collection import aggregation
from portal.extensions import db
from tests.browser.test_collection_pages import card_login
from tests.collection import builders_aggregation as agg

pytestmark = pytest.mark.browser
NOW = "2026-04-12T10:00:00"


@pytest.fixture
def consignee(make):
    """An importer with lists in March and April in USD and CNY, 台, 个 and 千克, one declaration with a named agent."""
    clock.set_fixed_now(NOW)
    who = agg.party(make, name_zh="深圳市统计示例进出口有限公司")
    broker = agg.party(make, qualification="CB", name_zh="深圳市示例报关行有限公司")
    agg.cleared_list(who.enterprise, [agg.item(qty="2", price="10000", currency="USD", unit="001", name="数控机床"),
                                      agg.item(qty="300", price="1.5", currency="CNY", unit="007", name="轴承")],
                     declared=date(2026, 3, 5))
    agg.cleared_list(who.enterprise, [agg.item(qty="1200", price="2", currency="CNY", unit="035")],
                     declared=date(2026, 3, 18))
    agg.cleared_list(who.enterprise, [agg.item(qty="5", price="800", currency="USD", unit="001")],
                     declared=date(2026, 4, 2), status=2)
    declared = agg.cleared_list(who.enterprise, [agg.item(qty="40", price="12.5", currency="USD")],
                                declared=date(2026, 4, 1))
    aggregation.request_aggregation(db.session, who.identity, [declared.center_no], broker.enterprise.registration_code)
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()
    yield who
    clock.set_fixed_now(None)


def test_module_c_home_shows_what_waits_C_19_C_24(page, consignee, screenshot):
    card_login(page, consignee.card)
    page.goto("/c/")
    expect(page.locator("#waiting-declared .sw-waiting-count")).to_have_text("1")
    expect(page.locator("#waiting-ready .sw-waiting-count")).to_have_text("2")
    expect(page.locator("#waiting-overdue .sw-waiting-count")).to_have_text("2")  # March lists, past 10 April
    screenshot(page, "collection-home-waiting")
    page.click("#waiting-overdue")
    expect(page.locator("#cleared-lists tr.sw-overdue")).to_have_count(2)


def test_statistics_page_totals_each_currency_and_unit_apart_C_26(page, consignee, screenshot):
    card_login(page, consignee.card)
    page.goto("/collection/statistics?from=2026-03-01&to=2026-04-30&group_by=period&measure=total")
    totals = page.locator("#statistics-totals")
    expect(totals).to_contain_text("USD 24,500.00")
    expect(totals).to_contain_text("CNY 2,850.00")
    expect(totals).to_contain_text("1,240 千克")
    expect(page.locator("#statistics-note")).to_contain_text("不提供折算后的总货值")
    screenshot(page, "collection-statistics-by-currency")


def test_declaration_query_opens_on_the_consignee_role_C_24(page, consignee, screenshot):
    card_login(page, consignee.card)
    page.goto("/c/declarations")
    expect(page.locator("#q-role")).to_have_value("CONSIGNEE")
    expect(page.locator("#declaration-table tbody tr")).to_have_count(1)
    expect(page.locator("#declaration-table")).to_contain_text("深圳市示例报关行有限公司")
    screenshot(page, "collection-declaration-query-consignee")


def test_aggregation_answer_links_to_the_request_C_20(page, consignee, screenshot):
    card_login(page, consignee.card)
    page.goto("/c/aggregation")
    page.check("#check-all")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#btn-aggregate")
    expect(page.locator(".alert-success")).to_contain_text("汇总成功")
    screenshot(page, "collection-aggregation-answer", full_page=False)
    with page.expect_navigation():
        page.click("#aggregation-request-link")
    expect(page.locator("#pending-note")).to_be_visible()
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()
    page.click("#btn-refresh")
    expect(page.locator("#request-declarations tbody tr a").first).to_have_text(re.compile(r"^D\d{17}$"))
    screenshot(page, "collection-aggregation-request")
