"""What the module Q application forms show beside the typed values: the attachment table with 必传
(Q-18), the qualification checklist and dropdowns (Q-12), the cancellable qualifications (Q-26) and the
extension window (Q-25)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from portal import clock
from portal.enterprise import options
from portal.extensions import db
from portal.identity import current_identity
from portal.qualification import queries
from portal.qualification.state import enterprise_state, rule_tables
from rules.qualification import (QUALIFICATION_NAMES, REQUIRED_ENTERPRISE_FIELDS, SELECTABLE_TYPES,
                                 express_operator_allowed, extension_window, required_attachment_violations)
from rules.qualification_types import (ATTACHMENT_KINDS, CANCELLATION, CHANGE, EXPRESS_OPERATOR_TYPES, EXTENSION,
                                       FILING, TEMP)

# Attachment rows each form offers (API.md kinds); Q-18 for filings and changes, Q-26's letter for cancellations.
FORM_ATTACHMENT_KINDS = {FILING: ("INFO_TABLE", "FINANCE_LICENSE", "PAYMENT_LICENSE", "EXPRESS_LICENSE", "OTHER"),
                         CHANGE: ("INFO_TABLE", "OTHER"), CANCELLATION: ("CANCELLATION_LETTER",), EXTENSION: ()}


def attachment_rows(application_type: str, proxy: bool, types, attachments) -> list[dict]:
    """Return the attachment table: each kind with 必传 (Q-18) and its uploaded files."""
    needs_info_table = bool(required_attachment_violations((), application_type, current_identity().login_mode, proxy, (), {}))
    required = {"INFO_TABLE": _("是") if needs_info_table else _("否")}
    if application_type == FILING:
        requirements = rule_tables(db.session).attachment_requirements
        for code in types:
            needed = requirements.get(code, ())
            for kind in needed:
                required[kind] = _("是") if len(needed) == 1 else _("二选一")
    kinds = list(FORM_ATTACHMENT_KINDS[application_type])
    kinds += [a.kind for a in attachments if a.kind not in kinds]
    return [{"kind": kind, "name": ATTACHMENT_KINDS.get(kind, kind), "required": required.get(kind, _("否")),
             "files": [a for a in attachments if a.kind == kind]} for kind in dict.fromkeys(kinds)]


def full_form_context(application, target, values: dict, held: frozenset) -> dict:
    """Return what the filing and change form needs: checklist, dropdowns, Q-12 state."""
    if target is not None:
        checklist = queries.qualification_checklist(db.session, target, application)
    else:  # a proxy target not yet registered holds nothing
        checklist = [{"type": code, "name": QUALIFICATION_NAMES[code], "status": "selectable", "selectable": True,
                      "label": ""} for code in SELECTABLE_TYPES]
    selected = set(values.get("qualification_types") or ())
    region = (values.get("enterprise") or {}).get("region_code")
    return {"checklist": checklist, "selected": selected,
            "express_allowed": express_operator_allowed(selected | held),
            "express_types": ",".join(sorted(EXPRESS_OPERATOR_TYPES)), "held_codes": ",".join(sorted(held)),
            "region_levels": options.region_cascade(region), "province": options.province_of(region),
            "required_fields": REQUIRED_ENTERPRISE_FIELDS}


def cancellation_context(application, target, held: frozenset) -> dict:
    """Return the valid qualifications to choose from, marking those already in an open cancellation (Q-26)."""
    number = application.application_no if application else ""
    in_cancellation = {code for open_app in enterprise_state(db.session, target).open_applications
                       if open_app.application_type == CANCELLATION and open_app.application_no != number
                       for code in open_app.qualification_types}
    rows = {q.qualification_type: q for q in queries.list_qualifications(db.session, target.id)
            if q.status == "VALID" and q.qualification_type in held}
    chosen = set(application.types) if application else set()
    return {"cancellable": [(q, q.qualification_type in in_cancellation) for q in rows.values()],
            "extra_types": sorted(chosen - set(rows)), "preselected": request.args.get("type", "")}


def extension_context(target) -> dict:
    """Return the TEMP qualification and its extension window (Q-25)."""
    temps = [q for q in queries.list_qualifications(db.session, target.id, TEMP) if q.status in ("VALID", "EXPIRED")]
    current = max(temps, key=lambda q: q.valid_until or clock.today(), default=None)
    window = None
    if current is not None and current.valid_until is not None:
        window = extension_window(current.valid_until, rule_tables(db.session).extension_window_days)
    return {"temp": current, "window": window}
