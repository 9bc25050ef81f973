"""清单导入 page (C-15): error report by list, line and column; 导入并申报; templates with the user's 备案号."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import ListHead
from tests.collection import builders_lists as b
from tests.collection_pages.test_pages import card_login, post, text_of
from tests.factories import csrf_token

HEADER = "清单标识,清单类型,申报地海关,备案号,运输方式,件数,毛重,净重,备案序号,数量,单价,币制,国别（地区）\n"


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now("2026-04-02T10:00:00")


def lists_csv(number: str, net_of_second: str = "40") -> bytes:
    return (HEADER + f"A-1,IMPORT_GENERAL,5300,{number},4,2,50,40,1,10,2.5,USD,AUS\n"
            f"B-2,IMPORT_GENERAL,5300,{number},4,2,50,{net_of_second},1,5,1,USD,AUS\n"
            f"B-2,IMPORT_GENERAL,5300,{number},4,2,50,{net_of_second},2,-3,1,USD,AUS\n").encode()


def send(client, content: bytes, declare: bool = False):
    data = {"csrf_token": csrf_token(client, "/c/lists/import"), "file": (io.BytesIO(content), "清单.csv")}
    if declare:
        data["declare"] = "1"
    return client.post("/c/lists/import", data=data, content_type="multipart/form-data")


def error_rows(html: str) -> list[list[str]]:
    """The cells of the error table as text, one list per row."""
    table = re.search(r'<table[^>]*id="import-errors".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def own_lists(who) -> list[ListHead]:
    return list(db.session.scalars(select(ListHead).where(ListHead.enterprise_id == who.enterprise.id)))


def test_c15_import_page_names_list_line_and_column_of_every_error(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    response = send(client, lists_csv(volume.customs_volume_no, net_of_second="60"))
    assert response.status_code == 422
    html = text_of(response)
    created = own_lists(who)
    assert len(created) == 1 and created[0].center_no in html
    rows = error_rows(html)
    assert ["第 2 票 清单标识 B-2", "3", "净重 net_weight", "C-11", "净重不能大于毛重"] in rows
    assert ["第 2 票 清单标识 B-2", "4", "数量 qty", "C-11", "数量必须大于 0"] in rows


def test_c15_import_page_import_and_declare_declares_the_valid_list(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    response = send(client, lists_csv(volume.customs_volume_no), declare=True)
    assert response.status_code == 422  # list B-2 has a negative quantity
    assert [h.status for h in own_lists(who)] == [2]
    assert "已导入并申报 1 票清单" in text_of(response)


def test_c15_import_page_without_a_file_says_so(make, client):
    card_login(make, client)
    response = post(client, "/c/lists/import", {})
    assert response.status_code == 422 and "请选择要导入的文件" in text_of(response)


def test_c15_import_page_template_has_chinese_headers_and_the_real_filing_no(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    page = text_of(client.get("/c/lists/import"))
    assert volume.customs_volume_no in page
    template = client.get("/c/lists/import/template.csv")
    assert template.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = template.data.decode("utf-8-sig")
    assert text.startswith("清单标识,清单类型,申报地海关,备案号") and volume.customs_volume_no in text
