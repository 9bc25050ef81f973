"""The staff admin in a real browser: log in, open registers, filter a list (X-1)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _admin_view(app, endpoint: str):
    return next(view for admin in app.extensions["admin"] for view in admin._views if view.endpoint == endpoint)


def _equality_filter_arg(view, column: str) -> str:
    """Return the URL argument of the view's `column equals` filter, as Flask-Admin names it."""
    for key, (_, flt) in (view._filter_args or {}).items():
        flt_column = getattr(flt, "column", None)
        if getattr(flt_column, "key", None) == column and type(flt).__name__ == "FilterEqual":
            return key
    raise AssertionError(f"admin view {view.endpoint} has no 'equals' filter on {column} (X-1)")


def test_staff_login_lands_on_admin_and_opens_registers_X1(staff_page, make, screenshot):
    page = staff_page
    enterprise = make.enterprise("深圳市示例贸易有限公司")
    make.user(enterprise, role="ent_admin", username="shili_admin", name="李管理")

    screenshot(page, "admin-index")
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.locator("body")).to_contain_text("单一窗口管理后台")
    expect(page.locator("nav")).to_contain_text("企业与用户")

    page.goto("/admin/enterprises/")
    screenshot(page, "admin-enterprises")
    table = page.locator("table.model-list")
    expect(table).to_contain_text("深圳市示例贸易有限公司")
    expect(table).to_contain_text(enterprise.uscc)

    page.goto("/admin/users/")
    screenshot(page, "admin-users")
    expect(table).to_contain_text("shili_admin")
    expect(table).to_contain_text("clerk")

    page.goto("/admin/codes_customs/")
    screenshot(page, "admin-code-table-customs")
    expect(table).to_contain_text("深圳海关")
    expect(table).to_contain_text("5300")


def test_enterprise_list_filters_by_customs_office_X1(staff_page, app, make, screenshot):
    page = staff_page
    make.enterprise("深圳关区甲贸易有限公司", customs_code="5300")
    make.enterprise("北京关区乙贸易有限公司", customs_code="0100")
    table = page.locator("table.model-list")

    page.goto("/admin/enterprises/")
    expect(table).to_contain_text("深圳关区甲贸易有限公司")
    expect(table).to_contain_text("北京关区乙贸易有限公司")

    arg = _equality_filter_arg(_admin_view(app, "enterprises"), "customs_code")
    page.goto(f"/admin/enterprises/?flt0_{arg}=5300")
    screenshot(page, "admin-enterprises-filtered")
    expect(table).to_contain_text("深圳关区甲贸易有限公司")
    expect(table).not_to_contain_text("北京关区乙贸易有限公司")
    expect(table.locator("tbody tr")).to_have_count(1)
