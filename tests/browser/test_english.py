"""The English switch in a real browser (X-4): the navbar link turns the portal English and back."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_navbar_switch_turns_home_and_login_english_and_back_X_4(page, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", name="全部应用")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="All services")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "english-home", full_page=False)

    page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="User login")).to_be_visible()
    expect(page.get_by_role("button", name="Log in").first).to_be_visible()
    screenshot(page, "english-login")

    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()


def test_filing_form_in_english_shows_refusals_with_rule_ids_X_4(page, make, login_as, screenshot):
    enterprise = make.enterprise("深圳市示例贸易有限公司", region_code=None, customs_code=None)
    login_as(make.user(enterprise, role="ent_admin", username="english", name="李报关"))

    page.goto("/q/filing/new?lang=en")
    expect(page.get_by_role("heading", name="Filing application for customs declaration entities and related "
                                          "qualifications")).to_be_visible()
    expect(page.get_by_text("Enterprise basic information").first).to_be_visible()
    screenshot(page, "english-filing-form")

    page.check("#qt-IE")
    page.click("#btn-submit")
    summary = page.locator(".alert-danger").first
    expect(summary).to_contain_text("correct the items marked in red")
    screenshot(page, "english-filing-form-refused")
    expect(summary.locator(".badge", has_text="Q-20").first).to_be_visible()  # rule ids stay as they are
    expect(summary).to_contain_text("Administrative region must not be empty")


def test_admin_switches_to_english_X_4(staff_page, screenshot):
    staff_page.goto("/admin/applications/")
    staff_page.get_by_role("link", name="English").click()
    expect(staff_page.get_by_role("link", name="中文")).to_be_visible()
    screenshot(staff_page, "english-admin-applications", full_page=False)
    expect(staff_page.locator("table thead")).to_contain_text("Application type")  # our labels
    expect(staff_page.locator(".nav-tabs")).to_contain_text("List")  # Flask-Admin's own chrome
