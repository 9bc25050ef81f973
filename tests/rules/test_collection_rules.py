"""Module C filing and volume rules (C-1..C-7), as parametrize tables."""
from datetime import date

import pytest

from rules import collection as c

CUSTOMS = {"5300", "0708", "5729", "0700", "5700"}
MODES = {"1", "2"}
UNITS = {"007", "035"}


def rules_of(violations):
    return {(v.rule, v.field) for v in violations}


@pytest.mark.parametrize("nature,customs,ok", [
    ("GENERAL", "5300", True), ("BONDED", "5300", True),
    ("BORDER_SMALL", "0708", True), ("BORDER_SMALL", "5300", False),
    ("CONTRACT_EXPORT", "5729", True), ("CONTRACT_EXPORT", "0708", False), ("OTHER", "5300", False),
])
def test_c1_goods_nature_customs_prefix(nature, customs, ok):
    assert (c.goods_nature_violations(nature, customs) == []) is ok


@pytest.mark.parametrize("held,ok", [({"IE"}, True), ({"IE_BRANCH"}, True), ({"CB"}, False), (set(), False)])
def test_c1_filing_needs_ie_qualification(held, ok):
    assert (c.filing_qualification_violations(held) == []) is ok


def _filing(**values):
    data = {"customs_code": "5300", "enterprise_customs_code": "4403960001", "enterprise_name": "甲公司",
            "goods_nature": "GENERAL"}
    data.update(values)
    return data


@pytest.mark.parametrize("values,expected", [
    ({}, set()),
    ({"customs_code": ""}, {("C-2", "customs_code")}),
    ({"enterprise_name": None}, {("C-2", "enterprise_name")}),
    ({"guarantee_valid_until": "20190230"}, {("C-2", "guarantee_valid_until")}),
    ({"guarantee_valid_until": "2019-01-01"}, {("C-2", "guarantee_valid_until")}),
    ({"guarantee_valid_until": "20190101", "guarantee_amount": "12.5", "guarantee_mode": "1"}, set()),
    ({"guarantee_amount": "0"}, {("C-2", "guarantee_amount")}),
    ({"guarantee_amount": "abc"}, {("C-2", "guarantee_amount")}),
    ({"goods_nature": "BONDED", "guarantee_amount": "5"}, {("C-2", "guarantee_amount")}),
    ({"goods_nature": "BONDED"}, set()),
    ({"ie_batches": "0"}, {("C-2", "ie_batches")}),
])
def test_c2_filing_save_checks(values, expected):
    assert rules_of(c.filing_save_violations(_filing(**values), CUSTOMS, MODES)) == expected


def test_c3_approval_valid_until_by_goods_nature():
    approved = date(2026, 3, 1)
    assert c.approval_valid_until("BONDED", None, approved, 365) == date(2027, 3, 1)
    assert c.approval_valid_until("GENERAL", date(2027, 1, 31), approved) == date(2027, 1, 31)
    assert c.approval_valid_until("GENERAL", None, approved) == c.LONG_TERM


@pytest.mark.parametrize("status,until,today,ok", [
    ("APPROVED", date(2026, 5, 1), date(2026, 5, 1), True),
    ("APPROVED", date(2026, 5, 1), date(2026, 5, 2), False),
    ("DECLARED", None, date(2026, 5, 1), False),
])
def test_c3_filing_past_valid_until_accepts_nothing(status, until, today, ok):
    assert (c.filing_active_violations(status, until, today) == []) is ok


def test_c6_change_only_approved_one_open_allowed_fields():
    assert c.filing_change_violations("APPROVED", False, {"ie_batches": 3, "add_items": []}) == []
    assert rules_of(c.filing_change_violations("DECLARED", False, {})) == {("C-6", "status")}
    assert rules_of(c.filing_change_violations("APPROVED", True, {})) == {("C-6", "status")}
    assert rules_of(c.filing_change_violations("APPROVED", False, {"customs_code": "5100"})) == {("C-6", "customs_code")}


@pytest.mark.parametrize("today,ok", [
    (date(2026, 6, 20), False),   # 11 days before
    (date(2026, 6, 21), True),    # exactly 10 days before (inclusive)
    (date(2026, 7, 1), True),     # the expiry day itself
    (date(2026, 7, 2), False),    # after expiry
])
def test_c7_bonded_extension_window_inclusive(today, ok):
    assert (c.extension_violations("BONDED", "APPROVED", date(2026, 7, 1), today, 10) == []) is ok


def test_c7_extension_only_for_bonded():
    assert rules_of(c.extension_violations("GENERAL", "APPROVED", date(2026, 7, 1), date(2026, 7, 1))) == \
        {("C-7", "goods_nature")}


@pytest.mark.parametrize("item,fields", [
    ({"hs_code": "8471300000", "name": "笔记本电脑", "unit": "007"}, set()),
    ({"hs_code": "847130000", "name": "x", "unit": "007"}, {"hs_code"}),
    ({"hs_code": "84713000AB", "name": "x", "unit": "007"}, {"hs_code"}),
    ({"hs_code": "8471300000", "name": "", "unit": "999"}, {"name", "unit"}),
    ({"hs_code": "8471300000", "name": "x", "unit": "007", "license_no": "ABC"}, {"license_no"}),
    ({"hs_code": "8471300000", "name": "x", "unit": "007", "license_no": "O:2026-0001"}, set()),
])
def test_c4_product_item_checks(item, fields):
    assert {v.field for v in c.product_item_violations(item, UNITS)} == fields


@pytest.mark.parametrize("open_count,new,new_volume,plan", [
    (None, 120, False, [0, 99, 21]),
    (0, 120, False, [99, 21]),
    (98, 1, False, [1]),
    (99, 1, False, [0, 1]),          # the 100th item starts a new volume
    (10, 5, True, [0, 5]),           # 新增: a new volume at will
    (None, 99, False, [0, 99]),
])
def test_c4_volume_split_at_99(open_count, new, new_volume, plan):
    assert c.plan_volume_fill(open_count, new, new_volume) == plan


def test_c4_renumbering_has_no_gaps():
    seqs = [1, 2, 3, 4]
    assert c.renumber_after_insert(seqs, 2) == {2: 3, 3: 4, 4: 5}
    assert c.renumber_after_delete(seqs, 2) == {3: 2, 4: 3}
    after = sorted(set(seqs) - {2} - set(c.renumber_after_delete(seqs, 2))) + \
        sorted(c.renumber_after_delete(seqs, 2).values())
    assert sorted(after) == [1, 2, 3]


@pytest.mark.parametrize("filing_status,volume_status", [
    ("APPROVED", "DECLARED"), ("DECLARED", "WAITING"), ("ENTERED", None), ("REFUSED", None)])
def test_c5_volume_waits_until_filing_approved(filing_status, volume_status):
    assert c.volume_declare_status(filing_status) == volume_status
