"""Q-18 attachments (and Q-26's cancellation letter): required kinds, extensions, magic bytes, size."""
import pytest

from rules.attachments import (
    MAX_ATTACHMENT_BYTES, allowed_extensions_for, attachment_kind_violations, attachment_violations,
    required_attachment_violations,
)
from rules.qualification_types import DEFAULT_ATTACHMENT_REQUIREMENTS


@pytest.mark.parametrize("login_mode, is_proxy, kinds, expected", [
    ("card", False, (), 0),
    ("account", False, (), 1),
    ("account", False, ("INFO_TABLE",), 0),
    ("card", True, (), 1),
    ("card", True, ("INFO_TABLE",), 0),
])
def test_q18_info_table_for_account_login_or_proxy(login_mode, is_proxy, kinds, expected):
    for application_type in ("FILING", "CHANGE"):
        violations = required_attachment_violations(
            kinds, application_type, login_mode, is_proxy, ("IE",), DEFAULT_ATTACHMENT_REQUIREMENTS)
        assert len(violations) == expected
        assert all(v.rule == "Q-18" for v in violations)
    assert required_attachment_violations((), "CANCELLATION", login_mode, is_proxy, (), {}) == []


@pytest.mark.parametrize("types, kinds, expected", [
    (("CBEC_PAYMENT",), ("FINANCE_LICENSE",), 0),
    (("CBEC_PAYMENT",), ("PAYMENT_LICENSE",), 0),
    (("CBEC_PAYMENT",), ("EXPRESS_LICENSE",), 1),
    (("CBEC_LOGISTICS",), ("EXPRESS_LICENSE",), 0),
    (("CBEC_LOGISTICS",), (), 1),
    (("CBEC_LOGISTICS", "CBEC_PAYMENT"), ("OTHER",), 2),
])
def test_q18_licence_scans_for_payment_and_logistics(types, kinds, expected):
    violations = required_attachment_violations(
        kinds, "FILING", "card", False, types, DEFAULT_ATTACHMENT_REQUIREMENTS)
    assert len(violations) == expected


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
PDF = b"%PDF-1.7\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
GIF = b"GIF89a\x01\x00"
BMP = b"BM6\x00\x00\x00"
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"
DOCX = b"PK\x03\x04\x14\x00"


@pytest.mark.parametrize("name, head", [
    ("a.png", PNG), ("a.PDF", PDF), ("a.jpg", JPG), ("a.jpeg", JPG), ("a.gif", GIF), ("信息表.pdf", PDF),
])
def test_q18_allowed_files_pass(name, head):
    assert attachment_violations(name, head, 1024) == []


@pytest.mark.parametrize("size, ok", [
    (4 * 1024 * 1024, True), (4 * 1024 * 1024 + 1, False), (MAX_ATTACHMENT_BYTES, True), (0, False), (1, True),
])
def test_q18_size_limit_is_4_mib(size, ok):
    violations = attachment_violations("a.pdf", PDF, size)
    assert (violations == []) is ok
    if size > MAX_ATTACHMENT_BYTES:
        assert violations[0].message == "单个文件大小不能超过4M（4194304字节），当前文件为4194305字节"


@pytest.mark.parametrize("name, head, fragment", [
    ("a.png", PDF, "文件内容与扩展名“.png”不符"),
    ("a.pdf", b"MZ\x90\x00", "文件内容与扩展名“.pdf”不符"),
    ("a.jpg", PNG, "不符"),
    ("a.exe", b"MZ", "只可上传后缀名为.jpg|.jpeg|.gif|.png|.pdf的文件"),
    ("a.bmp", BMP, "只可上传后缀名为"),
    ("a.docx", DOCX, "只可上传后缀名为"),
    ("pdf", PDF, "只可上传后缀名为"),
    ("a.pdf", b"", "不符"),
])
def test_q18_extension_and_magic_bytes(name, head, fragment):
    violations = attachment_violations(name, head, 10)
    assert len(violations) == 1 and violations[0].rule == "Q-18"
    assert fragment in violations[0].message


@pytest.mark.parametrize("name, head", [
    ("a.bmp", BMP), ("a.doc", DOC), ("a.docx", DOCX), ("a.pdf", PDF), ("a.png", PNG),
])
def test_q26_cancellation_letter_also_takes_bmp_doc_docx(name, head):
    assert attachment_kind_violations("CANCELLATION_LETTER", name, head, 100) == []
    assert "bmp" in allowed_extensions_for("CANCELLATION_LETTER")


def test_q26_cancellation_letter_wrong_content_names_q26():
    violations = attachment_kind_violations("CANCELLATION_LETTER", "a.doc", PDF, 100)
    assert [v.rule for v in violations] == ["Q-26"]


def test_q18_unknown_kind_and_info_table_extensions():
    assert attachment_kind_violations("SELFIE", "a.png", PNG, 10)[0].field == "kind"
    assert attachment_kind_violations("INFO_TABLE", "a.doc", DOC, 10)[0].rule == "Q-18"


def test_q18_every_problem_of_one_file_reported():
    violations = attachment_violations("a.png", PDF, MAX_ATTACHMENT_BYTES + 1)
    assert len(violations) == 2
