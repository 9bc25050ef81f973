"""Identifier checks: USCC (GB 32100-2015), organization code (GB 11714), resident ID (GB 11643).

Rules Q-7, Q-8 and the resident-ID part of Q-10. Every function is pure and returns a list of
`Violation` (empty when the value is fine); `make_*` helpers build valid identifiers for tests
and demo data.
"""
from __future__ import annotations

import re
from datetime import date

from rules.violations import Violation

# GB 32100-2015: 31 characters, no I, O, S, V, Z. A character's value is its index here.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
USCC_LENGTH = 18

# GB 11714: body characters 0-9 and A-Z valued 0..35, then one check character.
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 11643: 17 digits, then the check character chosen by the weighted sum modulo 11.
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"
ID_CARD_EARLIEST_BIRTH = date(1900, 1, 1)

_ID_CARD_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character (position 18) for 17 USCC characters."""
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise ValueError(f"need 17 characters from {USCC_ALPHABET!r}, got {first17!r}")
    total = sum(USCC_ALPHABET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character for the 8 body characters of an organization code."""
    if len(first8) != 8 or any(ch not in ORG_CODE_ALPHABET for ch in first8):
        raise ValueError(f"need 8 characters from 0-9/A-Z, got {first8!r}")
    total = sum(ORG_CODE_ALPHABET.index(ch) * weight for ch, weight in zip(first8, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def org_code_from_uscc(uscc: str) -> str:
    """Return the organization code (positions 9–17) of an 18-character USCC, or ''."""
    if not isinstance(uscc, str) or len(uscc) != USCC_LENGTH:
        return ""
    return uscc[8:17]


def uscc_violations(value, field: str = "uscc", label: str = "统一社会信用代码") -> list[Violation]:
    """Check a USCC: 18 allowed characters, valid organization-code and overall check characters (Q-7)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return [Violation("Q-7", field, f"{label}不能为空")]
    if len(text) != USCC_LENGTH:
        return [Violation("Q-7", field, f"{label}应为18位，当前为{len(text)}位")]
    bad = sorted({ch for ch in text if ch not in USCC_ALPHABET})
    if bad:
        return [Violation(
            "Q-7", field,
            f"{label}含有非法字符“{''.join(bad)}”，只能由数字0-9和除I、O、S、V、Z以外的大写英文字母组成",
        )]
    violations = []
    org_code = text[8:17]
    if org_code_check_char(org_code[:8]) != org_code[8]:
        violations.append(Violation("Q-7", field, f"{label}第9至17位（组织机构代码）的校验位错误"))
    if uscc_check_char(text[:17]) != text[17]:
        violations.append(Violation("Q-7", field, f"{label}第18位校验码错误"))
    return violations


def is_valid_uscc(value) -> bool:
    """Return True when the value is a well-formed USCC with both check characters valid."""
    return not uscc_violations(value)


def make_uscc(prefix: str | int, serial: int | None = None) -> str:
    """Build a valid USCC from up to 16 leading characters (and an optional serial to right-align)."""
    body = str(prefix)
    if serial is not None:
        width = 16 - len(body)
        digits = str(serial)
        if serial < 0 or len(digits) > width:
            raise ValueError(f"serial {serial} does not fit after prefix {body!r}")
        body += digits.zfill(width)
    if len(body) > 16 or any(ch not in USCC_ALPHABET for ch in body):
        raise ValueError(f"prefix must be at most 16 characters from {USCC_ALPHABET!r}: {body!r}")
    body = body.ljust(16, "0")
    first17 = body + org_code_check_char(body[8:16])
    return first17 + uscc_check_char(first17)


def _normalize_org_code(org_code: str) -> str:
    """Return the 9-character organization code, accepting the printed form 'XXXXXXXX-X'."""
    text = org_code.strip().upper()
    if len(text) == 10 and text[8] == "-":
        return text[:8] + text[9]
    return text


def org_code_violations(org_code, uscc: str, field: str = "org_code") -> list[Violation]:
    """Check that an entered organization code equals USCC positions 9–17 (Q-8); blank is fine."""
    if org_code is None or (isinstance(org_code, str) and not org_code.strip()):
        return []
    expected = org_code_from_uscc(uscc.strip() if isinstance(uscc, str) else "")
    if _normalize_org_code(str(org_code)) != expected:
        hint = f"（应为{expected}）" if expected else ""
        return [Violation("Q-8", field, f"组织机构代码应与统一社会信用代码第9至17位一致{hint}")]
    return []


def id_card_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    total = sum(int(ch) * weight for ch, weight in zip(first17, ID_CARD_WEIGHTS))
    return ID_CARD_CHECK_CHARS[total % 11]


def id_card_birth_date(value: str) -> date | None:
    """Return the birth date encoded in positions 7–14 of a resident ID number, or None."""
    if not isinstance(value, str) or len(value) < 14 or not value[6:14].isdigit():
        return None
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_card_violations(
    value, field: str, label: str = "证件号码", today: date | None = None
) -> list[Violation]:
    """Check an 18-character resident ID: shape, real birth date not after today, check character (Q-10)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return [Violation("Q-10", field, f"{label}不能为空")]
    if not _ID_CARD_SHAPE.match(text):
        return [Violation(
            "Q-10", field,
            f"{label}应为18位居民身份证号码：前17位为数字，最后一位为数字或大写字母X",
        )]
    violations = []
    birth = id_card_birth_date(text)
    if birth is None or birth < ID_CARD_EARLIEST_BIRTH:
        violations.append(Violation("Q-10", field, f"{label}中的出生日期（第7至14位）不是有效日期"))
    elif today is not None and birth > today:
        violations.append(Violation("Q-10", field, f"{label}中的出生日期（第7至14位）晚于当前日期"))
    if id_card_check_char(text[:17]) != text[17]:
        violations.append(Violation("Q-10", field, f"{label}校验码（第18位）错误"))
    return violations


def make_id_card(region6: str, birth_yyyymmdd: str, seq3: str | int) -> str:
    """Build a resident ID number with a correct check character (for tests and demo data)."""
    sequence = str(seq3).zfill(3)
    first17 = f"{region6}{birth_yyyymmdd}{sequence}"
    return first17 + id_card_check_char(first17)
