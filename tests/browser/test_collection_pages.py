"""Module C pages in a real browser: a card login fills a 集报清单, sees its refusals, files products (C-4..C-11)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.collection import builders_lists as b

pytestmark = pytest.mark.browser


def card_login(page, card) -> None:
    """Log in on the card tab of the login page."""
    page.goto("/login")
    page.get_by_role("tab", name="卡介质登录").click()
    page.fill("#card_no", card.card_no)
    page.fill("#pin", "123456")
    with page.expect_navigation():
        page.click("#login-card")


def choose(page, select_id: str, term: str) -> None:
    """Pick a searchable dropdown option the way a clerk does: open it, type, press Enter."""
    page.click(f"#s2id_{select_id} a.select2-choice")
    page.fill(".select2-drop-active:visible input.select2-input", term)
    expect(page.locator(".select2-drop-active:visible .select2-result-selectable").first).to_be_visible()
    page.keyboard.press("Enter")


def trader(make):
    """An enterprise with a valid IE qualification, an approved filing and volume, and a card."""
    enterprise = make.enterprise("深圳市集报示例贸易有限公司", registration_code="4403961234")
    make.qualification(enterprise, "IE")
    card = make.card(make.user(enterprise, role="ent_admin", name="陈报关"))
    volume = b.volume(b.filing(enterprise))
    return enterprise, card, volume


def test_card_login_fills_a_list_and_sees_the_refusals_beside_the_fields_C_10_C_11(page, make, screenshot):
    _enterprise, card, volume = trader(make)
    card_login(page, card)

    page.click("#nav-module-c")
    page.get_by_role("link", name="进口一般贸易集报清单").first.click()
    expect(page.locator("#list-title")).to_have_text("进口一般贸易集报清单")
    expect(page.locator("#sys-declare_date")).to_have_attribute("readonly", "")
    screenshot(page, "collection-list-form-empty")

    choose(page, "f-customs_code", "5300")
    page.fill("#f-filing_no", volume.customs_volume_no)
    page.select_option("#f-transport_mode", "4")
    page.fill("#f-packages", "3")
    page.fill("#f-gross_weight", "100")
    page.fill("#f-net_weight", "120")
    page.fill("#f-items-0-filing_seq", "1")
    page.press("#f-items-0-filing_seq", "Enter")  # 回车调出备案商品信息
    expect(page.locator("#grid-items tbody tr").nth(0).locator("[data-col=hs_code]")).to_have_value("0303890000")
    page.fill("#f-items-0-qty", "10")
    page.fill("#f-items-0-unit_price", "2.5")
    expect(page.locator("#grid-items tbody tr").nth(0).locator("[data-col=total]")).to_have_value("25.00")
    page.fill("#f-items-0-currency", "USD")
    page.fill("#f-items-0-country", "AUS")
    page.fill("#f-items-1-filing_seq", "2")
    page.fill("#f-items-1-qty", "0")
    page.fill("#f-items-1-unit_price", "1000")
    page.fill("#f-items-1-currency", "USD")
    page.fill("#f-items-1-country", "AUS")
    page.click("#btn-declare")

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("申报未成功")
    expect(summary).to_contain_text("C-11")
    expect(page.locator("#f-net_weight ~ .sw-error")).to_contain_text("净重不能大于毛重")
    expect(page.locator("#f-items-1-qty ~ .sw-error")).to_contain_text("数量必须大于 0")
    expect(page.locator("#sys-center_no")).to_have_value(re.compile(r"^\w{18}$"))  # kept as a draft
    expect(page.locator("#grid-items tbody tr").nth(1).locator("[data-col=name]")).to_have_value("笔记本电脑")
    screenshot(page, "collection-list-form-errors")

    page.fill("#f-net_weight", "90")
    page.fill("#f-items-1-qty", "3")
    page.click("#btn-declare")
    expect(page.locator(".alert-success")).to_contain_text("申报成功")
    expect(page.locator("#read-only-note")).to_be_visible()
    screenshot(page, "collection-list-declared")


def test_card_login_files_products_and_sees_which_volume_they_went_to_C_4(page, make, screenshot):
    enterprise, card, _volume = trader(make)
    draft = b.filing(enterprise, status="ENTERED")
    card_login(page, card)

    page.goto(f"/c/filings/{draft.center_no}")
    expect(page.locator("#sys-enterprise_customs_code")).to_have_value("4403961234")
    page.fill("#f-guarantee_valid_until", "20271350")
    page.press("#f-guarantee_valid_until", "Tab")  # checked when the cursor leaves the field
    expect(page.locator("#f-guarantee_valid_until ~ .sw-date-note")).to_contain_text("yyyyMMdd")
    page.fill("#f-guarantee_valid_until", "20271231")

    rows = page.locator("#grid-items tbody tr")
    for index, (hs_code, name) in enumerate((("8471300000", "笔记本电脑"), ("8471410000", "台式电脑"))):
        page.fill(f"#f-items-{index}-hs_code", hs_code)
        page.fill(f"#f-items-{index}-name", name)
        page.fill(f"#f-items-{index}-unit", "001")
    rows.nth(1).locator(".sw-grid-insert").click()  # a row before the second one
    page.fill("#f-items-1-hs_code", "8471500000")
    page.fill("#f-items-1-name", "服务器")
    page.fill("#f-items-1-unit", "001")
    screenshot(page, "collection-filing-products")
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    page.click("#btn-add-products")
    expect(page.locator(".alert-success")).to_contain_text("第 1–3 项 → 分册")
    expect(page.locator("#volume-table .sw-item-count")).to_have_text(["3"])
    assert warnings and "未暂存的修改" in warnings[0]  # the typed 担保有效期 was not saved with the products
    screenshot(page, "collection-filing-volumes")

    page.locator("#volume-table a").first.click()
    expect(page.locator("#product-table tbody tr")).to_have_count(3)
    expect(page.locator("#product-table tbody tr").nth(1)).to_contain_text("服务器")
    screenshot(page, "collection-volume")


def test_account_login_is_told_to_use_the_card_U_5(page, make, login_as, screenshot):
    enterprise = make.enterprise("深圳市无卡贸易有限公司")
    login_as(make.user(enterprise, role="ent_admin", name="林经理"))
    page.click("#nav-module-c")
    page.get_by_role("link", name="集中申报需使用卡介质登录").click()
    expect(page.locator("#card-required")).to_contain_text("必须使用卡介质登录")
    screenshot(page, "collection-card-required", full_page=False)
