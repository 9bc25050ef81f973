"""XSD validation of every message, receipt and envelope (lxml), with errors as Chinese text.

The schemas are files in wire/xsd (one per message type, one per receipt type, the envelope, and the
shared types they include); each is compiled once per process. Incoming bytes are parsed with a parser
that never loads DTDs, entities or anything from the network.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

XSD_DIR = Path(__file__).resolve().parent / "xsd"
FORMAT_ERROR, SIGNATURE_ERROR, REFUSED = "-1", "-2", "-3"   # receipt statuses of exception receipts

# What an XSD complaint means, in Chinese (lxml's own text follows in brackets).
_PROBLEMS = {
    "SCHEMAV_ELEMENT_CONTENT": "不应出现在这里",
    "SCHEMAV_CVC_PATTERN_VALID": "取值格式不对",
    "SCHEMAV_CVC_ENUMERATION_VALID": "取值不在允许的代码中",
    "SCHEMAV_CVC_MAXLENGTH_VALID": "取值过长",
    "SCHEMAV_CVC_MINLENGTH_VALID": "取值不能为空",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": "取值类型不对",
    "SCHEMAV_CVC_COMPLEX_TYPE_4": "缺少必填属性",
    "SCHEMAV_CVC_ELT_1": "根元素不是本报文类型",
}


class MessageError(ValueError):
    """A message, receipt or envelope that cannot be read or does not match its XSD.

    code      "unparseable" (not XML), "unknown_type" (no such message type) or "invalid" (XSD refused)
    text      the Chinese explanation, naming the element and the schema
    guid      the message's guid when it could be read
    msg_type  the message type code when it could be read
    """

    def __init__(self, code: str, text: str, guid: str | None = None, msg_type: str | None = None):
        super().__init__(text)
        self.code, self.text, self.guid, self.msg_type = code, text, guid, msg_type


@lru_cache(maxsize=None)
def schema(file_name: str) -> etree.XMLSchema:
    """Return the compiled XSD wire/xsd/`file_name` (compiled once)."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / file_name)))


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(data: bytes, what: str) -> etree._Element:
    """Parse untrusted XML bytes into an element; MessageError when they are not well-formed XML."""
    if not isinstance(data, (bytes, bytearray)) or not data.strip():
        raise MessageError("unparseable", f"{what}为空或不是字节串")
    try:
        root = etree.fromstring(bytes(data), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MessageError("unparseable", f"{what}不是合法的 XML：{exc}") from None
    if root is None:
        raise MessageError("unparseable", f"{what}不是合法的 XML")
    if root.getroottree().docinfo.doctype:
        raise MessageError("unparseable", f"{what}不允许包含 DOCTYPE（文档类型声明）")
    return root


def validate(root: etree._Element, file_name: str, what: str, guid: str | None = None,
             msg_type: str | None = None) -> None:
    """Validate an element against wire/xsd/`file_name`; MessageError naming the first problem."""
    checker = schema(file_name)
    try:
        if checker.validate(root):
            return
    except etree.Error as exc:   # e.g. unexpanded entity nodes the validator cannot handle
        raise MessageError("invalid", f"{what}无法按 XSD（{file_name}）校验：{exc}", guid, msg_type) from None
    error = checker.error_log[0]
    raise MessageError("invalid", f"{what}不符合 XSD（{file_name}）：{_explain(error)}"
                                  f"（第 {error.line} 行：{error.message}）", guid, msg_type)


def _explain(error) -> str:
    """Return a Chinese sentence naming the element (or attribute) and what is wrong with it."""
    element = _element_name(error.path)
    attribute = re.search(r"attribute '([^']+)'", error.message or "")
    expected = re.search(r"Expected is (?:one of )?\( ?(?:\{[^}]*\})?([A-Za-z0-9_]+)", error.message or "")
    if expected and "Missing child" in error.message:
        return f"元素 {element} 缺少子元素 {expected[1]}"
    if expected:
        return f"元素 {element} 不应出现在这里，应为元素 {expected[1]}（缺失或顺序不对）"
    where = f"元素 {element} 的属性 {attribute[1]}" if attribute else f"元素 {element}"
    return f"{where}：{_PROBLEMS.get(error.type_name, '不符合报文格式')}"


def _element_name(path: str | None) -> str:
    """Return the last element name of an lxml error path without its prefix and index."""
    if not path:
        return ""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last.split(":", 1)[-1].split("[", 1)[0]
