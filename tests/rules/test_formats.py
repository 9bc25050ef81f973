"""Q-10 field formats and the Q-17 licence-number format."""
from datetime import date

import pytest

from rules.formats import (
    email_violations, length_violations, license_number_violations, mobile_violations,
    person_id_violations, phone_violations, postal_code_violations, url_violations,
)
from rules.identifiers import make_id_card


@pytest.mark.parametrize("value, ok", [
    ("518000", True), ("", True), (None, True),
    ("51800", False), ("5180000", False), ("51800A", False), ("518 00", False),
])
def test_q10_postal_code_is_6_digits(value, ok):
    violations = postal_code_violations(value)
    assert (violations == []) is ok
    assert all(v.rule == "Q-10" and v.field == "postal_code" and "邮政编码" in v.message for v in violations)


@pytest.mark.parametrize("value, ok", [
    ("13800138000", True), ("19912345678", True), ("13012345678", True),
    ("12800138000", False), ("1380013800", False), ("138001380000", False), ("+8613800138000", False),
    ("23800138000", False),
])
def test_q10_mobile_starts_13_to_19_and_has_11_digits(value, ok):
    assert (mobile_violations(value, "contact_mobile", "联系人移动电话") == []) is ok


@pytest.mark.parametrize("value, ok", [
    ("010-12345678", True), ("0755-1234567", True), ("0755-12345678-123", True), ("021-12345678-1", True),
    ("10000-100000000", False), ("755-12345678", False), ("0755-123456", False),
    ("0755-123456789", False), ("0755-12345678-1234567", False), ("075512345678", False),
])
def test_q10_fixed_phone_format(value, ok):
    violations = phone_violations(value, "contact_phone", "联系人固定电话")
    assert (violations == []) is ok
    assert all("联系人固定电话" in v.message for v in violations)


@pytest.mark.parametrize("value, ok", [
    ("a@example.com", True), ("first.last+tag@mail.example.com.cn", True),
    ("a@example", False), ("a.example.com", False), ("a@@example.com", False), ("a@exa mple.com", False),
    ("a..b@example.com", False),
])
def test_q10_email_format(value, ok):
    assert (email_violations(value) == []) is ok


@pytest.mark.parametrize("value, ok", [
    ("https://www.example.com", True), ("http://example.com/path?q=1", True),
    ("www.example.com", False), ("ftp://example.com", False), ("https://", False), ("https://exa mple.com", False),
])
def test_q10_url_must_be_http_or_https(value, ok):
    assert (url_violations(value) == []) is ok


@pytest.mark.parametrize("id_type, id_no, ok", [
    ("ID_CARD", make_id_card("440304", "19900101", "123"), True),
    ("ID_CARD", "440304199001011230", False),            # wrong check character
    ("ID_CARD", make_id_card("440304", "20300101", "1"), False),  # born in the future
    ("PASSPORT", "E12345678", True),
    ("HK_MO_PERMIT", "H1234567(8)", True),
    ("OTHER", "AB-123（9）", True),
    ("PASSPORT", "E1234 5678", False),
    ("PASSPORT", "E#12345678", False),
    ("PASSPORT", "E" * 33, False),
    ("PASSPORT", "E" * 32, True),
])
def test_q10_person_id_depends_on_id_type(id_type, id_no, ok):
    violations = person_id_violations(id_type, id_no, "legal_rep_id_no", today=date(2025, 6, 15))
    assert (violations == []) is ok
    assert all(v.rule == "Q-10" and v.field == "legal_rep_id_no" for v in violations)


@pytest.mark.parametrize("value, ok", [
    ("粤快递-2020-001", True), ("JR-ABC123", True), ("Z2012345", True),
    ("粤快递 2020", False), ("No.123", False), ("123/456", False),
])
def test_q17_license_number_allows_chinese_letters_digits_and_dash(value, ok):
    violations = license_number_violations(value)
    assert (violations == []) is ok
    assert all(v.rule == "Q-17" for v in violations)


def test_q10_length_limit_names_the_field():
    assert length_violations("x" * 10, 10, "name_zh", "企业中文名称") == []
    violations = length_violations("x" * 11, 10, "name_zh", "企业中文名称")
    assert violations[0].message == "企业中文名称不能超过10个字符"
