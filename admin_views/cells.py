"""Turn raw rows into display values: enumerations, references and codes resolved a batch at a time.

One CellPlan per view and column list picks a converter per column once; a list page or an export
batch then costs one query per referenced register and a function call per cell."""
from __future__ import annotations

import datetime as dt
import json
from html import escape as escape_html

from markupsafe import Markup, escape
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, bindparam, select
from sqlalchemy.engine import Row

from admin_views.codecache import code_labels
from admin_views.labels import CODE_COLUMNS
from portal.extensions import db

# The column that names a row of a referenced register (shown instead of its id).
REFERENCE_LABELS = {
    "enterprises": "name_zh", "users": "username", "cards": "card_no", "applications": "application_no",
    "collection_filings": "center_no", "product_volumes": "volume_no", "list_heads": "center_no",
    "declarations": "unified_no", "licences": "license_no", "bonded_books": "book_no",
    "catalog_categories": "name", "catalog_items": "name",
}
LIST_TEXT_LIMIT = 80


def plain(value, limit: int | None = None) -> str:
    """Return the display text of a raw value (None → empty, bool → 是/否, JSON → text)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if limit and len(text) > limit:
        return text[:limit] + "…"
    return text


def _html_text(value) -> str:
    """Escaped, shortened text of any value for a list cell."""
    return escape_html(plain(value, LIST_TEXT_LIMIT))


def _html_string(value) -> str:
    if value is None:
        return ""
    return escape_html(value if len(value) <= LIST_TEXT_LIMIT else value[:LIST_TEXT_LIMIT] + "…")


def _html_number(value) -> str:
    return "" if value is None else str(value)


def _html_datetime(value) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _yes_no(value):
    return None if value is None else ("是" if value else "否")


def _html_yes_no(value) -> str:
    return "" if value is None else ("是" if value else "否")


def _json_text(value):
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _same(value):
    return value


def _lookup(mapping: dict):
    get = mapping.get
    return lambda value: None if value is None else get(value, value)


def _html_lookup(mapping: dict):
    get = mapping.get
    return lambda value: "" if value is None else escape_html(str(get(value, value)))


# List-cell converters by column type (text that needs no escaping is left alone).
HTML_BY_TYPE = ((Boolean, _html_yes_no), (DateTime, _html_datetime), (Date, _html_number),
                (Integer, _html_number), (Numeric, _html_number), (String, _html_string))


class CellPlan:
    """How each column of a view is shown; built once per view, applied to a batch of rows."""

    def __init__(self, view, columns: list[str]):
        self.view = view
        self.columns = columns
        self.steps = [self._step(name) for name in columns]
        self.with_formatters = any(kind == "formatter" for kind, _arg in self.steps)
        self._statements = {index: select(arg[0].c.id, arg[0].c[arg[1]]).where(
            arg[0].c.id.in_(bindparam("ids", expanding=True))) for index, (kind, arg) in enumerate(self.steps)
            if kind == "ref"}

    def _step(self, name: str):
        view = self.view
        if view.column_formatters and name in view.column_formatters:
            return ("formatter", view.column_formatters[name])
        choices = getattr(view, "_column_choices_map", {}).get(name)
        if choices:
            return ("choice", choices)
        column = view.model.__table__.columns.get(name)
        if column is not None and column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table
            label = REFERENCE_LABELS.get(target.name)
            if label is not None:
                return ("ref", (target, label))
        table = view.code_columns.get(name) if view.code_columns is not None else CODE_COLUMNS.get(name)
        if table:
            return ("code", table)
        return ("value", column.type if column is not None else None)

    def _converter(self, index: int, rows, html: bool):
        """Return the function that turns one raw value of column `index` into its cell for these rows:
        escaped text for a list page (html), a typed value for an export."""
        kind, arg = self.steps[index]
        if kind == "choice":
            mapping = arg
        elif kind == "code":
            mapping = code_labels(arg)
        elif kind == "ref":
            ids = {getattr(row, self.columns[index]) for row in rows} - {None}
            mapping = dict(db.session.execute(self._statements[index], {"ids": list(ids)}).all()) if ids else {}
        elif html:
            return next((convert for kind_, convert in HTML_BY_TYPE if isinstance(arg, kind_)), _html_text)
        elif isinstance(arg, Boolean):
            return _yes_no
        elif isinstance(arg, JSON):
            return _json_text
        else:
            return _same
        return _html_lookup(mapping) if html else _lookup(mapping)

    def format(self, rows, html: bool = True) -> list[list]:
        """Return one list of cells per row: escaped text for a list page, typed values (html=False) for an export."""
        converters = [self._converter(index, rows, html) if kind != "formatter" else None
                      for index, (kind, _arg) in enumerate(self.steps)]
        if not self.with_formatters and rows and isinstance(rows[0], Row):
            return [[convert(value) for convert, value in zip(converters, row)] for row in rows]
        out = []
        for row in rows:
            cells = []
            for name, convert, (kind, arg) in zip(self.columns, converters, self.steps):
                if kind == "formatter":
                    value = arg(self.view, None, row, name)
                    if html:
                        cells.append(str(escape(value)))
                    else:
                        cells.append(plain(value.striptags() if isinstance(value, Markup) else value))
                else:
                    cells.append(convert(getattr(row, name)))
            out.append(cells)
        return out
