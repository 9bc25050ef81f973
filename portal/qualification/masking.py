"""A proxy's view of another enterprise's personal identifiers (Q-23).

When a card login files for an enterprise whose data is already filed (a proxy change, Q-24, or a proxy
filing that starts from the record), the ID numbers, mobile numbers and e-mail addresses it did not type
itself are shown masked, in the page form and in the API. A masked value sent back stands for the value
it masks, so the filed original is kept on the server. `applications.proxy_typed` records which of them
the proxy typed (by field, and per row of the personnel sections): only those are shown in full — never
decided by comparing values, which would tell a proxy that a guess matches a filed number.
"""
from __future__ import annotations

from rules.formats import is_blank
from rules.masking import ENTERPRISE_FIELDS, SECTION_FIELDS, is_masked, mask_value
from rules.violations import Violation

MASKED_CHANGED = "脱敏显示的值须原样保留，或删除后完整填写"


def hides_from(identity, application=None, target=None) -> bool:
    """Tell whether the identity sees this application (or a new proxy form for `target`) as a proxy."""
    if identity is None or not identity.is_enterprise:
        return False
    if application is not None:
        return bool(application.acting_enterprise_id) and identity.enterprise_id == application.acting_enterprise_id \
            and identity.enterprise_id != application.enterprise_id
    return target is not None and identity.enterprise_id != target.id


def _row_typed(typed: dict, section: str, index: int) -> set:
    rows = typed.get(section) or []
    return set(rows[index]) if index < len(rows) and isinstance(rows[index], list) else set()


def value_shown(typed: dict | None):
    """Return shown(section, row index, field, value): the value as the proxy may see it (masked unless it
    typed it); `section` is "enterprise" for the basic information."""
    typed = typed or {}
    own = set(typed.get("enterprise") or ())

    def shown(section: str, index: int, field: str, value):
        if section == "enterprise":
            hidden = field in ENTERPRISE_FIELDS and field not in own
        else:
            hidden = field in SECTION_FIELDS.get(section, ()) and field not in _row_typed(typed, section, index)
        return mask_value(field, value) if hidden else value

    return shown


def mask_body(body: dict, typed: dict | None) -> dict:
    """Return a copy of an application body with every personal identifier the proxy did not type masked."""
    shown = value_shown(typed)
    result = dict(body)
    if isinstance(body.get("enterprise"), dict):
        result["enterprise"] = {name: shown("enterprise", 0, name, value) for name, value in body["enterprise"].items()}
    for section in SECTION_FIELDS:
        if isinstance(body.get(section), list):
            result[section] = [{name: shown(section, index, name, value) for name, value in row.items()}
                               if isinstance(row, dict) else row for index, row in enumerate(body[section])]
    return result


def shown_to(identity, body: dict, application=None, target=None) -> dict:
    """Return the body as the identity may see it: masked for a proxy (Q-23), whole for anyone else."""
    if not hides_from(identity, application, target):
        return body
    return mask_body(body, application.proxy_typed if application is not None else None)


def _original(rows: list, index: int, field: str, masked: str):
    """Return the current value a masked one stands for: the same row's first, else any row's."""
    candidates = ([rows[index]] if index < len(rows) else []) + rows
    for row in candidates:
        value = row.get(field) if isinstance(row, dict) else None
        if isinstance(value, str) and value.strip() and mask_value(field, value) == masked.strip():
            return value
    return None


def resolve_masked(body: dict, current: dict, typed: dict | None) -> tuple[dict, dict, list[Violation]]:
    """Put back the original behind every masked value a proxy sent, and note what it typed itself.

    Returns the body with originals, the new `proxy_typed`, and a Q-23 refusal for each masked value that
    masks nothing the application holds (edited in part)."""
    body, violations = dict(body), []
    typed = {key: list(value) for key, value in (typed or {}).items()}
    if isinstance(body.get("enterprise"), dict):
        block, own = dict(body["enterprise"]), set(typed.get("enterprise") or ())
        filed = current.get("enterprise") or {}
        for field in ENTERPRISE_FIELDS:
            if field not in block:
                continue
            value = block[field]
            if is_masked(value):
                original = _original([filed], 0, field, value)
                if original is None:
                    violations.append(Violation("Q-23", f"enterprise.{field}", MASKED_CHANGED))
                else:
                    block[field] = original
                own.discard(field)
            elif is_blank(value):
                own.discard(field)
            else:
                own.add(field)
        body["enterprise"], typed["enterprise"] = block, sorted(own)
    for section, fields in SECTION_FIELDS.items():
        if not isinstance(body.get(section), list):
            continue
        originals, rows, flags = current.get(section) or [], [], []
        for index, row in enumerate(body[section]):
            row, mine = (dict(row), []) if isinstance(row, dict) else (row, [])
            for field in fields if isinstance(row, dict) else ():
                value = row.get(field)
                if is_masked(value):
                    original = _original(originals, index, field, value)
                    if original is None:
                        violations.append(Violation("Q-23", f"{section}[{index}].{field}", MASKED_CHANGED))
                    else:
                        row[field] = original
                elif not is_blank(value):
                    mine.append(field)
            rows.append(row)
            flags.append(mine)
        body[section], typed[section] = rows, flags
    return body, typed, violations
