"""The pages anyone reaches first, in a real browser: the catalog home and the two login tabs."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

pytestmark = pytest.mark.browser


def test_home_shows_catalog_and_search_narrows_it_K2(page, ctx, screenshot):
    from portal.extensions import db
    from portal.models import CatalogCategory, CatalogItem, CatalogService
    categories, items, services = (db.session.scalar(select(func.count()).select_from(model))
                                   for model in (CatalogCategory, CatalogItem, CatalogService))

    page.goto("/")
    screenshot(page, "home-catalog", full_page=False)
    expect(page.get_by_role("heading", name="全部应用")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{categories} 个一级目录 · {items} 个二级目录 · {services} 项服务")
    expect(page.locator(".sw-catalog .sw-card")).to_have_count(categories)
    # K-2: services this portal implements link to their pages; the others say they are not provided here.
    # Items without a provided service start folded; unfold the first one.
    page.locator(".sw-catalog details:not([open]) summary").first.click()
    expect(page.locator(".sw-catalog details[open]").get_by_text("本门户未提供", exact=True).first).to_be_visible()
    provided = page.locator(".sw-catalog li", has=page.get_by_text("本门户提供", exact=True))
    expect(provided.locator("a").first).to_be_visible()

    page.fill("input[name=q]", "集中申报")
    page.get_by_role("button", name="搜索").click()
    found = page.locator("text=/找到 \\d+ 项服务/")
    expect(found).to_be_visible()
    matched = int(re.search(r"\d+", found.inner_text()).group())
    assert 0 < matched < services
    expect(page.locator(".sw-catalog")).to_contain_text("集中申报")
    assert page.locator(".sw-catalog .sw-card").count() < categories
    screenshot(page, "home-search")


def test_login_page_switches_between_account_and_card_tabs_U2(page, make, screenshot):
    enterprise = make.enterprise()
    card = make.card(make.user(enterprise, role="ent_admin", name="张经理"))

    page.goto("/login")
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator("#card_no")).to_be_hidden()
    screenshot(page, "login-account-tab")

    page.get_by_role("tab", name="卡介质登录").click()
    expect(page.locator("#card_no")).to_be_visible()
    expect(page.locator("#username")).to_be_hidden()
    screenshot(page, "login-card-tab")

    page.fill("#card_no", card.card_no)
    page.fill("#pin", "123456")
    page.click("#login-card")
    expect(page.locator("nav")).to_contain_text("张经理 · 卡介质登录")
    screenshot(page, "login-card-done", full_page=False)


def test_login_page_shows_rule_error_for_wrong_password_U2(page, make, screenshot):
    user = make.user(make.enterprise())

    page.goto("/login")
    page.fill("#username", user.username)
    page.fill("#password", "wrong-password")
    page.click("#login-account")
    expect(page.locator(".alert-danger")).to_contain_text("用户名或密码错误")
    expect(page.locator("#username")).to_be_visible()
    screenshot(page, "login-error")
