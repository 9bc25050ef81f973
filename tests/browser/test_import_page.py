"""清单导入 in a real browser (C-15): a refused list's error report names list, line and column; screenshot."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import ListHead
from tests.browser.test_collection_pages import card_login, trader

pytestmark = pytest.mark.browser
HEADER = "清单标识,清单类型,申报地海关,备案号,运输方式,件数,毛重,净重,备案序号,数量,单价,币制,国别（地区）"


def test_import_and_declare_error_report_names_list_line_and_column_C_15(page, make, screenshot):
    clock.set_fixed_now("2026-04-02T10:00:00")
    enterprise, card, volume = trader(make)
    number = volume.customs_volume_no
    content = "\n".join([
        HEADER,
        f"A-001,IMPORT_GENERAL,5300,{number},4,3,120.5,100,1,10,12.5,USD,AUS",
        f"A-001,IMPORT_GENERAL,5300,{number},4,3,120.5,100,2,2,3000,USD,AUS",
        f"A-002,IMPORT_GENERAL,5300,{number},4,2,50,60,1,5,30,USD,AUS",
        f"A-002,IMPORT_GENERAL,5300,{number},4,2,50,60,2,1,30,USDX,AUS",
        f"A-003,EXPORT_GENERAL,5300,{number},4,1,20,18,1,5,30,CNY,USA,多余的单元格",
    ]).encode()
    card_login(page, card)
    page.goto("/c/lists/import")
    page.set_input_files("#f-file", files=[{"name": "三月清单.csv", "mimeType": "text/csv", "buffer": content}])
    page.check("#f-declare")
    with page.expect_navigation():
        page.click("#btn-import")
    expect(page.locator("#import-result")).to_contain_text("已导入并申报 1 票清单")
    rows = page.locator("#import-errors tbody tr")
    expect(rows.filter(has_text="清单标识 A-002").filter(has_text="净重")).to_contain_text("净重不能大于毛重")
    expect(rows.filter(has_text="清单标识 A-002").filter(has_text="币制")).to_contain_text("5")
    expect(rows.filter(has_text="清单标识 A-003")).to_contain_text("多于表头")
    screenshot(page, "collection-list-import-refused")
    heads = db.session.scalars(select(ListHead).where(ListHead.enterprise_id == enterprise.id)).all()
    assert [h.status for h in heads] == [2]
