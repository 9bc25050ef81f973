"""Customs messages as people read them: the XML indented, directions and statuses by name (issue 16)."""
from __future__ import annotations

from flask_babel import gettext as _
from lxml import etree

from portal.extensions import db
from portal.i18n import is_english, status_name
from portal.identity import current_identity
from portal.messaging.queries import record_messages
from rules.lifecycles_messages import CUSTOMS_MESSAGES, direction_name
from wire.catalog import MESSAGE_TYPES, RECEIPT_TYPES

# Stored XML is only shown: no DTD, no entities resolved, nothing fetched, no huge trees.
SAFE_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, load_dtd=False, no_network=True,
                              huge_tree=False)


def pretty_xml(text: str | None) -> str:
    """Return the XML indented two spaces per level; text that is not well-formed XML comes back as it is."""
    if not text:
        return ""
    try:
        root = etree.fromstring(text.encode("utf-8"), SAFE_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return text
    return etree.tostring(root, pretty_print=True, encoding="unicode").rstrip("\n")


def _lang() -> str:
    return "en" if is_english() else "zh"


def message_status_name(code: str | None) -> str:
    """Return a message's status by name in the page's language (rules/lifecycles_messages.py)."""
    return status_name(CUSTOMS_MESSAGES.register, code)


def message_direction_name(code: str | None) -> str:
    """Return a message's direction (发送 / 回执) in the page's language."""
    return direction_name(code, _lang())


def message_type_name(code: str | None) -> str:
    """Return a message type with its name: "CEB961 集报清单", its receipt "CEB962 集报清单回执"; unknown: the code."""
    if code in MESSAGE_TYPES:
        return f"{code} {MESSAGE_TYPES[code].title}"
    if code in RECEIPT_TYPES:
        return f"{code} {RECEIPT_TYPES[code].title}回执"
    return code or ""


def message_type_choices() -> list[tuple[str, str]]:
    """Return every message and receipt type as (code, "code name"), messages first."""
    return [(code, message_type_name(code)) for code in (*MESSAGE_TYPES, *RECEIPT_TYPES)]


def signature_text(message) -> str:
    """Say whether a message was signed and what customs found: 已签名，验签通过 / 验签未通过 / 未验证 / 未签名."""
    if not message.signed:
        return _("未签名")
    if message.signature_valid is None:
        return _("已签名，尚未验签")
    return _("已签名，验签通过") if message.signature_valid else _("已签名，验签未通过")


def init_app(app) -> None:
    """Let the templates name directions and statuses, indent XML and list a record's messages."""
    app.jinja_env.filters["message_status"] = message_status_name
    app.jinja_env.filters["message_direction"] = message_direction_name
    app.jinja_env.filters["message_signature"] = signature_text
    app.jinja_env.filters["message_type"] = message_type_name
    app.jinja_env.globals["record_messages"] = _record_messages


def _record_messages(records) -> list:
    """The messages and receipts of records a page shows, as the current user may read them."""
    return record_messages(db.session, current_identity(), records)
