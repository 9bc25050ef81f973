"""Stored changes and documents shown the way the register's own screens name them (X-3, X-4).

An audit diff or a JSON document holds column keys and raw values (`{"status": ["DECLARED", "APPROVED"]}`);
staff read them through the settings of the register's admin view: its column labels, its named choices
(statuses and other enumerations), its code tables ("5300 深圳海关"), yes/no in the page's language.
Values that are data (names, numbers, free text) are marked `data-sw-data`; interface words are not.
"""
from __future__ import annotations

import datetime as dt
import json

from flask_admin.helpers import get_current_view
from flask_babel import gettext
from markupsafe import Markup, escape

from admin_views.codecache import code_labels
from admin_views.labels import COMMON_LABELS
from portal.i18n import status_name
from rules.lifecycle import LIFECYCLES

STATUS_COLUMNS = ("status", "from_status", "to_status")
LIST_FIELDS = 4  # fields of a change shown in a list cell; the details page shows them all
ISO_MOMENT = "%Y-%m-%dT%H:%M:%S"


def view_of(table_name: str):
    """Return the admin view of a register (by table name) in the current admin, or None."""
    view = get_current_view()
    if view is None or not table_name:
        return None
    return next((v for v in view.admin._views if getattr(getattr(v, "model", None), "__tablename__", None)
                 == table_name and v.endpoint == table_name), None)


def field_label(view, key: str) -> str:
    """Return the label staff see for a column of a register (its key when no screen names it)."""
    labels = getattr(view, "column_labels", None) or COMMON_LABELS
    label = labels.get(key) or COMMON_LABELS.get(key)
    return str(label) if label is not None else key


def _moment(text: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S") if "T" in text else moment.strftime("%Y-%m-%d")


def value_text(view, key: str, value) -> tuple[str, bool]:
    """Return (the text of a stored value, whether it is data) as the register's screens show it."""
    if value is None or value == "":
        return "—", False
    if value is True or value is False:
        return (gettext("是") if value else gettext("否")), False
    register = getattr(getattr(view, "model", None), "__tablename__", None)
    if key in STATUS_COLUMNS and register in LIFECYCLES:
        return status_name(register, value), False
    choices = getattr(view, "_column_choices_map", {}).get(key) if view is not None else None
    if choices:
        for candidate in (value, str(value)):
            if candidate in choices:
                return str(choices[candidate]), False
    table = view.code_table_of(key) if view is not None else None
    if table:
        return code_labels(table).get(str(value), str(value)), True
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False), True
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        moment = _moment(value)
        if moment is not None:
            return moment, True
    return str(value), True


def _cell(text: str, is_data: bool) -> str:
    return f'<span{" data-sw-data" if is_data else ""}>{escape(text)}</span>'


def diff_rows(table_name: str, diff) -> list[tuple[str, str, str]]:
    """Return (label, before, after) HTML fragments of an audit diff, in the register's words."""
    if not isinstance(diff, dict):
        return []
    view = view_of(table_name)
    rows = []
    for key, change in diff.items():
        old, new = change if isinstance(change, (list, tuple)) and len(change) == 2 else (None, change)
        rows.append((escape(field_label(view, key)), _cell(*value_text(view, key, old)),
                     _cell(*value_text(view, key, new))))
    return rows


def diff_summary(table_name: str, diff) -> Markup:
    """A list cell: the first few changed fields as "label: before → after", then how many more."""
    rows = diff_rows(table_name, diff)
    colon = escape(gettext("："))
    parts = [Markup(f"<b>{label}</b>{colon}{old} → {new}") for label, old, new in rows[:LIST_FIELDS]]
    if len(rows) > LIST_FIELDS:
        parts.append(escape(gettext("另 %(n)s 项", n=len(rows) - LIST_FIELDS)))
    return Markup(escape(gettext("；")).join(parts))


def diff_table(table_name: str, diff) -> Markup:
    """The details page: every changed field with its value before and after."""
    rows = diff_rows(table_name, diff)
    if not rows:
        return Markup("")
    head = (f"<thead><tr><th>{escape(gettext('字段'))}</th><th>{escape(gettext('变更前'))}</th>"
            f"<th>{escape(gettext('变更后'))}</th></tr></thead>")
    body = "".join(f"<tr><th>{label}</th><td>{old}</td><td>{new}</td></tr>" for label, old, new in rows)
    return Markup(f'<table class="table table-sm table-bordered sw-diff mb-0">{head}<tbody>{body}</tbody></table>')


def document(view, value, depth: int = 0) -> Markup:
    """A stored JSON document (filing data, a change's content) as nested tables of labelled fields."""
    if isinstance(value, dict) and depth < 3:
        rows = "".join(f"<tr><th>{escape(field_label(view, str(key)))}</th><td>{document(view, item, depth + 1)}"
                       f"</td></tr>" if isinstance(item, (dict, list)) else
                       f"<tr><th>{escape(field_label(view, str(key)))}</th><td>{_cell(*value_text(view, key, item))}"
                       f"</td></tr>" for key, item in value.items())
        return Markup(f'<table class="table table-sm table-bordered sw-document mb-0"><tbody>{rows}</tbody></table>')
    if isinstance(value, list) and depth < 3:
        if not value:
            return Markup(_cell("—", False))
        if all(not isinstance(item, (dict, list)) for item in value):
            return Markup(escape(gettext("、")).join(Markup(_cell(*value_text(view, "", item))) for item in value))
        return Markup("".join(f'<div class="mb-1">{document(view, item, depth + 1)}</div>' for item in value))
    return Markup(_cell(*value_text(view, "", value)))


def change_table(view, filed: dict, applied: dict) -> Markup:
    """A change application beside the filed data: every field with its filed and its applied value, the
    changed ones highlighted, so staff see at a glance what the enterprise asks to change."""
    head = (f"<thead><tr><th>{escape(gettext('字段'))}</th><th>{escape(gettext('已备案'))}</th>"
            f"<th>{escape(gettext('本次申请'))}</th></tr></thead>")
    rows = []
    for key in [*applied, *(k for k in filed if k not in applied)]:
        old, new = value_text(view, key, filed.get(key)), value_text(view, key, applied.get(key))
        changed = " sw-changed-row" if old[0] != new[0] else ""
        rows.append(f'<tr class="{changed}"><th>{escape(field_label(view, key))}</th>'
                    f"<td>{_cell(*old)}</td><td>{_cell(*new)}</td></tr>")
    return Markup(f'<table class="table table-sm table-bordered sw-diff sw-change mb-0">{head}<tbody>{"".join(rows)}'
                  f"</tbody></table>")
