"""Codes typed by a clerk: units by code or name (C-4, C-6, C-10); currencies without fund, test and metal codes (C-11).

Through the API, the pages and the staff import, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import clock
from portal.collection import aggregation
from portal.collection.references import REGISTERS, import_register
from portal.extensions import db
from portal.models import BondedBook, CodeEntry, FilingRequest, ListHead, Product
from rules.violations import RuleError
from seed.codes import NOT_TRADE_CURRENCIES
from tests.collection import builders_aggregation as agg
from tests.collection import builders_lists as b
from tests.factories import csrf_token

NOW = "2026-04-02T10:00:00"
FUND_TEST_AND_METALS = ("XTS", "XXX", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBD", "XSU", "XUA", "BOV", "CLF",
                        "COU", "MXV", "USN", "UYI", "UYW", "CHE", "CHW")


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def product(n: int, unit) -> dict:
    return {"hs_code": f"{8471300000 + n:010d}", "name": f"商品{n}", "unit": unit}


def stored_units(filing) -> list[str]:
    return db.session.scalars(select(Product.unit).join(Product.volume).where(
        Product.volume.has(filing_id=filing.id)).order_by(Product.seq)).all()


def test_c4_unit_typed_as_code_label_or_name_is_stored_as_its_code_api(make, client):
    who = b.trader(make, client)
    filing = b.filing(who.enterprise, status="ENTERED")
    items = [product(1, "台"), product(2, "001 台"), product(3, "7"), product(4, "千克"), product(5, "007")]
    response = client.post(f"/api/v1/collection-filings/{filing.center_no}/products", json={"items": items},
                           headers=who.headers)
    assert response.status_code == 201, response.json
    assert stored_units(filing) == ["001", "001", "007", "035", "007"]


def test_c4_unknown_unit_is_refused_naming_the_field_and_the_text(make, client):
    who = b.trader(make, client)
    filing = b.filing(who.enterprise, status="ENTERED")
    response = client.post(f"/api/v1/collection-filings/{filing.center_no}/products",
                           json={"items": [product(1, "台"), product(2, "斤两"), product(3, "")]}, headers=who.headers)
    assert response.status_code == 422
    violations = {(v["rule"], v["field"]): v["message"] for v in response.json["error"]["violations"]}
    assert set(violations) == {("C-4", "items[1].unit"), ("C-4", "items[2].unit")}
    assert "斤两" in violations[("C-4", "items[1].unit")] and "名称" in violations[("C-4", "items[1].unit")]
    assert violations[("C-4", "items[2].unit")] == "计量单位不能为空"


def test_c4_product_page_accepts_a_unit_typed_as_its_name(make, client):
    who = b.trader(make, client)
    make.login(client, card=who.card)
    filing = b.filing(who.enterprise, status="ENTERED")
    url = f"/c/filings/{filing.center_no}"
    data = {"action": "add", "items[0].hs_code": "8471300000", "items[0].name": "电脑", "items[0].unit": "台",
            "csrf_token": csrf_token(client, url)}
    assert client.post(f"{url}/products", data=data).status_code == 302
    assert stored_units(filing) == ["001"]
    data.update({"items[0].unit": "斤两", "csrf_token": csrf_token(client, url)})
    refused = client.post(f"{url}/products", data=data)
    assert refused.status_code == 422 and "斤两" in refused.get_data(as_text=True)


def test_c6_filing_change_adds_items_with_units_typed_as_names(make, client):
    who = b.trader(make, client)
    filing = b.filing(who.enterprise)
    b.volume(filing)
    response = client.post(f"/api/v1/collection-filings/{filing.center_no}/changes",
                           json={"add_items": [product(9, "千克")]}, headers=who.headers)
    assert response.status_code in (200, 201), response.json
    request = db.session.scalar(select(FilingRequest).where(FilingRequest.filing_id == filing.id))
    assert [item["unit"] for item in request.payload["add_items"]] == ["035"]


def test_c10_bonded_book_import_accepts_unit_names(ctx, make):
    uscc = "91440300000000078E"
    make.enterprise(uscc=uscc)
    header = ",".join(c.key for c in REGISTERS["bonded_books"].columns) + "\n"
    rows = f"E53001800009,{uscc},BOOK,,1,8471300000,电脑,,台\nE53001800009,{uscc},BOOK,,2,8471300000,零件,,个\n"
    import_register(db.session, "bonded_books", "books.csv", (header + rows).encode())
    db.session.commit()
    book = db.session.scalar(select(BondedBook).where(BondedBook.book_no == "E53001800009"))
    assert [i.unit for i in book.items] == ["001", "007"]
    with pytest.raises(RuleError) as refused:
        import_register(db.session, "bonded_books", "books.csv",
                        (header + f"E53001800010,{uscc},BOOK,,1,8471300000,电脑,,斤两\n").encode())
    db.session.rollback()
    assert [(v.field, "斤两" in v.message) for v in refused.value.violations] == [("rows[2].unit", True)]


def test_c11_currency_codes_exclude_fund_test_and_metal_codes(ctx, client):
    assert set(FUND_TEST_AND_METALS) <= set(NOT_TRADE_CURRENCIES)
    inactive = set(db.session.scalars(select(CodeEntry.code).where(CodeEntry.table_name == "currencies",
                                                                   CodeEntry.active.is_(False))))
    assert inactive == set(NOT_TRADE_CURRENCIES)
    def offered(q: str) -> set[str]:
        return {row["code"] for row in client.get(f"/api/v1/codes/currencies?q={q}").json["items"]}
    assert {"XOF", "XAF", "XCD", "XPF"} <= offered("X") and not offered("X") & set(NOT_TRADE_CURRENCIES)
    assert "USD" in offered("USD") and offered("USN") == set()
    assert client.get("/api/v1/codes/currencies?q=XAU").json["items"] == []
    assert client.get("/api/v1/codes/currencies?q=黄金").json["items"] == []


def test_c11_list_in_a_metal_currency_is_refused_and_the_page_does_not_offer_it(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, [b.item(1, currency="XAU")]),
                            headers=who.headers).json["center_no"]
    refused = client.post(f"/api/v1/lists/{center_no}/declare", headers=who.headers)
    assert refused.status_code == 422
    assert {(v["rule"], v["field"]) for v in refused.json["error"]["violations"]} == {("C-11", "items[0].currency")}
    make.login(client, card=who.card)
    page = client.get("/c/lists/new?list_type=IMPORT_GENERAL").get_data(as_text=True)
    assert '<option value="USD">' in page and '<option value="XAU">' not in page and '<option value="XTS">' not in page


def test_c11_records_already_in_a_metal_currency_stay_readable(make, client):
    who = agg.party(make, client)
    agg.cleared_list(who.enterprise, [agg.item(currency="XAU")], declared=date(2026, 3, 5))
    lists = db.session.scalars(select(ListHead.center_no).where(ListHead.enterprise_id == who.enterprise.id)).all()
    aggregation.request_aggregation(db.session, who.identity, lists)
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()
    number = client.get("/api/v1/declarations", headers=who.headers).json["items"][0]["unified_no"]
    make.login(client, card=who.card)
    page = client.get(f"/c/declarations/{number}").get_data(as_text=True)
    assert "XAU 黄金" in page
