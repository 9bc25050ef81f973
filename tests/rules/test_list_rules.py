"""Module C list and modify/revoke rules (C-8..C-17), as parametrize tables."""
from datetime import date
from decimal import Decimal

import pytest

from rules import lists as r

CURRENCIES, COUNTRIES = {"CNY", "USD"}, {"CHN", "USA", "AUS"}
FILED = {1: r.FiledItem(1, "8471300000", "笔记本电脑", "品牌:甲", "007"),
         2: r.FiledItem(2, "0303890000", "冻鱼", None, "035", license_no="O:LIC-1"),
         3: r.FiledItem(3, "6109100000", "T恤", None, "011", active=False)}


def fields(violations, rule):
    return {v.field for v in violations if v.rule == rule}


@pytest.mark.parametrize("head,ok", [
    ({"list_type": "IMPORT_GENERAL", "customs_code": "5300"}, True),
    ({"list_type": "IMPORT_GENERAL"}, False), ({"list_type": "X", "customs_code": "5300"}, False)])
def test_c8_save_needs_type_and_customs(head, ok):
    assert (r.list_save_violations(head) == []) is ok


@pytest.mark.parametrize("list_type,filings,ok", [
    ("IMPORT_GENERAL", [r.FilingInfo("5300", "GENERAL", "APPROVED", None)], True),
    ("IMPORT_GENERAL", [r.FilingInfo("5300", "BONDED", "APPROVED", None)], False),
    ("IMPORT_BONDED", [r.FilingInfo("5300", "BONDED", "APPROVED", date(2026, 12, 31))], True),
    ("IMPORT_GENERAL", [r.FilingInfo("5100", "GENERAL", "APPROVED", None)], False),
    ("IMPORT_GENERAL", [r.FilingInfo("5300", "GENERAL", "DECLARED", None)], False),
    ("IMPORT_GENERAL", [r.FilingInfo("5300", "GENERAL", "APPROVED", date(2026, 1, 1))], False),
    ("EXPORT_GENERAL", [r.FilingInfo("5300", "CONTRACT_EXPORT", "APPROVED", None)], True),
    ("IMPORT_GENERAL", [r.FilingInfo("5300", "CONTRACT_EXPORT", "APPROVED", None)], False),
])
def test_c9_approved_filing_with_matching_goods_nature(list_type, filings, ok):
    assert (r.filing_match_violations(list_type, "5300", filings, date(2026, 6, 1)) == []) is ok


def test_c10_filing_no_and_seq_must_exist_and_be_active():
    items = [{"filing_seq": 1}, {"filing_seq": 3}, {"filing_seq": 9}]
    found = r.item_reference_violations("B20260001001", True, items, FILED, bonded=False)
    assert fields(found, "C-10") == {"items[1].filing_seq", "items[2].filing_seq"}
    assert fields(r.item_reference_violations("SHORT", False, [{"filing_seq": 1}], FILED, False), "C-10") == {"filing_no"}
    assert fields(r.item_reference_violations("B20260001001", False, [{"filing_seq": 1}], FILED, False),
                  "C-10") == {"filing_no"}


@pytest.mark.parametrize("head,bad", [
    ({"packages": 3, "gross_weight": "10", "net_weight": "9", "transport_mode": "4"}, set()),
    ({"packages": 3, "gross_weight": "10", "net_weight": "10", "transport_mode": "4"}, set()),
    ({"packages": 3, "gross_weight": "10", "net_weight": "10.0001", "transport_mode": "4"}, {"net_weight"}),
    ({"packages": 0, "gross_weight": "10", "net_weight": "9", "transport_mode": "4"}, {"packages"}),
    ({"packages": "1.5", "gross_weight": "10", "net_weight": "9", "transport_mode": "4"}, {"packages"}),
])
def test_c11_head_packages_and_net_not_above_gross(head, bad):
    assert fields(r.head_violations(head), "C-11") == bad


@pytest.mark.parametrize("item,bad", [
    ({"qty": "2", "unit_price": "3.335", "currency": "USD", "country": "USA"}, set()),
    ({"qty": "0", "unit_price": "1", "currency": "USD", "country": "USA"}, {"items[0].qty"}),
    ({"qty": "1", "unit_price": "1", "currency": "XXX", "country": "ZZZ"}, {"items[0].currency", "items[0].country"}),
    ({"qty": "2", "unit_price": "3.335", "total": "6.66", "currency": "USD", "country": "USA"}, {"items[0].total"}),
    ({"qty": "2", "unit_price": "3.335", "total": "6.67", "currency": "USD", "country": "USA"}, set()),
])
def test_c11_item_quantity_codes_and_total(item, bad):
    assert fields(r.item_violations(item, 0, CURRENCIES, COUNTRIES), "C-11") == bad


def test_c11_total_is_rounded_half_up_to_two_decimals():
    assert r.item_total("2", "3.335") == Decimal("6.67")
    assert r.item_total("3", "0.005") == Decimal("0.02")


@pytest.mark.parametrize("list_type,nature,mode", [
    ("IMPORT_GENERAL", "GENERAL", "0110"), ("EXPORT_GENERAL", "BORDER_SMALL", "4019"),
    ("EXPORT_GENERAL", "CONTRACT_EXPORT", "3422"), ("IMPORT_GENERAL", "CONTRACT_EXPORT", None),
    ("IMPORT_BONDED", "BONDED", "1233")])
def test_c11_trade_mode_is_system_filled(list_type, nature, mode):
    assert r.trade_mode_for(list_type, nature) == mode


def test_c11_bonded_trade_mode_comes_from_the_trade_mode_table_default():
    defaults = {"IMPORT_BONDED": "0615"}
    assert r.trade_mode_for("IMPORT_BONDED", "BONDED", defaults) == "0615"
    assert r.trade_mode_for("EXPORT_BONDED", "BONDED", defaults) == "1233"
    assert r.trade_mode_for("IMPORT_GENERAL", "GENERAL", defaults) == "0110"


def test_c12_licence_controlled_goods_need_the_licence_and_quantity():
    items = [{"filing_seq": 2, "qty": "60"}]
    assert fields(r.licence_violations(None, items, FILED, None, None, Decimal(0)), "C-12") == {"items[0].filing_seq"}
    assert r.licence_violations("O:LIC-1", items, FILED, {"0303890000"}, Decimal(100), Decimal(40)) == []
    over = r.licence_violations("O:LIC-1", items, FILED, {"0303890000"}, Decimal(100), Decimal("40.0001"))
    assert fields(over, "C-12") == {"license_no"}
    other = r.licence_violations("O:LIC-1", [{"filing_seq": 1, "qty": "1"}], FILED, {"0303890000"}, Decimal(9), Decimal(0))
    assert fields(other, "C-12") == {"items[0].filing_seq"}


def test_c13_waterway_list_must_match_manifest():
    manifest = r.ManifestInfo("COSCO STAR", "V001", 10, Decimal("1000"), Decimal("900"))
    head = {"transport_mode": "2", "bill_no": "BL1", "vessel_name": "cosco star", "voyage_no": "V001",
            "packages": 10, "gross_weight": "1000.0", "net_weight": "900"}
    assert r.manifest_violations(head, manifest) == []
    assert fields(r.manifest_violations({**head, "packages": 11}, manifest), "C-13") == {"packages"}
    assert fields(r.manifest_violations(head, None), "C-13") == {"bill_no"}
    assert r.manifest_violations({**head, "transport_mode": "4"}, None) == []


@pytest.mark.parametrize("status,ok", [(1, True), (2, False), (7, False), (16, False)])
def test_c14_only_status_one_is_editable(status, ok):
    assert (r.editable_violations(status) == []) is ok


@pytest.mark.parametrize("status,ok", [(7, True), (9, True), (10, True), (11, True), (12, True), (15, True),
                                       (1, False), (2, False), (13, False), (16, False)])
def test_c16_change_request_statuses(status, ok):
    found = r.change_request_violations(status, False, "REVOKE", "错报", "张三", "13800138000", None)
    assert (found == []) is ok


def test_c16_one_open_request_per_list():
    found = r.change_request_violations(15, True, "REVOKE", "错报", "张三", "13800138000", None)
    assert fields(found, "C-16") == {"list"}


def test_c17_modify_needs_reason_contact_phone_and_allowed_fields():
    found = r.change_request_violations(15, False, "MODIFY", "", "", "12", {"customs_code": "5100"})
    assert fields(found, "C-17") == {"reason", "contact", "phone", "changes.customs_code"}
    assert r.change_request_violations(15, False, "MODIFY", "数量错", "李四", "0755-12345678",
                                       {"packages": 5, "items[0].qty": "3"}) == []
