"""Q-7, Q-8 and the resident-ID part of Q-10: USCC, organization code, GB 11643 ID numbers."""
from datetime import date

import pytest

from rules.identifiers import (
    USCC_ALPHABET, id_card_check_char, id_card_violations, is_valid_uscc, make_id_card, make_uscc,
    org_code_check_char, org_code_from_uscc, org_code_violations, uscc_check_char, uscc_violations,
)

KNOWN_VALID_USCC = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


def _other_char(ch: str) -> str:
    """Return a different character of the USCC alphabet."""
    return USCC_ALPHABET[(USCC_ALPHABET.index(ch) + 1) % len(USCC_ALPHABET)]


@pytest.mark.parametrize("uscc", KNOWN_VALID_USCC)
def test_q7_uscc_known_valid_examples_pass(uscc):
    assert uscc_violations(uscc) == []
    assert is_valid_uscc(uscc)
    assert uscc_check_char(uscc[:17]) == uscc[17]


@pytest.mark.parametrize("uscc", KNOWN_VALID_USCC)
def test_q7_uscc_check_character_one_off_is_refused(uscc):
    broken = uscc[:17] + _other_char(uscc[17])
    violations = uscc_violations(broken)
    assert [v.rule for v in violations] == ["Q-7"]
    assert "第18位校验码错误" in violations[0].message


@pytest.mark.parametrize("uscc", KNOWN_VALID_USCC)
def test_q7_uscc_org_code_check_character_is_checked_on_its_own(uscc):
    # Break position 17 and recompute position 18, so only the GB 11714 check can catch it.
    wrong17 = uscc[:16] + _other_char(uscc[16])
    broken = wrong17 + uscc_check_char(wrong17)
    violations = uscc_violations(broken)
    assert len(violations) == 1
    assert "组织机构代码" in violations[0].message


@pytest.mark.parametrize("value, fragment", [
    ("", "不能为空"),
    (None, "不能为空"),
    ("91440300708461136", "应为18位"),
    ("91440300708461136TT", "应为18位"),
    ("91440300708461I36T", "非法字符"),
    ("9144030070846113OT", "非法字符"),
    ("91440300708461136t", "非法字符"),
    ("914403007084611S6T", "非法字符"),
])
def test_q7_uscc_shape_errors(value, fragment):
    violations = uscc_violations(value, field="parent_code", label="所属单位代码")
    assert len(violations) == 1
    assert violations[0].rule == "Q-7" and violations[0].field == "parent_code"
    assert fragment in violations[0].message and "所属单位代码" in violations[0].message


@pytest.mark.parametrize("prefix, serial", [
    ("91440300", 1), ("91440300", 2), ("9111000080210043", None), ("", None), ("Y1", 12345),
])
def test_q7_make_uscc_builds_valid_codes(prefix, serial):
    uscc = make_uscc(prefix, serial)
    assert len(uscc) == 18 and uscc.startswith(prefix)
    assert is_valid_uscc(uscc)


def test_q7_make_uscc_reproduces_known_example():
    assert make_uscc("9111000080210043") == "91110000802100433B"


@pytest.mark.parametrize("prefix, serial", [("91440300I", None), ("91440300000000001", None), ("91440300", 10 ** 8)])
def test_q7_make_uscc_refuses_bad_input(prefix, serial):
    with pytest.raises(ValueError):
        make_uscc(prefix, serial)


@pytest.mark.parametrize("body, check", [
    ("M000100Y", "4"), ("80210043", "3"), ("70846113", "6"),
    ("00000006", "X"),   # 11 - 12 % 11 = 10 -> X
    ("00000019", "0"),   # 11 - 22 % 11 = 11 -> 0
    ("00000000", "0"),
])
def test_q7_org_code_check_character(body, check):
    assert org_code_check_char(body) == check


def test_q8_org_code_is_derived_from_uscc_positions_9_to_17():
    assert org_code_from_uscc("91440300708461136T") == "708461136"
    assert org_code_from_uscc("short") == ""


@pytest.mark.parametrize("org_code, expected_rules", [
    ("", []), (None, []), ("708461136", []), ("70846113-6", []),
    ("708461137", ["Q-8"]), ("802100433", ["Q-8"]),
])
def test_q8_entered_org_code_must_match_uscc(org_code, expected_rules):
    violations = org_code_violations(org_code, "91440300708461136T")
    assert [v.rule for v in violations] == expected_rules
    if violations:
        assert "708461136" in violations[0].message


VALID_ID = make_id_card("440304", "19900101", "123")


@pytest.mark.parametrize("value", [
    "11010519491231002X",                      # the GB 11643 specimen
    VALID_ID,
    make_id_card("440304", "19920229", "123"),  # 29 February of a leap year
    make_id_card("440304", "20250615", "001"),  # born today
])
def test_q10_id_card_valid_numbers_pass(value):
    assert id_card_violations(value, "id_no", today=date(2025, 6, 15)) == []


def test_q10_id_card_check_character_one_off_is_refused():
    wrong = "0" if VALID_ID[17] != "0" else "1"
    violations = id_card_violations(VALID_ID[:17] + wrong, "id_no")
    assert [v.rule for v in violations] == ["Q-10"]
    assert "校验码" in violations[0].message


@pytest.mark.parametrize("birth, fragment", [
    ("19910229", "不是有效日期"),   # 1991 is not a leap year
    ("19901301", "不是有效日期"),
    ("19900132", "不是有效日期"),
    ("18991231", "不是有效日期"),
    ("20250616", "晚于当前日期"),   # tomorrow
])
def test_q10_id_card_birth_date_must_be_real_and_not_future(birth, fragment):
    value = make_id_card("440304", birth, "123")  # correct check character, bad date
    violations = id_card_violations(value, "legal_rep_id_no", label="法定代表人证件号码", today=date(2025, 6, 15))
    assert len(violations) == 1
    assert violations[0].field == "legal_rep_id_no"
    assert fragment in violations[0].message and "法定代表人证件号码" in violations[0].message


def test_q10_id_card_future_check_needs_today():
    assert id_card_violations(make_id_card("440304", "20991231", "123"), "id_no") == []


@pytest.mark.parametrize("value", [
    "", "4403041990010112", "44030419900101123X1", "11010519491231002x", "A10105194912310021",
])
def test_q10_id_card_shape_errors(value):
    violations = id_card_violations(value, "id_no")
    assert len(violations) == 1 and violations[0].rule == "Q-10"


def test_q10_id_card_check_char_table():
    assert id_card_check_char("11010519491231002") == "X"
    assert make_id_card("110105", "19491231", 2) == "11010519491231002X"


def _expected_uscc_check(first17: str) -> str:
    """Compute the GB 32100 check character the way the standard states it."""
    total = sum(USCC_ALPHABET.index(ch) * (3 ** i % 31) for i, ch in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


USCC_BODIES = [f"{9144030000000000 + n:016d}" for n in range(0, 4000, 7)]


def test_q7_uscc_check_character_covers_every_remainder():
    seen = set()
    for body in USCC_BODIES:
        uscc = make_uscc(body)
        assert uscc[17] == _expected_uscc_check(uscc[:17])
        seen.add(uscc[17])
    assert "0" in seen and len(seen) == 31  # includes the sum % 31 == 0 case


# GB 11643: weighted sum modulo 11 -> check character.
ID_CHECK_BY_REMAINDER = {0: "1", 1: "0", 2: "X", 3: "9", 4: "8", 5: "7", 6: "6", 7: "5", 8: "4", 9: "3", 10: "2"}


@pytest.mark.parametrize("remainder", range(11))
def test_q10_id_card_check_character_for_every_remainder(remainder):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = next(
        f"44030419900101{seq:03d}" for seq in range(1000)
        if sum(int(c) * w for c, w in zip(f"44030419900101{seq:03d}", weights)) % 11 == remainder
    )
    assert id_card_check_char(body) == ID_CHECK_BY_REMAINDER[remainder]
    assert id_card_violations(body + ID_CHECK_BY_REMAINDER[remainder], "id_no") == []
