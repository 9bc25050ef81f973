"""Collection filings and product volumes through the API (C-1..C-5), SQLite and PostgreSQL.

Changes, extensions, corrections, tenancy and the simulator's failures: test_filing_changes.py."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Product, Receipt
from tests.collection.filing_helpers import Company, approved, item, rules_of, tick


def test_general_filing_approved_and_120_products_make_volumes_of_99_and_21_C_1_C_4_C_5(company):
    center_no = company.save(ie_batches=3, guarantee_mode="1", guarantee_amount="100.5",
                             guarantee_valid_until="20271231")
    assert len(center_no) == 18
    detail = company.filing(center_no)
    assert detail["status"] == "ENTERED"
    assert detail["enterprise_customs_code"] == company.enterprise.registration_code
    assert detail["enterprise_name"] == company.enterprise.name_zh
    assert company.post(f"/collection-filings/{center_no}/declare").json == {"status": "DECLARED"}
    result = tick()
    assert result["outcomes"].get("collection_filings:APPROVED") == 1
    detail = company.filing(center_no)
    assert detail["status"] == "APPROVED"
    assert detail["approval_valid_until"] == "2027-12-31"  # the guarantee valid-until (C-3)

    response = company.post(f"/collection-filings/{center_no}/products", {"items": [item(n) for n in range(120)]})
    assert response.status_code == 201, response.json
    assert [v["item_count"] for v in response.json["volumes"]] == [99, 21]
    for volume in response.json["volumes"]:
        assert company.post(f"/volumes/{volume['volume_no']}/declare").json == {"status": "DECLARED"}
    tick()
    volumes = company.filing(center_no)["volumes"]
    assert [v["status"] for v in volumes] == ["APPROVED", "APPROVED"]
    assert all(len(v["customs_volume_no"]) == 12 for v in volumes)
    assert volumes[0]["customs_volume_no"] != volumes[1]["customs_volume_no"]
    assert [p["seq"] for p in volumes[1]["items"]] == list(range(1, 22))


def test_products_fill_the_open_volume_before_starting_a_new_one_C_4(company):
    center_no = company.save()
    first = company.post(f"/collection-filings/{center_no}/products", {"items": [item(n) for n in range(90)]})
    second = company.post(f"/collection-filings/{center_no}/products", {"items": [item(n) for n in range(15)]})
    assert [v["item_count"] for v in first.json["volumes"]] == [90]
    assert [v["item_count"] for v in second.json["volumes"]] == [99, 6]
    assert second.json["volumes"][0]["volume_no"] == first.json["volumes"][0]["volume_no"]
    fresh = company.post(f"/collection-filings/{center_no}/products", {"items": [item(1)], "new_volume": True})
    assert [v["item_count"] for v in fresh.json["volumes"]] == [1]
    assert len(company.filing(center_no)["volumes"]) == 3


def test_bad_product_items_are_refused_each_with_its_field_C_4(company):
    center_no = company.save()
    response = company.post(f"/collection-filings/{center_no}/products", {"items": [
        item(1), item(2, hs_code="12345"), item(3, unit="999"), item(4, license_no="no-colon")]})
    assert response.status_code == 422
    assert rules_of(response) == {("C-4", "items[1].hs_code"), ("C-4", "items[2].unit"),
                                  ("C-4", "items[3].license_no")}
    assert company.filing(center_no)["volumes"] == []
    ok = company.post(f"/collection-filings/{center_no}/products", {"items": [item(1, license_no="1:24-AA-0001")]})
    assert ok.status_code == 201


def test_border_small_only_at_07_customs_C_1(company):
    response = company.post("/collection-filings", {"customs_code": "5300", "goods_nature": "BORDER_SMALL"})
    assert response.status_code == 422
    assert ("C-1", "goods_nature") in rules_of(response)
    for customs, nature in (("0708", "BORDER_SMALL"), ("5729", "CONTRACT_EXPORT")):
        assert company.post("/collection-filings", {"customs_code": customs, "goods_nature": nature}).status_code == 201
    contract = company.post("/collection-filings", {"customs_code": "0708", "goods_nature": "CONTRACT_EXPORT"})
    assert contract.status_code == 422 and ("C-1", "goods_nature") in rules_of(contract)


def test_enterprise_without_ie_cannot_file_C_1(make, client):
    cb_only = Company(make, client, types=("CB",))
    response = cb_only.post("/collection-filings", {"customs_code": "5300", "goods_nature": "GENERAL"})
    assert response.status_code == 422
    assert ("C-1", "enterprise") in rules_of(response)
    branch = Company(make, client, types=("IE_BRANCH",))
    assert branch.post("/collection-filings", {"customs_code": "5300", "goods_nature": "GENERAL"}).status_code == 201


def test_bonded_filing_refuses_guarantee_fields_C_2(company):
    response = company.post("/collection-filings", {"customs_code": "5300", "goods_nature": "BONDED",
                                                    "guarantee_mode": "1", "guarantee_amount": "10"})
    assert response.status_code == 422
    assert rules_of(response) == {("C-2", "guarantee_mode"), ("C-2", "guarantee_amount")}
    center_no = company.save(goods_nature="BONDED")
    products = company.post(f"/collection-filings/{center_no}/products", {"items": [item(1)]})
    assert products.status_code == 422
    assert ("C-4", "center_no") in rules_of(products)


@pytest.mark.parametrize("value", ["20190230", "2019-01-01", "201901", "abcdefgh"])
def test_guarantee_valid_until_must_be_a_real_yyyymmdd_C_2(company, value):
    response = company.post("/collection-filings", {"customs_code": "5300", "goods_nature": "GENERAL",
                                                    "guarantee_valid_until": value})
    assert response.status_code == 422
    assert ("C-2", "guarantee_valid_until") in rules_of(response)


def test_save_needs_customs_and_goods_nature_and_fills_nothing_typed_C_2(company):
    response = company.post("/collection-filings", {})
    assert rules_of(response) >= {("C-2", "customs_code"), ("C-2", "goods_nature")}
    refused = company.post("/collection-filings", {"customs_code": "5300", "goods_nature": "GENERAL",
                                                   "enterprise_name": "别的公司"})
    assert refused.status_code == 422  # system-filled fields are not accepted


def test_delete_only_in_deletable_statuses_and_copy_from_any_C_3(company):
    center_no = approved(company)
    response = company.delete(f"/collection-filings/{center_no}")
    assert response.status_code == 409
    assert ("C-3", "status") in rules_of(response)
    copy = company.post(f"/collection-filings/{center_no}/copy")
    assert copy.status_code == 201 and copy.json["status"] == "ENTERED"
    draft = company.save()
    company.post(f"/collection-filings/{draft}/products", {"items": [item(1)]})
    assert company.delete(f"/collection-filings/{draft}").status_code == 204
    assert company.get(f"/collection-filings/{draft}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_declared_filing_cannot_be_edited_and_second_open_filing_is_refused_C_1_C_3(company):
    center_no = company.declared()
    patch = company.client.patch(f"/api/v1/collection-filings/{center_no}", json={"ie_batches": 2},
                                 headers=company.headers)
    assert patch.status_code == 409
    twin = company.save()
    response = company.post(f"/collection-filings/{twin}/declare")
    assert response.status_code == 409
    assert ("C-1", "goods_nature") in rules_of(response)


def test_volume_declared_before_filing_approval_waits_then_is_sent_C_5(company):
    center_no = company.save()
    volume_no = company.post(f"/collection-filings/{center_no}/products",
                             {"items": [item(1)]}).json["volumes"][0]["volume_no"]
    early = company.post(f"/volumes/{volume_no}/declare")
    assert early.status_code == 422 and ("C-5", "center_no") in rules_of(early)
    company.post(f"/collection-filings/{center_no}/declare")
    assert company.post(f"/volumes/{volume_no}/declare").json == {"status": "WAITING"}
    tick()
    volume = company.filing(center_no)["volumes"][0]
    assert volume["status"] == "DECLARED" and volume["customs_volume_no"] is None
    tick()
    volume = company.filing(center_no)["volumes"][0]
    assert volume["status"] == "APPROVED" and len(volume["customs_volume_no"]) == 12
    steps = [(r.from_status, r.to_status) for r in db.session.scalars(
        select(Receipt).where(Receipt.record_type == "product_volumes").order_by(Receipt.id))]
    assert steps == [("ENTERED", "WAITING"), ("WAITING", "DECLARED"), ("DECLARED", "APPROVED")]


def test_insert_before_and_delete_renumber_without_gaps_C_4(company):
    center_no = company.save()
    volume_no = company.post(f"/collection-filings/{center_no}/products",
                             {"items": [item(n) for n in range(1, 6)]}).json["volumes"][0]["volume_no"]
    inserted = company.post(f"/volumes/{volume_no}/items", {"before": 2, "item": item(99, name="插入的商品")})
    assert inserted.status_code == 201, inserted.json
    assert [(p["seq"], p["name"]) for p in inserted.json["items"]] == [
        (1, "商品1"), (2, "插入的商品"), (3, "商品2"), (4, "商品3"), (5, "商品4"), (6, "商品5")]
    deleted = company.delete(f"/volumes/{volume_no}/items/1")
    assert [(p["seq"], p["name"]) for p in deleted.json["items"]] == [
        (1, "插入的商品"), (2, "商品2"), (3, "商品3"), (4, "商品4"), (5, "商品5")]
    last = company.delete(f"/volumes/{volume_no}/items/5")
    assert [p["seq"] for p in last.json["items"]] == [1, 2, 3, 4]
    missing = company.post(f"/volumes/{volume_no}/items", {"before": 9, "item": item(1)})
    assert missing.status_code == 422 and ("C-4", "seq") in rules_of(missing)
    company.post(f"/collection-filings/{center_no}/declare")
    company.post(f"/volumes/{volume_no}/declare")
    frozen = company.delete(f"/volumes/{volume_no}/items/1")
    assert frozen.status_code == 409 and ("C-4", "status") in rules_of(frozen)
