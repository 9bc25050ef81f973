"""Collection filings after approval through the API (C-3, C-4, C-6, C-7, U-5, S-2), SQLite and PostgreSQL:
changes and extensions, expiry, cancel and correction, tenancy, the simulator's failure rate."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import CollectionFiling, FilingRequest, ProductVolume, Receipt
from tests.collection.filing_helpers import Company, approved, item, rules_of, tick


def test_change_only_for_approved_filing_and_one_open_change_C_6(company):
    draft = company.declared()
    early = company.post(f"/collection-filings/{draft}/changes", {"ie_batches": 5})
    assert early.status_code == 409 and ("C-6", "status") in rules_of(early)
    tick()
    volume_no = company.post(f"/collection-filings/{draft}/products",
                             {"items": [item(n) for n in range(3)]}).json["volumes"][0]["volume_no"]
    company.post(f"/volumes/{volume_no}/declare")
    tick()
    change = company.post(f"/collection-filings/{draft}/changes",
                          {"ie_batches": 5, "guarantee_amount": "20", "guarantee_valid_until": "20281231",
                           "add_items": [item(50, name="新增商品")],
                           "disable_items": [{"volume_no": volume_no, "seq": 2}]})
    assert change.status_code == 201, change.json
    assert change.json["status"] == "DECLARED"
    second = company.post(f"/collection-filings/{draft}/changes", {"ie_batches": 6})
    assert second.status_code == 409 and ("C-6", "status") in rules_of(second)
    tick()
    detail = company.filing(draft)
    assert detail["ie_batches"] == 5 and detail["guarantee_amount"] == "20"
    assert detail["guarantee_valid_until"] == "20281231" and detail["approval_valid_until"] == "2028-12-31"
    assert detail["requests"][0]["status"] == "APPROVED"
    items = detail["volumes"][0]["items"]
    assert [(p["seq"], p["name"], p["active"]) for p in items] == [
        (1, "商品0", True), (2, "商品1", False), (3, "商品2", True), (4, "新增商品", True)]
    again = company.post(f"/collection-filings/{draft}/changes", {"ie_batches": 6})
    assert again.status_code == 201


def test_change_refuses_unknown_items_and_fields_C_6(company):
    center_no = approved(company)
    response = company.post(f"/collection-filings/{center_no}/changes",
                            {"disable_items": [{"volume_no": "V000", "seq": 1}]})
    assert response.status_code == 422 and ("C-6", "disable_items[0]") in rules_of(response)
    customs = company.post(f"/collection-filings/{center_no}/changes", {"customs_code": "5355"})
    assert customs.status_code == 422  # only batches and guarantee fields may change
    empty = company.post(f"/collection-filings/{center_no}/changes", {})
    assert empty.status_code == 422 and ("C-6", "body") in rules_of(empty)


@pytest.mark.parametrize("days_before,allowed", [(11, False), (10, True), (0, True), (-1, False)])
def test_bonded_extension_window_C_7(company, days_before, allowed):
    center_no = approved(company, goods_nature="BONDED")
    valid_until = date.fromisoformat(company.filing(center_no)["approval_valid_until"])
    assert valid_until == date(2026, 3, 2) + timedelta(days=365)
    clock.set_fixed_now(f"{valid_until - timedelta(days=days_before)}T09:00:00+08:00")
    company.login()
    response = company.post(f"/collection-filings/{center_no}/extension")
    if not allowed:
        assert response.status_code == 422 and rules_of(response) == {("C-7", "valid_until")}
        return
    assert response.status_code == 201, response.json
    tick()
    assert company.filing(center_no)["approval_valid_until"] == (valid_until + timedelta(days=365)).isoformat()


def test_extension_only_for_bonded_filings_C_7(company):
    center_no = approved(company)
    response = company.post(f"/collection-filings/{center_no}/extension")
    assert response.status_code == 422 and ("C-7", "goods_nature") in rules_of(response)


def test_expired_filing_accepts_no_new_volumes_C_3(company):
    center_no = approved(company, guarantee_valid_until="20260310")
    clock.set_fixed_now("2026-03-11T09:00:00+08:00")
    company.login()
    response = company.post(f"/collection-filings/{center_no}/products", {"items": [item(1)]})
    assert response.status_code == 422 and ("C-3", "approval_valid_until") in rules_of(response)


def test_account_login_token_is_refused_U_5(make, client):
    account = Company(make, client, login="account")
    response = account.post("/collection-filings", {"customs_code": "5300", "goods_nature": "GENERAL"})
    assert response.status_code == 403 and rules_of(response) == {("U-5", "login_mode")}
    assert account.get("/collection-filings").status_code == 403


def test_other_enterprises_filings_and_volumes_are_404(company, make, client):
    center_no = company.save()
    volume_no = company.post(f"/collection-filings/{center_no}/products",
                             {"items": [item(1)]}).json["volumes"][0]["volume_no"]
    other = Company(make, client)
    assert other.get(f"/collection-filings/{center_no}").status_code == 404
    assert other.post(f"/collection-filings/{center_no}/declare").status_code == 404
    assert other.post(f"/volumes/{volume_no}/declare").status_code == 404
    assert other.get("/collection-filings").json["items"] == []
    assert [f["center_no"] for f in company.get("/collection-filings").json["items"]] == [center_no]


def test_receipt_failure_rate_fails_filings_and_they_can_be_declared_again_S_2(company):
    from scheduler.settings import update_setting
    update_setting(db.session, "receipt_failure_rate", "1")
    db.session.commit()
    center_no = company.declared()
    tick()
    assert company.filing(center_no)["status"] == "RECEIPT_FAILED"
    update_setting(db.session, "receipt_failure_rate", "0")
    db.session.commit()
    assert company.post(f"/collection-filings/{center_no}/declare").json == {"status": "DECLARED"}
    tick()
    assert company.filing(center_no)["status"] == "APPROVED"


def test_staff_cancel_cancels_volumes_and_open_requests_C_3(company):
    from portal.collection.filings import cancel_filing
    center_no = approved(company)
    company.post(f"/collection-filings/{center_no}/products", {"items": [item(1)]})
    company.post(f"/collection-filings/{center_no}/changes", {"ie_batches": 9})
    filing = db.session.scalar(select(CollectionFiling).where(CollectionFiling.center_no == center_no))
    cancel_filing(db.session, filing, "测试取消")
    db.session.commit()
    assert {v.status for v in db.session.scalars(select(ProductVolume))} == {"CANCELLED"}
    assert {r.status for r in db.session.scalars(select(FilingRequest))} == {"REFUSED"}
    assert company.delete(f"/collection-filings/{center_no}").status_code == 204


def test_items_added_by_a_change_overflow_into_a_new_approved_volume_C_4_C_6(company):
    center_no = approved(company)
    volume_no = company.post(f"/collection-filings/{center_no}/products",
                             {"items": [item(n) for n in range(99)]}).json["volumes"][0]["volume_no"]
    company.post(f"/volumes/{volume_no}/declare")
    tick()
    change = company.post(f"/collection-filings/{center_no}/changes", {"add_items": [item(200), item(201)]})
    assert change.status_code == 201
    tick()
    volumes = company.filing(center_no)["volumes"]
    assert [(v["status"], v["item_count"]) for v in volumes] == [("APPROVED", 99), ("APPROVED", 2)]
    assert len(volumes[1]["customs_volume_no"]) == 12
    assert [p["seq"] for p in volumes[1]["items"]] == [1, 2]


def test_refused_filing_may_be_corrected_and_declared_again_C_3(company):
    from portal.collection.filings import refuse_filing
    center_no = company.declared()
    filing = db.session.scalar(select(CollectionFiling).where(CollectionFiling.center_no == center_no))
    refuse_filing(db.session, filing, "担保信息不完整")
    db.session.commit()
    patch = company.client.patch(f"/api/v1/collection-filings/{center_no}", json={"guarantee_mode": "2"},
                                 headers=company.headers)
    assert patch.status_code == 200 and patch.json["status"] == "REFUSED"
    assert company.post(f"/collection-filings/{center_no}/declare").json == {"status": "DECLARED"}
    messages = [r.message for r in db.session.scalars(select(Receipt).where(
        Receipt.record_type == "collection_filings").order_by(Receipt.id))]
    assert messages == ["已申报", "担保信息不完整", "已申报"]


def test_guarantee_mode_is_filled_from_the_enterprise_record_C_2(company):
    company.enterprise.guarantee_mode = "2"
    db.session.commit()
    center_no = company.save(guarantee_mode="1")
    assert db.session.scalar(select(CollectionFiling.guarantee_mode).where(
        CollectionFiling.center_no == center_no)) == "2"
    bonded = company.save(goods_nature="BONDED")
    assert db.session.scalar(select(CollectionFiling.guarantee_mode).where(
        CollectionFiling.center_no == bonded)) is None


def test_c4_retried_volume_item_delete_with_the_volume_version_does_not_delete_the_next_item(company):
    center_no = company.save()
    volume_no = company.post(f"/collection-filings/{center_no}/products",
                             {"items": [item(n) for n in range(1, 4)]}).json["volumes"][0]["volume_no"]
    version = company.get(f"/volumes/{volume_no}").json["version"]
    first = company.delete(f"/volumes/{volume_no}/items/1?version={version}")
    assert first.status_code == 200 and [p["name"] for p in first.json["items"]] == ["商品2", "商品3"]
    assert first.json["version"] != version
    retried = company.delete(f"/volumes/{volume_no}/items/1?version={version}")
    assert retried.status_code == 409 and ("C-4", "version") in rules_of(retried)
    assert [p["name"] for p in company.get(f"/volumes/{volume_no}").json["items"]] == ["商品2", "商品3"]
