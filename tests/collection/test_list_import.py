"""Bulk import of lists from CSV, XLSX and JSON: all-or-nothing per list, every error located (C-15)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import ListHead, ListItem, Receipt
from tests.collection import builders_lists as b

HEADER = ["list_ref", "list_type", "customs_code", "filing_no", "transport_mode", "packages", "gross_weight",
          "net_weight", "filing_seq", "qty", "unit_price", "currency", "country", "spec"]


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now("2026-06-10T09:00:00")


def sheet_rows(filing_no: str, lists: int = 5, bad: tuple[int, int, str, str] | None = None) -> list[list]:
    """Rows of `lists` lists × 2 items; `bad` = (list, item, column, value) spoils one cell."""
    rows = [HEADER]
    for number in range(1, lists + 1):
        for position, seq in enumerate((1, 2), 1):
            row = {"list_ref": f"L{number}", "list_type": "IMPORT_GENERAL", "customs_code": "5300",
                   "filing_no": filing_no, "transport_mode": "4", "packages": "2", "gross_weight": "50",
                   "net_weight": "40", "filing_seq": str(seq), "qty": "10", "unit_price": "3.5", "currency": "USD",
                   "country": "AUS", "spec": ""}
            if bad and bad[:2] == (number, position):
                row[bad[2]] = bad[3]
            rows.append([row[name] for name in HEADER])
    return rows


def as_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append([int(v) if v.isdigit() and len(v) < 6 else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_json(rows) -> bytes:
    lists: dict[str, dict] = {}
    for row in rows[1:]:
        values = dict(zip(HEADER, row))
        head = lists.setdefault(values["list_ref"], {k: values[k] for k in HEADER[1:8]} | {"items": []})
        head["items"].append({k: values[k] for k in HEADER[8:13]})
    return json.dumps({"lists": list(lists.values())}, ensure_ascii=False).encode()


def upload(client, who, content: bytes, name: str):
    return client.post("/api/v1/lists/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", headers=who.headers)


def stored_lists(who) -> list[ListHead]:
    return list(db.session.scalars(select(ListHead).where(ListHead.enterprise_id == who.enterprise.id)
                                   .order_by(ListHead.id)))


@pytest.mark.parametrize("kind,row,field", [("csv", 7, "qty"), ("xlsx", 7, "qty"), ("json", None, "items[1].qty")])
def test_c15_bad_row_in_list_3_of_5_creates_the_others_and_reports_it(make, client, kind, row, field):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, bad=(3, 2, "qty", "0"))
    content = {"csv": as_csv, "xlsx": as_xlsx, "json": as_json}[kind](rows)
    response = upload(client, who, content, f"lists.{kind}")
    assert response.status_code == 422, response.get_data(as_text=True)
    violations = response.json["error"]["violations"]
    assert [(v["list"], v["row"], v["field"], v["rule"]) for v in violations] == [(3, row, field, "C-11")]
    created = response.json["created"]
    assert len(created) == 4 and len(set(created)) == 4
    heads = stored_lists(who)
    assert [h.center_no for h in heads] == created and {h.status for h in heads} == {1}
    counts = dict(db.session.execute(select(ListItem.list_id, func.count()).group_by(ListItem.list_id)).all())
    assert [counts[h.id] for h in heads] == [2, 2, 2, 2]
    first = sorted(heads[0].items, key=lambda i: i.seq)
    assert [(i.hs_code, str(i.total)) for i in first] == [(b.FISH[0], "35.00"), (b.LAPTOP[0], "35.00")]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
def test_c15_valid_file_creates_every_list_and_they_declare(make, client, kind):
    who, _filing, volume = b.ready(make, client)
    content = {"csv": as_csv, "xlsx": as_xlsx, "json": as_json}[kind](sheet_rows(volume.customs_volume_no, 3))
    response = upload(client, who, content, f"lists.{kind}")
    assert response.status_code == 201 and len(response.json["created"]) == 3
    declared = client.post(f"/api/v1/lists/{response.json['created'][0]}/declare", headers=who.headers)
    assert declared.status_code == 200, declared.get_data(as_text=True)


def test_c15_c10_unknown_seq_and_every_error_of_a_list_are_reported(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 2, bad=(2, 1, "filing_seq", "42"))
    rows[4][HEADER.index("currency")] = "QQQ"        # line 5: list 2, item 2
    rows[4][HEADER.index("customs_code")] = "5100"   # a head value that differs from line 4
    response = upload(client, who, as_csv(rows), "lists.csv")
    found = {(v["list"], v["row"], v["field"], v["rule"]) for v in response.json["error"]["violations"]}
    assert found == {(2, 4, "filing_seq", "C-10"), (2, 5, "currency", "C-11"), (2, 5, "customs_code", "C-15")}
    assert len(response.json["created"]) == 1


def test_c15_head_errors_point_at_the_lists_first_row(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 2)
    for row in rows[3:5]:
        row[HEADER.index("list_type")] = "IMPORT_SOMETHING"
    response = upload(client, who, as_csv(rows), "lists.csv")
    assert [(v["list"], v["row"], v["field"], v["rule"]) for v in response.json["error"]["violations"]] == \
        [(2, 4, "list_type", "C-8")]


def test_c15_unreadable_files_are_refused_whole(make, client):
    who = b.trader(make, client)
    unknown_column = as_csv([["list_ref", "list_type", "customs_code", "colour"], ["1", "IMPORT_GENERAL", "5300", "红"]])
    for content, name in ((unknown_column, "a.csv"), (b"%PDF-1.4", "a.pdf"), (b"{\"lists\": 3}", "a.json"),
                          (b"not a zip", "a.xlsx")):
        response = upload(client, who, content, name)
        assert response.status_code == 422
        assert {(v["rule"], v["field"]) for v in response.json["error"]["violations"]} == {("C-15", "file")}
    assert stored_lists(who) == []


def test_c15_chinese_headers_and_gb18030_csv_are_read(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 1)
    labels = {"list_ref": "清单标识", "list_type": "清单类型", "customs_code": "申报地海关", "qty": "数量"}
    rows[0] = [labels.get(name, name) for name in rows[0]]
    content = "\n".join(",".join(row) for row in rows).encode("gb18030")
    response = upload(client, who, content, "清单.csv")
    assert response.status_code == 201, response.get_data(as_text=True)


def template_rows_of(kind: str, content: bytes) -> list[list[str]]:
    """The rows of a downloaded CSV or XLSX template, as text."""
    if kind == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [["" if v is None else str(v) for v in row] for row in load_workbook(io.BytesIO(content)).active.values]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
def test_c15_template_has_chinese_headers_and_the_users_real_filing_no_and_imports_as_is(make, client, kind):
    who, _filing, volume = b.ready(make, client)
    template = client.get(f"/api/v1/lists/import/template.{kind}", headers=who.headers)
    assert template.status_code == 200
    if kind == "json":
        numbers = {body["filing_no"] for body in json.loads(template.data)["lists"]}
    else:
        rows = template_rows_of(kind, template.data)
        assert rows[0][:4] == ["清单标识", "清单类型", "申报地海关", "备案号"]
        numbers = {row[3] for row in rows[1:]}
    assert numbers == {volume.customs_volume_no}
    response = client.post("/api/v1/lists/import", data={"file": (io.BytesIO(template.data), f"t.{kind}"),
                                                         "declare": "true"},
                           content_type="multipart/form-data", headers=who.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert len(response.json["declared"]) == 2
    assert {h.status for h in stored_lists(who)} == {2}


def test_c15_template_takes_a_bonded_book_when_there_is_no_volume(make, client):
    who = b.trader(make, client)
    b.filing(who.enterprise, nature="BONDED")
    book = b.bonded_book(who.enterprise)
    rows = template_rows_of("csv", client.get("/api/v1/lists/import/template.csv", headers=who.headers).data)
    assert {(row[1], row[3]) for row in rows[1:]} == {("IMPORT_BONDED", book.book_no), ("EXPORT_BONDED", book.book_no)}


def test_c15_template_of_an_enterprise_without_volume_or_book_leaves_filing_no_blank(make, client):
    who = b.trader(make, client)
    rows = template_rows_of("csv", client.get("/api/v1/lists/import/template.csv", headers=who.headers).data)
    assert {row[3] for row in rows[1:]} == {""}
    assert "B20260610001" not in str(rows)


def test_c15_csv_downloads_say_charset_once(make, client):
    who, _filing, _volume = b.ready(make, client)
    response = client.get("/api/v1/lists/import/template.csv", headers=who.headers)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=lists_import.csv"


def test_c15_english_chinese_and_half_width_headers_are_all_read(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 1)
    labels = {"list_ref": "清单标识", "gross_weight": "毛重", "net_weight": " 净重 ", "country": "国别(地区)",
              "spec": "规格型号（申报要素）", "qty": "QTY"}
    rows[0] = [labels.get(name, name) for name in rows[0]]
    response = upload(client, who, as_csv(rows), "清单.csv")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [str(h.net_weight) for h in stored_lists(who)] == ["40.0000"]


def test_c11_import_net_weight_above_gross_refused(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 2)
    for row in rows[3:5]:                       # list L2, lines 4 and 5
        row[HEADER.index("net_weight")] = "60"  # gross is 50
    response = upload(client, who, as_csv(rows), "lists.csv")
    assert response.status_code == 422
    assert [(v["list"], v["list_ref"], v["row"], v["field"], v["rule"]) for v in response.json["error"]["violations"]] \
        == [(2, "L2", 4, "net_weight", "C-11")]
    assert len(response.json["created"]) == 1 and len(stored_lists(who)) == 1


@pytest.mark.parametrize("change,expected", [
    ({"customs_code": "5100"}, ("customs_code", "C-9")),          # no approved filing at that customs
    ({"filing_no": "ABCDEFGHIJKL"}, ("filing_no", "C-10")),       # not a volume of the enterprise
    ({"packages": "0"}, ("packages", "C-11")),
    ({"transport_mode": "2"}, ("bill_no", "C-13")),              # waterway without a B/L
])
def test_c15_import_runs_every_declare_check(make, client, change, expected):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 1)
    for row in rows[1:]:
        for name, value in change.items():
            row[HEADER.index(name)] = value
    response = upload(client, who, as_csv(rows), "lists.csv")
    assert response.status_code == 422
    assert expected in {(v["field"], v["rule"]) for v in response.json["error"]["violations"]}
    assert stored_lists(who) == []


def test_c12_import_refuses_licence_goods_without_the_licence(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 1)
    rows[2][HEADER.index("filing_seq")] = "3"     # STEEL carries licence 4:LIC-1
    response = upload(client, who, as_csv(rows), "lists.csv")
    assert [(v["row"], v["field"], v["rule"]) for v in response.json["error"]["violations"]] == \
        [(3, "filing_seq", "C-12")]


def test_c15_import_and_declare_declares_the_valid_lists_and_not_the_invalid_ones(make, client):
    who, _filing, volume = b.ready(make, client)
    rows = sheet_rows(volume.customs_volume_no, 3)
    for row in rows[3:5]:
        row[HEADER.index("net_weight")] = "60"
    response = client.post("/api/v1/lists/import", data={"file": (io.BytesIO(as_csv(rows)), "lists.csv"),
                                                         "declare": "true"},
                           content_type="multipart/form-data", headers=who.headers)
    assert response.status_code == 422
    assert {(v["list"], v["rule"]) for v in response.json["error"]["violations"]} == {(2, "C-11")}
    heads = stored_lists(who)
    assert response.json["declared"] == response.json["created"] == [h.center_no for h in heads]
    assert [(h.status, h.trade_mode, h.declare_date) for h in heads] == [(2, "0110", clock.today())] * 2
    receipts = db.session.scalars(select(Receipt.record_no).where(Receipt.record_no.in_(response.json["created"])))
    assert sorted(receipts) == sorted(response.json["created"])


def test_c12_import_and_declare_stops_the_list_that_would_exceed_the_licence(make, client):
    who, _filing, volume = b.ready(make, client)
    b.licence(who.enterprise, quantity="100")
    rows = sheet_rows(volume.customs_volume_no, 2)
    for row in rows[1:]:
        row[HEADER.index("filing_seq")], row[HEADER.index("qty")] = "3", "30"   # 2 × 30 per list
    rows = [rows[0]] + [row + ["4:LIC-1"] for row in rows[1:]]
    rows[0] = rows[0] + ["license_no"]
    response = client.post("/api/v1/lists/import", data={"file": (io.BytesIO(as_csv(rows)), "lists.csv"),
                                                         "declare": "1"},
                           content_type="multipart/form-data", headers=who.headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert [(v["list"], v["field"], v["rule"]) for v in response.json["error"]["violations"]] == \
        [(2, "license_no", "C-12")]
    assert [h.status for h in stored_lists(who)] == [2]


def test_c15_import_without_declare_leaves_drafts(make, client):
    who, _filing, volume = b.ready(make, client)
    response = upload(client, who, as_csv(sheet_rows(volume.customs_volume_no, 2)), "lists.csv")
    assert response.status_code == 201 and response.json["declared"] == []
    assert {h.status for h in stored_lists(who)} == {1}


def test_c15_declare_flag_must_be_a_boolean(make, client):
    who, _filing, volume = b.ready(make, client)
    response = client.post("/api/v1/lists/import", data={"file": (io.BytesIO(b"x"), "a.csv"), "declare": "maybe"},
                           content_type="multipart/form-data", headers=who.headers)
    assert response.status_code == 422 and response.json["error"]["violations"][0]["field"] == "declare"


def test_u5_account_token_cannot_import(make, client):
    who = b.trader(make, client)
    account = make.token(client, user=who.user)
    response = client.post("/api/v1/lists/import", data={"file": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data", headers=account)
    assert response.status_code == 403
    assert response.json["error"]["violations"][0]["rule"] == "U-5"
