"""Customs messages in a real browser (issue 16 item 7): the enterprise reads a cleared list's 报文与回执 and opens
the XML; staff read the 海关报文 register, a message's details, and send a failed message again after confirming."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import CustomsMessage
from tests.browser.test_collection_pages import card_login
from tests.messaging import builders as mb

pytestmark = pytest.mark.browser


def test_enterprise_reads_the_receipts_of_its_list_and_the_xml(page, app, make, screenshot):
    who, head, out, receipts = mb.conversation(make, app.test_client())
    card_login(page, who.card)
    page.goto(f"/c/lists/{head.center_no}")
    card = page.locator("#customs-messages")
    expect(card.locator("tbody tr")).to_have_count(3)
    expect(card).to_contain_text("海关审批通过")
    expect(card).to_contain_text("已结关")
    card.scroll_into_view_if_needed()
    screenshot(page, "messages-list-receipts")
    with page.expect_navigation():
        card.get_by_role("link", name="查看报文").first.click()
    expect(page.locator("#message-xml")).to_contain_text(f"<ceb:copNo>{head.center_no}</ceb:copNo>")
    expect(page.locator("#message-related tbody tr")).to_have_count(len(receipts))
    screenshot(page, "messages-xml")


def test_staff_filter_read_and_send_again_after_confirming(staff_page, app, make, screenshot):
    page = staff_page
    _who, _head, _out, _receipts = mb.conversation(make, app.test_client())
    _other, _other_head, failed = mb.failed_list(make, app.test_client())
    page.goto("/admin/customs_messages/")
    expect(page.locator("td.col-status", has_text="发送失败")).to_have_count(1)
    screenshot(page, "messages-admin-list")
    page.goto(f"/admin/customs_messages/details/?id={failed.id}")
    expect(page.locator("#message-xml")).to_contain_text("<ceb:CEB961Message")
    screenshot(page, "messages-admin-details")
    with page.expect_navigation():
        page.click("#message-resend")
    screenshot(page, "messages-admin-confirm-resend")
    with page.expect_navigation():
        page.click("#confirm-resend")
    expect(page.locator(".alert-success")).to_contain_text("已重新放入发送队列")
    db.session.expire_all()
    assert db.session.get(CustomsMessage, failed.id).status == "PENDING"
