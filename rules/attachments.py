"""Attachments of an application (附件): rule Q-18, and the cancellation letter of Q-26.

`required_attachment_violations` says which kinds an application needs at submit;
`attachment_violations` checks one uploaded file (extension, magic bytes, size ≤ 4 MiB).
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from rules.qualification_types import ATTACHMENT_KINDS, CHANGE, FILING, qualification_name
from rules.violations import Violation

MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024
DEFAULT_ATTACHMENT_EXTENSIONS = ("jpg", "jpeg", "gif", "png", "pdf")
CANCELLATION_LETTER_EXTENSIONS = ("jpg", "jpeg", "gif", "png", "bmp", "doc", "docx", "pdf")
# Extension -> accepted leading bytes of the file (magic numbers).
FILE_SIGNATURES = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
    "bmp": (b"BM",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # OLE2 compound file
    "docx": (b"PK\x03\x04",),  # zip container
}


def required_attachment_violations(
    attachment_kinds: Iterable[str],
    application_type: str,
    login_mode: str,
    is_proxy: bool,
    selected_types: Iterable[str],
    requirements: Mapping[str, Sequence[str]],
) -> list[Violation]:
    """Require the signed info table (account login or proxy) and the licence scans per type (Q-18)."""
    kinds = set(attachment_kinds)
    violations = []
    needs_info_table = application_type in (FILING, CHANGE) and (login_mode != "card" or is_proxy)
    if needs_info_table and "INFO_TABLE" not in kinds:
        violations.append(Violation(
            "Q-18", "attachments",
            "通过账号登录或为其他单位提交申请时，须上传加盖单位公章的《报关单位备案信息表》扫描件或照片",
        ))
    if application_type == FILING:
        for code in dict.fromkeys(selected_types):
            needed = tuple(requirements.get(code, ()))
            if needed and not kinds.intersection(needed):
                names = "或".join(ATTACHMENT_KINDS.get(kind, kind) for kind in needed)
                violations.append(Violation(
                    "Q-18", "attachments", f"申请{qualification_name(code)}，须上传{names}扫描件",
                ))
    return violations


def file_extension(file_name: str) -> str:
    """Return the lower-case extension of a file name without the dot ('' when none)."""
    name = str(file_name or "").strip()
    return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def allowed_extensions_for(kind: str) -> tuple[str, ...]:
    """Return the extensions an attachment kind accepts (the cancellation letter also takes bmp/doc/docx)."""
    return CANCELLATION_LETTER_EXTENSIONS if kind == "CANCELLATION_LETTER" else DEFAULT_ATTACHMENT_EXTENSIONS


def attachment_violations(
    file_name: str,
    content_head: bytes,
    size: int,
    allowed_exts: Sequence[str] = DEFAULT_ATTACHMENT_EXTENSIONS,
    field: str = "file",
    rule: str = "Q-18",
) -> list[Violation]:
    """Check an uploaded file: allowed extension, content matching it (magic bytes), 1 byte to 4 MiB (Q-18)."""
    allowed = tuple(ext.lower().lstrip(".") for ext in allowed_exts)
    extension = file_extension(file_name)
    violations = []
    if extension not in allowed:
        listed = "|".join(f".{ext}" for ext in allowed)
        violations.append(Violation(rule, field, f"只可上传后缀名为{listed}的文件"))
    elif not any(bytes(content_head or b"").startswith(sig) for sig in FILE_SIGNATURES.get(extension, ())):
        violations.append(Violation(
            rule, field, f"文件内容与扩展名“.{extension}”不符，请上传真实的{extension.upper()}文件",
        ))
    if size is None or size <= 0:
        violations.append(Violation(rule, field, "文件为空，请重新选择"))
    elif size > MAX_ATTACHMENT_BYTES:
        violations.append(Violation(
            rule, field, f"单个文件大小不能超过4M（{MAX_ATTACHMENT_BYTES}字节），当前文件为{size}字节",
        ))
    return violations


def attachment_kind_violations(kind: str, file_name: str, content_head: bytes, size: int) -> list[Violation]:
    """Check an upload for one attachment kind: known kind, then its extensions and size (Q-18, Q-26)."""
    if kind not in ATTACHMENT_KINDS:
        return [Violation("Q-18", "kind", f"未知的附件类型：{kind}")]
    rule = "Q-26" if kind == "CANCELLATION_LETTER" else "Q-18"
    return attachment_violations(file_name, content_head, size, allowed_extensions_for(kind), "file", rule)


MAX_FILE_NAME_LENGTH = 255


def file_name_violations(file_name: str, field: str = "file", rule: str = "Q-18") -> list[Violation]:
    """Refuse a file name longer than the register keeps (checked before the extension, which it would cut)."""
    if len(file_name) > MAX_FILE_NAME_LENGTH:
        return [Violation(rule, field, f"文件名过长：最多 {MAX_FILE_NAME_LENGTH} 个字符，当前 {len(file_name)} 个字符")]
    return []


def attachment_count_violations(existing: int, limit: int, field: str = "file", rule: str = "Q-18") -> list[Violation]:
    """Refuse one more attachment when an application already holds `limit` of them."""
    if existing >= limit:
        return [Violation(rule, field, f"每份申请最多上传 {limit} 个附件，请先删除不需要的附件")]
    return []
