"""Field format checks of rule Q-10 (and the licence-number format of Q-17).

A blank value passes every format check here: whether a field is required is a separate rule.
Each function returns a list of `Violation` naming the field and its Chinese meaning.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from rules.identifiers import id_card_violations
from rules.violations import Violation

POSTAL_CODE_PATTERN = re.compile(r"^\d{6}$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
PHONE_PATTERN = re.compile(r"^0\d{2,3}-\d{7,8}(-\d{1,6})?$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
OTHER_ID_PATTERN = re.compile(r"^[A-Za-z0-9()（）\-]+$")
LICENSE_NUMBER_PATTERN = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9\-]+$")

ID_CARD = "ID_CARD"
OTHER_ID_MAX_LENGTH = 32
EMAIL_MAX_LENGTH = 100
URL_MAX_LENGTH = 200


def is_blank(value) -> bool:
    """Return True for None, empty or whitespace-only values."""
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """Return the value as stripped text ('' for None)."""
    return "" if value is None else str(value).strip()


def postal_code_violations(value, field: str = "postal_code", label: str = "邮政编码") -> list[Violation]:
    """Check a postal code is 6 digits (Q-10)."""
    if is_blank(value) or POSTAL_CODE_PATTERN.match(_text(value)):
        return []
    return [Violation("Q-10", field, f"{label}应为6位数字")]


def mobile_violations(value, field: str = "contact_mobile", label: str = "移动电话") -> list[Violation]:
    """Check a mainland mobile number: 11 digits starting 13–19 (Q-10)."""
    if is_blank(value) or MOBILE_PATTERN.match(_text(value)):
        return []
    return [Violation("Q-10", field, f"{label}格式不正确，应为以13至19开头的11位手机号码")]


def phone_violations(value, field: str = "contact_phone", label: str = "固定电话") -> list[Violation]:
    """Check a fixed phone (or fax) number: area code-number with an optional -extension (Q-10)."""
    if is_blank(value) or PHONE_PATTERN.match(_text(value)):
        return []
    return [Violation(
        "Q-10", field,
        f"{label}格式不正确，应为“区号-号码”或“区号-号码-分机号”，如010-12345678",
    )]


def email_violations(value, field: str = "email", label: str = "电子邮箱") -> list[Violation]:
    """Check an e-mail address has a plausible name@domain.tld shape (Q-10)."""
    if is_blank(value):
        return []
    text = _text(value)
    if len(text) > EMAIL_MAX_LENGTH or ".." in text or not EMAIL_PATTERN.match(text):
        return [Violation("Q-10", field, f"{label}格式不正确，如name@example.com")]
    return []


def url_violations(value, field: str = "website", label: str = "网址") -> list[Violation]:
    """Check a web address is an http:// or https:// URL with a host name (Q-10)."""
    if is_blank(value):
        return []
    text = _text(value)
    parts = urlsplit(text)
    host = parts.hostname or ""
    if (
        len(text) > URL_MAX_LENGTH
        or parts.scheme not in ("http", "https")
        or "." not in host
        or any(ch.isspace() for ch in text)
    ):
        return [Violation("Q-10", field, f"{label}格式不正确，应以http://或https://开头，如https://www.example.com")]
    return []


def person_id_violations(
    id_type, id_no, field: str, label: str = "证件号码", today: date | None = None
) -> list[Violation]:
    """Check an ID number against its type: GB 11643 for ID_CARD, a plain shape for others (Q-10)."""
    if is_blank(id_no):
        return []
    if id_type == ID_CARD:
        return id_card_violations(_text(id_no), field, label=label, today=today)
    text = _text(id_no)
    if len(text) > OTHER_ID_MAX_LENGTH:
        return [Violation("Q-10", field, f"{label}不能超过{OTHER_ID_MAX_LENGTH}个字符")]
    if not OTHER_ID_PATTERN.match(text):
        return [Violation("Q-10", field, f"{label}只能包含字母、数字、括号和“-”")]
    return []


def license_number_violations(value, field: str = "number", label: str = "许可证编号") -> list[Violation]:
    """Check a licence number contains only Chinese characters, letters, digits and '-' (Q-17)."""
    if is_blank(value) or LICENSE_NUMBER_PATTERN.match(_text(value)):
        return []
    return [Violation("Q-17", field, f"{label}只能包含中文、英文字母、数字和“-”")]


def length_violations(value, max_length: int, field: str, label: str, rule: str = "Q-10") -> list[Violation]:
    """Check a text value is at most max_length characters (Q-10 unless another rule owns the field)."""
    if is_blank(value) or len(_text(value)) <= max_length:
        return []
    return [Violation(rule, field, f"{label}不能超过{max_length}个字符")]
