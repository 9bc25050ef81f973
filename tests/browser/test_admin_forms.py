"""Admin forms in a real browser: rule violations next to their field, code fields searchable by pinyin (issue 12)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import ListHead

pytestmark = pytest.mark.browser


def test_c11_admin_form_of_a_draft_list_shows_the_violation_next_to_its_field(staff_page, make, screenshot):
    from tests.collection import builders_aggregation as b
    page = staff_page
    head = b.cleared_list(b.party(make).enterprise, [b.item()], status=1)
    page.goto(f"/admin/list_heads/edit/?id={head.id}")

    # 运输方式 is a searchable select over its code table: pinyin initials find 水路运输.
    page.click("#s2id_transport_mode a.select2-choice")
    page.keyboard.type("slys")
    option = page.locator(".select2-drop-active .select2-results li", has_text="水路运输")
    expect(option).to_have_count(1)
    option.click()
    expect(page.locator("#s2id_transport_mode")).to_contain_text("2 水路运输")

    page.fill("#gross_weight", "12.34567")
    with page.expect_navigation():
        page.click("input[type=submit].btn-primary")
    feedback = page.locator("#gross_weight ~ .invalid-feedback")
    expect(feedback).to_be_visible()
    expect(feedback).to_contain_text("毛重最多 4 位小数（C-11）")
    expect(page.locator("#gross_weight")).to_have_class(re.compile("is-invalid"))
    screenshot(page, "admin-draft-list-violation")
    db.session.expire_all()  # nothing was saved: the list is the draft it was
    saved = db.session.get(ListHead, head.id)
    assert (saved.gross_weight, saved.transport_mode) == (None, "4")
