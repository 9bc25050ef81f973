"""Turn raw rows into display values: enumerations, references and codes resolved a batch at a time.

One CellPlan per view and column list picks a converter per column once; a list page or an export
batch then costs one query per referenced register and a function call per cell."""
from __future__ import annotations

import datetime as dt
import json
from html import escape as escape_html

from flask_babel import gettext
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
        return gettext("是") if value else gettext("否")
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


def _yes_no(html: bool):
    """Return the converter of a yes/no column, its two words in the page's language (looked up once a batch)."""
    yes, no = gettext("是"), gettext("否")
    empty = "" if html else None
    return lambda value: empty if value is None else (yes if value else no)


def _json_text(value):
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _then(first, second):
    """Return first, or first followed by second when there is a second."""
    if second is None:
        return first
    return lambda value: second(first(value))


def _lookup(mapping: dict, text=None):
    """Map a raw value to its name; `text` prepares names and unknown raw values (done once per name)."""
    if text is not None:
        prepared = _PreparedNames(mapping, text).__getitem__
        return lambda value: None if value is None else prepared(value)
    get = mapping.get
    return lambda value: None if value is None else get(value, value)


class _PreparedNames(dict):
    """Names passed through `text` when first asked for (a batch asks for few distinct names)."""

    def __init__(self, names: dict, text):
        super().__init__()
        self.names, self.text = names, text

    def __missing__(self, key):
        value = self[key] = self.text(self.names.get(key, key))
        return value


def _html_lookup(mapping: dict):
    get = mapping.get
    return lambda value: "" if value is None else escape_html(str(get(value, value)))


# List-cell converters by column type (text that needs no escaping is left alone).
HTML_BY_TYPE = ((DateTime, _html_datetime), (Date, _html_number),
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

    def holds_data(self, index: int) -> bool:
        """Tell whether column `index` shows what users entered or reference data (names, codes, free text),
        which stays as it is in any language, rather than words of the interface (yes/no, named choices)."""
        kind, arg = self.steps[index]
        if kind in ("ref", "code"):
            return True
        return kind == "value" and (arg is None or isinstance(arg, (String, JSON)))

    def _converter(self, index: int, rows, html: bool, text):
        """Return the function that turns one raw value of column `index` into its cell for these rows:
        escaped text for a list page (html), else a typed value with `text` applied to text (None: as is)."""
        kind, arg = self.steps[index]
        if kind == "choice":  # our own names (translated now, they may be lazy): nothing to neutralise
            names = {code: str(name) for code, name in arg.items()}
            return _html_lookup(names) if html else _lookup(names)
        if kind == "code":
            mapping = code_labels(arg)
        elif kind == "ref":
            ids = ({row[index] for row in rows} if rows and isinstance(rows[0], Row)
                   else {getattr(row, self.columns[index]) for row in rows}) - {None}
            mapping = dict(db.session.execute(self._statements[index], {"ids": list(ids)}).all()) if ids else {}
        elif isinstance(arg, Boolean):
            return _yes_no(html)
        elif html:
            return next((convert for kind_, convert in HTML_BY_TYPE if isinstance(arg, kind_)), _html_text)
        elif isinstance(arg, JSON):
            return _then(_json_text, text)
        elif isinstance(arg, String) or arg is None:
            return text
        else:
            return None  # numbers and dates stay as they are
        return _html_lookup(mapping) if html else _lookup(mapping, text)

    def format(self, rows, html: bool = True, text=None) -> list[list]:
        """Return one list of cells per row: escaped text for a list page (html), or typed values for an
        export with `text` (e.g. formula neutralising) applied to every text cell."""
        converters = [self._converter(index, rows, html, text) if kind != "formatter" else None
                      for index, (kind, _arg) in enumerate(self.steps)]
        if not self.with_formatters and rows and isinstance(rows[0], Row):
            if html:
                return [[convert(value) for convert, value in zip(converters, row)] for row in rows]
            width, active = len(converters), [(i, f) for i, f in enumerate(converters) if f is not None]
            out = []
            for row in rows:
                cells = list(row[:width])
                for i, convert in active:
                    cells[i] = convert(cells[i])
                out.append(cells)
            return out
        out = []
        for row in rows:
            cells = []
            for name, convert, (kind, arg) in zip(self.columns, converters, self.steps):
                if kind == "formatter":
                    value = arg(self.view, None, row, name)
                    if html:
                        cells.append(str(escape(value)))
                    else:
                        value = plain(value.striptags() if isinstance(value, Markup) else value)
                        cells.append(text(value) if text else value)
                else:
                    value = getattr(row, name)
                    cells.append(convert(value) if convert else value)
            out.append(cells)
        return out
