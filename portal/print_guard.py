"""Refuse, at save, text that the PDFs could not print (P-1, P-3).

A SQLAlchemy `before_flush` hook checks the changed text of every record that a PDF prints (module
Q applications and their sections, enterprises; module C filings, products, lists, declarations,
receipts) against the PDF font chain, so the enterprise form, the API, imports, the admin and the
scheduler are all covered by one check. Characters of the chain (CJK Extension B, symbols, emoji)
pass; a character no installed font has is refused with a RuleError naming the field, which the
request answers with 422 like any other rule. Rows written with a Core INSERT (list items, imported
lists) skip the flush, so their builders call `refuse_unprintable_rows`.
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, String

from portal.pdf_fonts import FontMissing, font_chain
from rules.printing import unprintable_violations
from rules.violations import RuleError

_installed = False


def _printed_models() -> dict:
    """Return {model: (rule id, field prefix)} of the records printed in a PDF."""
    from portal import models
    q = {models.Application: "", models.Enterprise: "", models.ManagementPerson: "management_personnel.",
         models.Investor: "investors.", models.DeclarationPerson: "declaration_personnel.",
         models.ExternalLicense: "external_licenses.", models.Attachment: "attachments.", models.Certificate: ""}
    c = {models.CollectionFiling: "", models.ProductVolume: "", models.Product: "items.", models.ListHead: "",
         models.ListItem: "items.", models.Declaration: "", models.DeclarationItem: "items.", models.Receipt: ""}
    return {**{model: ("P-1", prefix) for model, prefix in q.items()},
            **{model: ("P-3", prefix) for model, prefix in c.items()}}


def _walk(prefix: str, value):
    """Yield (field, text) for every string in a JSON value."""
    if isinstance(value, str):
        yield prefix, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(f"{prefix}.{key}" if prefix else str(key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(f"{prefix}[{index}]", item)


def changed_texts(obj, prefix: str):
    """Yield (field, text) of the text columns of `obj` that are new or changed in this flush."""
    state = inspect(obj)
    if obj.__class__.__name__ == "ListItem" and getattr(obj, "seq", None):
        prefix = f"items[{obj.seq - 1}]."
    for column in state.mapper.columns:
        if not isinstance(column.type, (String, JSON)) or column.key not in state.attrs:
            continue
        attribute = state.attrs[column.key]
        if state.persistent and not attribute.history.has_changes():
            continue
        value = attribute.value
        if isinstance(column.type, JSON):
            yield from _walk(prefix.rstrip("."), value)
        elif isinstance(value, str):
            yield prefix + column.key, value


def check_printable(session, _context, _instances) -> None:
    """Refuse the flush when printed text has characters no PDF font has."""
    printed = _printed_models()
    candidates = [obj for obj in list(session.new) + list(session.dirty) if type(obj) in printed]
    if not candidates:
        return
    try:
        missing = font_chain().missing
    except FontMissing:  # no font installed: printing reports that itself; saving is not blocked
        return
    violations = []
    for obj in candidates:
        rule, prefix = printed[type(obj)]
        violations += unprintable_violations(changed_texts(obj, prefix), missing, rule)
    if violations:
        raise RuleError(violations)


def refuse_unprintable_rows(model, rows: list[dict], prefix: str = "") -> None:
    """Check row dicts bound for a Core INSERT (which no flush sees) and raise RuleError naming each field."""
    try:
        missing = font_chain().missing
    except FontMissing:
        return
    rule = _printed_models()[model][0]
    violations = []
    for row in rows:
        where = f"{prefix}[{row['seq'] - 1}]." if prefix and row.get("seq") else prefix
        violations += unprintable_violations(((where + key, value) for key, value in row.items()), missing, rule)
    if violations:
        raise RuleError(violations)


def init_app(app) -> None:
    """Install the hook once per process (it applies to every session)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", check_printable)
        _installed = True
