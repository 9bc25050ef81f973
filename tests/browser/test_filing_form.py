"""The 资质备案 form in a real browser: an account login files IE, sees every refusal, then submits (Q-9..Q-20)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.qualification.conftest import LEGAL_REP_ID, PDF_BYTES, PERSON_ID, PERSON_ID_2

pytestmark = pytest.mark.browser


def choose(page, select_id: str, term: str) -> None:
    """Pick a dropdown option the way a clerk does: open the select2 box, type, press Enter."""
    page.click(f"#s2id_{select_id} a.select2-choice")
    page.fill(".select2-drop-active:visible input.select2-input", term)
    expect(page.locator(".select2-drop-active:visible .select2-result-selectable").first).to_be_visible()
    page.keyboard.press("Enter")


def pick(page, selector: str, value: str) -> None:
    """Set a select2-enhanced dropdown by its option value (the original select is kept off screen)."""
    page.select_option(selector, value, force=True)


def fill_row(page, section: str, index: int, values: dict) -> None:
    """Fill one row of a child-row table: text inputs by typing, dropdowns by their option value."""
    for name, value in values.items():
        selector = f"[name='{section}[{index}].{name}']"
        if page.locator(selector).evaluate("el => el.tagName") == "SELECT":
            pick(page, selector, value)
        else:
            page.fill(selector, value)


def test_account_login_files_ie_sees_errors_then_submits_Q_9_Q_14_Q_18_Q_20(page, make, login_as, screenshot,
                                                                           tmp_path):
    enterprise = make.enterprise("深圳市示例贸易有限公司", region_code=None, customs_code=None)
    login_as(make.user(enterprise, role="ent_admin", username="shili", name="李报关"))

    page.goto("/q/filing/new")
    expect(page.get_by_role("heading", name="报关单位及相关资质备案申请")).to_be_visible()
    expect(page.locator("#sys-uscc")).to_have_value(enterprise.uscc)
    expect(page.locator("#btn-proxy")).to_have_count(0)  # account login: no proxy filing (U-5)
    screenshot(page, "filing-form-empty")

    # 是否快件运营企业 may be "是" only while 报关企业 is selected.
    express = page.locator("#f-enterprise-express_operator")
    expect(express).to_be_disabled()
    page.check("#qt-CB")
    expect(express).to_be_enabled()
    express.select_option("1")
    page.uncheck("#qt-CB")
    expect(express).to_be_disabled()
    expect(express).to_have_value("0")

    # Submit with only IE ticked: every refusal at once, red beside its field and summarised on top.
    page.check("#qt-IE")
    page.click("#btn-submit")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    for rule in ("Q-14", "Q-18", "Q-20"):
        expect(summary).to_contain_text(rule)
    expect(page.locator("#f-enterprise-postal_code + .sw-error, #f-enterprise-postal_code ~ .sw-error")).to_contain_text("Q-20")
    number = page.locator("#sys-application_no").input_value()
    assert len(number) == 18  # the draft was kept (暂存) although the submit was refused
    screenshot(page, "filing-form-errors")

    # Region by pinyin initials, level by level; the customs list narrows to the province.
    choose(page, "region-level-1", "gds")
    choose(page, "region-level-2", "szs")
    choose(page, "region-level-3", "ftq")
    expect(page.locator("input[name='enterprise.region_code']")).to_have_value("440304")
    customs = page.locator("#f-enterprise-customs_code option")
    expect(customs.filter(has_text="北京海关")).to_have_count(0)
    choose(page, "f-enterprise-customs_code", "szhg")
    expect(page.locator("#f-enterprise-customs_code")).to_have_value("5300")

    pick(page, "#f-enterprise-economic_zone_code", "1")
    page.fill("#f-enterprise-address_zh", "深圳市福田区福华路1号")
    page.fill("#f-enterprise-postal_code", "518000")
    pick(page, "#f-enterprise-market_entity_type_code", "1100")
    pick(page, "#f-enterprise-org_type_code", "1")
    pick(page, "#f-enterprise-industry_code", "F")
    page.fill("#f-enterprise-legal_rep_name", "张三")
    choose(page, "f-enterprise-legal_rep_nationality", "zg")
    pick(page, "#f-enterprise-legal_rep_id_type", "ID_CARD")
    page.fill("#f-enterprise-legal_rep_id_no", LEGAL_REP_ID)
    page.fill("#f-enterprise-contact_name", "李四")
    page.fill("#f-enterprise-contact_mobile", "13800138000")
    page.keyboard.press("Enter")  # Enter moves on to the next field (seed 000 §2.3.2)
    expect(page.locator("#f-enterprise-email")).to_be_focused()

    for index, person_type in enumerate(("CUSTOMS", "FINANCE")):
        page.click("button.sw-row-add[data-section='management_personnel']")
        fill_row(page, "management_personnel", index, {
            "person_type": person_type, "name": "王五", "id_type": "ID_CARD", "id_no": PERSON_ID,
            "nationality": "CHN", "mobile": "13900139000"})
    page.click("button.sw-row-add[data-section='declaration_personnel']")
    fill_row(page, "declaration_personnel", 0, {"name": "赵六", "id_type": "ID_CARD", "id_no": PERSON_ID_2,
                                                "mobile": "15000150000"})
    scan = tmp_path / "报关单位备案信息表.pdf"
    scan.write_bytes(PDF_BYTES)
    page.set_input_files("input[name='attachment_file.INFO_TABLE']", str(scan))

    page.click("#btn-submit")
    expect(page.locator(".alert-success")).to_contain_text("申报成功")
    expect(page).to_have_url(re.compile(rf"/q/applications/{number}$"))
    expect(page.locator("#application-status")).to_have_text("申报成功")
    expect(page.locator("#btn-save")).to_have_count(0)
    expect(page.locator("#attachment-table")).to_contain_text("报关单位备案信息表.pdf")
    expect(page.locator("#receipts")).to_contain_text("申报成功")
    screenshot(page, "filing-form-submitted")


def test_filed_enterprise_pages_dashboard_change_cancellation_certificate_queries_Q_24_Q_26_Q_28_Q_29_Q_30(
        page, make, login_as, screenshot):
    from datetime import date
    enterprise = make.enterprise("深圳市已备案贸易有限公司", filed_at=date(2020, 3, 1), registration_code="4403960001",
                                 postal_code="518000", legal_rep_name="张三")
    make.qualification(enterprise, "IE", code="4403960001")
    login_as(make.user(enterprise, role="ent_admin", username="yibeian", name="王经理"))
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto("/q/")
    expect(page.locator("#qualifications")).to_contain_text("进出口货物收发货人")
    expect(page.locator("#annual-report")).to_contain_text("需要报送")  # IE, registered in 2020, not cancelled
    screenshot(page, "module-q-dashboard")

    page.click(".sw-side >> text=变更申请")
    page.click("#change-qualifications >> text=变更")
    expect(page.locator("#f-enterprise-name_zh")).to_have_value("深圳市已备案贸易有限公司")  # filed data
    expect(page.locator("#f-enterprise-legal_rep_name")).to_have_value("张三")
    expect(page.locator("#qt-IE")).to_be_checked()
    screenshot(page, "module-q-change-form")

    page.click(".sw-side >> text=注销申请")
    page.check("#qt-IE")
    choose(page, "f-cancellation-reason_code", "qt")  # 其他依法应当注销注册登记的情形, by pinyin initials
    expect(page.locator("#f-cancellation-reason_code")).to_have_value("99")
    page.click("#btn-submit")
    expect(page.locator("#error-summary")).to_contain_text("Q-26")
    expect(page.locator("#f-cancellation-other_reason")).to_have_class(re.compile("is-invalid"))
    screenshot(page, "module-q-cancellation-errors")

    page.click(".sw-side >> text=证书管理")
    page.click("#request-certificate")
    expect(page.locator(".alert-success")).to_contain_text("备案证明申请已提交")
    expect(page.locator("#certificate-table")).to_contain_text("已申请，等待签发")
    page.click("#request-certificate")
    expect(page.locator(".alert-danger")).to_contain_text("Q-28")  # once a day
    screenshot(page, "module-q-certificates")

    page.click("#nav-module-q")  # the 资质备案 menu of the top bar
    page.click(".dropdown-menu >> text=申请单查询")
    expect(page.locator("#application-table")).to_contain_text("注销申请")
    expect(page.locator("#application-table")).to_contain_text("暂存")
    screenshot(page, "module-q-application-query")

    page.click(".sw-side >> text=备案信息查询")
    expect(page.locator("#filed-basic-info")).to_contain_text("深圳市已备案贸易有限公司")
    expect(page.locator("#filed-qualifications")).to_contain_text("4403960001")
    screenshot(page, "module-q-filing-query")
