"""Masked display of personal identifiers (Q-23): ID numbers, mobile numbers and e-mail addresses.

A proxy that opens another enterprise's filed data sees `4403**********0114`, `138****8000`,
`z***@example.com`. A masked value always contains `*`, which no valid identifier does, so a masked
value sent back is recognised and stands for the original it masks.
"""
from __future__ import annotations

MASK = "*"
# Where personal identifiers sit in an application body (API.md names).
ENTERPRISE_FIELDS = ("legal_rep_id_no", "contact_mobile", "email")
SECTION_FIELDS = {"management_personnel": ("id_no", "mobile"), "declaration_personnel": ("id_no", "mobile")}


def is_masked(value) -> bool:
    """Tell whether a value is a masked display (it contains `*`)."""
    return isinstance(value, str) and MASK in value


def _mask_middle(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return MASK * len(text)
    return text[:head] + MASK * (len(text) - head - tail) + text[len(text) - tail:]


def mask_id_no(text: str) -> str:
    """Keep a quarter of an ID number at each end, at most 4 (`4403**********0114`)."""
    keep = min(4, max(1, len(text) // 4))
    return _mask_middle(text, keep, keep)


def mask_mobile(text: str) -> str:
    """Keep the first 3 and last 4 digits of a phone number (`138****8000`)."""
    if len(text) >= 8:
        return _mask_middle(text, 3, 4)
    return _mask_middle(text, 1, 1)


def mask_email(text: str) -> str:
    """Keep the first character of the mailbox and the domain (`z***@example.com`)."""
    local, at, domain = text.partition("@")
    if not at:
        return mask_id_no(text)
    return (local[:1] + MASK * 3) + "@" + domain


def mask_value(field: str, value):
    """Return the masked display of a personal identifier field's value (blank and masked stay as they are)."""
    if not isinstance(value, str) or not value.strip() or is_masked(value):
        return value
    text = value.strip()
    if field == "email":
        return mask_email(text)
    if field in ("contact_mobile", "mobile"):
        return mask_mobile(text)
    return mask_id_no(text)
