"""Rule violations in the admin forms: next to the field they name, with rule id and Chinese message (X-4).

A view lists the violations of a posted form with the same `rules/` checks the pages and the API run
(`SecureModelView.rule_violations`); `attach_violations` puts each under its input, exactly as the
enterprise pages do, and the violations no input shows go to the top of the form.
"""
from __future__ import annotations

import re

from flask import flash
from wtforms.validators import ValidationError

from portal.i18n import refusal_text

LAST_SEGMENT = re.compile(r"(?:^|[.\]])([a-z_]+)$")


def violation_text(violations) -> str:
    """Join rule violations into one message naming each rule id (X-4): 消息（Q-9）；消息（Q-10）."""
    return refusal_text(violations)


def rule_validator(check):
    """Turn a rules/ check (value → violations) into a form validator."""
    def validate(form, field):
        if field.data not in (None, ""):
            violations = check(field.data)
            if violations:
                raise ValidationError(violation_text(violations))
    return validate


def input_name(field_path: str) -> str:
    """Return the column a violation's field path names: `enterprise.postal_code` → `postal_code`."""
    match = LAST_SEGMENT.search(field_path or "")
    return match.group(1) if match else ""


def attach_violations(form, violations, aliases: dict | None = None) -> bool:
    """Put each violation under its input (or on top of the form); True when there was none.

    A field its own validator refused already says why; the rules' words are not added to it."""
    refused = {name for name, field in form._fields.items() if field.errors}
    unplaced = []
    for violation in violations:
        name = input_name(violation.field)
        name = (aliases or {}).get(name, name)
        field = form._fields.get(name) if name else None
        if field is None:
            unplaced.append(violation)
        elif name not in refused:
            text = violation_text([violation])
            field.errors = [*field.errors, text] if text not in field.errors else list(field.errors)
    if unplaced:
        flash(violation_text(unplaced), "error")
    return not violations
