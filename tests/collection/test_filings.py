"""Collection filings and product volumes through the API (C-1..C-7, U-5), SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import CollectionFiling, FilingRequest, Product, ProductVolume, Receipt
from scheduler.simulator import customs_tick

_codes = itertools.count(1)
START = "2026-03-02T10:00:00+08:00"


def item(n: int, **values) -> dict:
    """Return a valid product item."""
    data = {"hs_code": f"{8471300000 + n:010d}", "name": f"商品{n}", "spec": f"规格{n}", "unit": "007"}
    data.update(values)
    return data


def rules_of(response) -> set[tuple[str, str]]:
    return {(v["rule"], v["field"]) for v in response.json["error"]["violations"]}


class Company:
    """An enterprise with a registration code, qualifications and a card-login token."""

    def __init__(self, make, client, types=("IE",), login="card"):
        self.client = client
        self.enterprise = make.enterprise(registration_code=f"44039{next(_codes):05d}")
        for qualification_type in types:
            make.qualification(self.enterprise, qualification_type)
        self.user = make.user(self.enterprise)
        self.make, self.card = make, make.card(self.user) if login == "card" else None
        self.login()

    def login(self) -> None:
        """Get a fresh token (tokens expire; tests move the clock by days)."""
        self.headers = self.make.token(self.client, card=self.card) if self.card is not None else \
            self.make.token(self.client, user=self.user)

    def post(self, url: str, body: dict | None = None):
        return self.client.post("/api/v1" + url, json=body if body is not None else {}, headers=self.headers)

    def get(self, url: str):
        return self.client.get("/api/v1" + url, headers=self.headers)

    def delete(self, url: str):
        return self.client.delete("/api/v1" + url, headers=self.headers)

    def save(self, **body):
        body = {"customs_code": "5300", "goods_nature": "GENERAL", **body}
        response = self.post("/collection-filings", body)
        assert response.status_code == 201, response.json
        return response.json["center_no"]

    def declared(self, **body) -> str:
        center_no = self.save(**body)
        response = self.post(f"/collection-filings/{center_no}/declare")
        assert response.status_code == 200, response.json
        return center_no

    def filing(self, center_no: str) -> dict:
        response = self.get(f"/collection-filings/{center_no}")
        assert response.status_code == 200, response.json
        return response.json


def tick(minutes: int = 5):
    """Move the clock on by `minutes` and run the customs simulator once (S-5)."""
    clock.set_fixed_now(clock.now() + timedelta(minutes=minutes))
    return customs_tick(db.session)


@pytest.fixture
def company(make, client):
    clock.set_fixed_now(START)
    return Company(make, client)


def approved(company, **body) -> str:
    center_no = company.declared(**body)
    tick()
    assert company.filing(center_no)["status"] == "APPROVED"
    return center_no


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
