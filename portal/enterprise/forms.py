"""A posted enterprise form -> the API body (API.md), and rule violations -> the inputs they belong to.

Input names are the violation field paths: `enterprise.postal_code`, `management_personnel[0].mobile`,
`cancellation.reason_code`, so an error finds its input by name. System-filled fields (Q-13) have no
input name and are never posted.
"""
from __future__ import annotations

import re

from portal.qualification.records import BASIC_FIELDS, SECTIONS
from rules.qualification_basic import ENTERPRISE_LABELS
from rules.qualification_types import ATTACHMENT_KINDS, CANCELLATION, CHANGE, FILING

ROW_INPUT = re.compile(r"^(?P<section>[a-z_]+)\[(?P<index>\d{1,4})\]\.(?P<name>[a-z_]+)$")
TEXT_BASIC_FIELDS = tuple(name for name in BASIC_FIELDS if name != "express_operator")
FILE_INPUT = "attachment_file."
REMOVE_ATTACHMENT = "remove_attachment:"
# Violation fields that belong to the attachments table rather than an input.
ATTACHMENT_FIELDS = {"attachments", "file", "kind"}
FORM_TYPES = (FILING, CHANGE)  # the full form with basic information and child sections


def _text(value) -> str | None:
    text = (value or "").strip()
    return text or None


def enterprise_block(form) -> dict:
    """Return the basic-info block of a posted form (express flag as a bool, Q-12)."""
    block = {name: _text(form.get(f"enterprise.{name}")) for name in TEXT_BASIC_FIELDS}
    block["express_operator"] = form.get("enterprise.express_operator") == "1"
    return block


def section_rows(form, section: str) -> list[dict]:
    """Return the posted rows of a child section in index order, leaving out rows left blank."""
    _, fields = SECTIONS[section]
    raw: dict[int, dict] = {}
    for key in form:
        match = ROW_INPUT.match(key)
        if match and match["section"] == section and match["name"] in fields:
            raw.setdefault(int(match["index"]), {})[match["name"]] = form.get(key)
    rows = []
    for index in sorted(raw):
        row = {name: (raw[index].get(name) == "1") if name == "long_term" else _text(raw[index].get(name))
               for name in fields}
        if any(row.values()):
            rows.append(row)
    return rows


def application_body(form, application_type: str, *, new: bool) -> dict:
    """Return the API body a posted form stands for (the same shape POST/PATCH /applications take)."""
    body: dict = {"type": application_type}
    if application_type in FORM_TYPES:
        body["enterprise"] = enterprise_block(form)
        for section in SECTIONS:
            body[section] = section_rows(form, section)
    if application_type in (FILING, CANCELLATION):
        body["qualification_types"] = form.getlist("qualification_types")
    if application_type == CANCELLATION:
        body["cancellation"] = {"reason_code": _text(form.get("cancellation.reason_code")),
                                "other_reason": _text(form.get("cancellation.other_reason"))}
    if "commitment_shown" in form:  # the proxy section was on the page
        body["commitment"] = form.get("commitment") == "1"
        if new:
            body["target_uscc"] = _text(form.get("target_uscc"))
    return body


def merge_values(current: dict, body: dict) -> dict:
    """Return what the form shows again after a refusal: the posted body over the current data."""
    values = dict(current)
    for key, value in body.items():
        if key == "enterprise":
            values["enterprise"] = {**(current.get("enterprise") or {}), **value}
        else:
            values[key] = value
    return values


def uploaded_files(files) -> list[tuple[str, object]]:
    """Return (kind, file) for every attachment input a file was chosen in."""
    chosen = []
    for key in files:
        kind = key[len(FILE_INPUT):] if key.startswith(FILE_INPUT) else None
        if kind in ATTACHMENT_KINDS:
            for storage in files.getlist(key):
                if (storage.filename or "").strip():
                    chosen.append((kind, storage))
    return chosen


def input_path(field: str) -> str:
    """Return the input name a violation field belongs to."""
    if field in ENTERPRISE_LABELS:
        return f"enterprise.{field}"
    if field in ATTACHMENT_FIELDS:
        return "attachments"
    return field


def errors_by_input(violations) -> dict[str, list]:
    """Group violations by the input they are shown beside."""
    grouped: dict[str, list] = {}
    for violation in violations:
        grouped.setdefault(input_path(violation.field), []).append(violation)
    return grouped


def field_id(path: str) -> str:
    """Return the HTML id of the input for a field path (used by labels and the error summary links)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")
