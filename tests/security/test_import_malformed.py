"""Malformed import files (C-15, issue 13): no 500, no row lost or merged, nothing half-written.

Each case goes through POST /api/v1/lists/import (and the 清单导入 page for the XLSX entity case)
and checks the status, the line or part named in the error, and that no list, item or audit row
was written for a list the file did not carry cleanly.
"""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditLog, ListHead, ListItem
from tests.collection import builders_lists as b
from tests.factories import csrf_token

HEADER = "list_ref,list_type,customs_code,filing_no,transport_mode,packages,gross_weight,net_weight," \
         "filing_seq,qty,unit_price,currency,country"


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now("2026-06-10T09:00:00")


def row(ref: str, number: str, seq: int = 1, qty: str = "10") -> str:
    return f"{ref},IMPORT_GENERAL,5300,{number},4,2,50,40,{seq},{qty},3.5,USD,AUS"


def upload(client, who, content: bytes, name: str):
    return client.post("/api/v1/lists/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", headers=who.headers)


def written(who) -> tuple[int, int, int]:
    """Lists, items and audit rows of the enterprise's lists."""
    heads = select(ListHead.id).where(ListHead.enterprise_id == who.enterprise.id)
    return (db.session.scalar(select(func.count()).select_from(heads.subquery())),
            db.session.scalar(select(func.count()).where(ListItem.list_id.in_(heads))),
            db.session.scalar(select(func.count()).where(AuditLog.table_name == "list_heads",
                                                         AuditLog.record_id.in_(heads))))


def violations(response) -> list[tuple]:
    return [(v["list"], v["row"], v["field"], v["rule"]) for v in response.json["error"]["violations"]]


def test_import_csv_unterminated_quote_refuses_the_file_naming_its_line(make, client):
    who, _filing, volume = b.ready(make, client)
    number = volume.customs_volume_no
    text = "\n".join([HEADER, row("1", number), row("2", number).replace("IMPORT_GENERAL", '"IMPORT_GENERAL'),
                      row("3", number), row("4", number)]) + "\n"
    response = upload(client, who, text.encode(), "lists.csv")
    assert response.status_code == 422
    assert violations(response) == [(None, 3, "file", "C-15")]
    assert "第 3 行" in response.json["error"]["violations"][0]["message"]
    assert written(who) == (0, 0, 0)


def test_import_csv_quote_closed_lines_later_is_not_read_as_one_row(make, client):
    who, _filing, volume = b.ready(make, client)
    number = volume.customs_volume_no
    lines = [HEADER, row("1", number), row("2", number), row("3", number)]
    lines[1] = lines[1].replace(",USD,", ',"USD,')
    lines[3] = lines[3].replace(",USD,", ',USD",')
    response = upload(client, who, ("\n".join(lines) + "\n").encode(), "lists.csv")
    assert response.status_code == 422
    assert violations(response) == [(None, 2, "file", "C-15")]
    assert "第 2–4 行" in response.json["error"]["violations"][0]["message"]
    assert written(who) == (0, 0, 0)


@pytest.mark.parametrize("spoil,expected", [
    (lambda line: line + ",EXTRA", "多于表头"),
    (lambda line: line.rsplit(",", 2)[0], "少于表头"),
])
def test_import_csv_row_with_more_or_fewer_cells_is_refused_with_its_line(make, client, spoil, expected):
    who, _filing, volume = b.ready(make, client)
    number = volume.customs_volume_no
    lines = [HEADER, row("1", number), row("2", number), row("2", number, seq=2), row("3", number)]
    lines[3] = spoil(lines[3])
    response = upload(client, who, ("\n".join(lines) + "\n").encode(), "lists.csv")
    assert response.status_code == 422
    assert violations(response) == [(2, 4, "row", "C-15")]
    assert expected in response.json["error"]["violations"][0]["message"]
    assert len(response.json["created"]) == 2          # lists 1 and 3, each whole
    assert written(who) == (2, 2, 2)


def test_import_csv_trailing_empty_cells_are_harmless(make, client):
    who, _filing, volume = b.ready(make, client)
    text = "\n".join([HEADER + ",", row("1", volume.customs_volume_no) + ",,"]) + "\n"
    assert upload(client, who, text.encode(), "lists.csv").status_code == 201


def test_import_xlsx_cell_beyond_the_header_is_refused_with_its_line(make, client):
    who, _filing, volume = b.ready(make, client)
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(row("1", volume.customs_volume_no).split(","))
    book.active.append(row("2", volume.customs_volume_no).split(",") + ["", "stray"])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, who, out.getvalue(), "lists.xlsx")
    assert response.status_code == 422
    assert violations(response) == [(2, 3, "row", "C-15")]
    assert written(who) == (1, 1, 1)


def test_import_json_nested_50000_deep_is_refused_with_422(make, client):
    who = b.trader(make, client)
    content = b'{"lists": ' + b"[" * 50000 + b"]" * 50000 + b"}"
    response = upload(client, who, content, "lists.json")
    assert response.status_code == 422
    assert violations(response) == [(None, None, "file", "C-15")]
    assert "嵌套" in response.json["error"]["violations"][0]["message"]
    assert written(who) == (0, 0, 0)


def test_import_json_brackets_inside_strings_do_not_count_as_nesting(make, client):
    who, _filing, volume = b.ready(make, client)
    body = {"list_type": "IMPORT_GENERAL", "customs_code": "5300", "filing_no": volume.customs_volume_no,
            "transport_mode": "4", "packages": 2, "gross_weight": "50", "net_weight": "40",
            "items": [{"filing_seq": 1, "qty": "1", "unit_price": "1", "currency": "USD", "country": "AUS",
                       "spec": "[" * 100 + '\\"{' * 50}]}
    response = upload(client, who, json.dumps({"lists": [body]}).encode(), "lists.json")
    assert response.status_code == 201, response.get_data(as_text=True)


def xlsx_with_doctype(part: str) -> bytes:
    """A valid import sheet whose `part` declares an external entity (used in a cell when it is the sheet)."""
    book = Workbook()
    book.active.append(["list_ref", "list_type", "customs_code"])
    book.active.append(["1", "IMPORT_GENERAL", "5300"])
    plain = io.BytesIO()
    book.save(plain)
    source, out = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    doctype = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    with zipfile.ZipFile(out, "w") as package:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = doctype + data.split(b"?>", 1)[-1].replace(b"<t>IMPORT_GENERAL</t>", b"<t>&xxe;</t>")
            package.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_import_xlsx_declaring_an_external_entity_is_refused_with_422(make, client, part):
    who = b.trader(make, client)
    response = upload(client, who, xlsx_with_doctype(part), "lists.xlsx")
    assert response.status_code == 422
    assert violations(response) == [(None, None, "file", "C-15")]
    message = response.json["error"]["violations"][0]["message"]
    assert part in message and "root:" not in message
    assert written(who) == (0, 0, 0)


def test_import_page_xlsx_with_an_external_entity_answers_422_not_500(make, client):
    who = b.trader(make, client)
    make.login(client, card=who.card)
    response = client.post("/c/lists/import", data={"csrf_token": csrf_token(client, "/c/lists/import"),
                                                     "file": (io.BytesIO(xlsx_with_doctype("xl/worksheets/sheet1.xml")),
                                                              "lists.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "DTD" in response.get_data(as_text=True)
    assert written(who) == (0, 0, 0)


@pytest.mark.parametrize("content", [b"PK\x03\x04broken", b"\x00" * 64])
def test_import_damaged_xlsx_is_422(make, client, content):
    who = b.trader(make, client)
    response = upload(client, who, content, "lists.xlsx")
    assert response.status_code == 422 and violations(response) == [(None, None, "file", "C-15")]
