"""List filters built from column names: choices, codes, dates, enterprises, number prefixes."""
from __future__ import annotations

from flask_admin.contrib.sqla import filters as sqla
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, and_, or_, select

from admin_views.cells import REFERENCE_LABELS
from admin_views.codecache import code_labels
from portal.inputs import parse_int

# Code tables too long for a dropdown filter: filter them by code prefix instead.
LONG_CODE_TABLES = {"regions"}
# The highest code point: `x >= p AND x < p + TOP` is a prefix match an index can serve (binary collation).
TOP = "\U0010ffff"


def prefix_clause(column, term: str):
    """Return an index-friendly 'starts with' condition (also matching the upper-case spelling)."""
    variants = dict.fromkeys((term, term.upper()))
    return or_(*(and_(column >= v, column < v + TOP) for v in variants))


def _bounded(text: str) -> int:
    """An integer filter value the column can hold; anything else is an invalid filter (shown, not run)."""
    number = parse_int(text)
    if number is None:
        raise ValueError(text)
    return number


class IntEqualFilter(sqla.IntEqualFilter):
    def clean(self, value):
        return _bounded(value)


class IntInListFilter(sqla.IntInListFilter):
    def clean(self, value):
        return [_bounded(v) for v in value.split(",") if v.strip()]


class CodeOptions:
    """The (code, "code name") options of a code table, read when a list page is drawn."""

    def __init__(self, table: str):
        self.table = table

    def __bool__(self) -> bool:  # Flask-Admin tests options for truth when the view is built
        return True

    def __iter__(self):
        return iter(code_labels(self.table).items())


class FilterStartsWith(sqla.BaseSQLAFilter):
    """Numbers and codes: rows whose value begins with the text (uses the column's index)."""

    def apply(self, query, value, alias=None):
        return query.filter(prefix_clause(self.get_column(alias), value.strip()))

    def operation(self):
        return "开头为"


class EnterpriseFilter(sqla.BaseSQLAFilter):
    """An enterprise by USCC, customs registration code or its Chinese name (anywhere in it, from 2
    characters; admin_views/name_search.py)."""

    def apply(self, query, value, alias=None):
        from admin_views.name_search import name_clause
        from portal.models import Enterprise
        term = value.strip()
        ids = select(Enterprise.id).where(or_(Enterprise.uscc == term.upper(),
                                              Enterprise.registration_code == term,
                                              name_clause(Enterprise.__table__.c.name_zh, term, alone=False)))
        return query.filter(self.get_column(alias).in_(ids))

    def operation(self):
        return "统一社会信用代码/海关编码/名称"


class ReferenceFilter(sqla.BaseSQLAFilter):
    """A referenced row by its number (e.g. a list item's list by 中心统一编号), through that number's index."""

    def __init__(self, column, name, target, label_column):
        super().__init__(column, name)
        self.target, self.label_column = target, label_column

    def apply(self, query, value, alias=None):
        ids = select(self.target.c.id).where(self.target.c[self.label_column] == value.strip())
        return query.filter(self.get_column(alias).in_(ids))

    def operation(self):
        return "编号等于"


def _is(column, kind) -> bool:
    return isinstance(column.type, kind)


def filters_for(view, names) -> list:
    """Build the filters of a view from column names (the column's type and role choose them)."""
    model = view.model
    built = []
    for name in names:
        if not isinstance(name, str):
            built.append(name)
            continue
        attr = getattr(model, name)
        column = model.__table__.columns[name]
        label = view.column_labels.get(name, name)
        choices = (view.column_choices or {}).get(name)
        code_table = view.code_table_of(name)
        target = next(iter(column.foreign_keys)).column.table if column.foreign_keys else None
        foreign = target.name if target is not None else None
        if choices:
            equal = IntEqualFilter if _is(column, Integer) else sqla.FilterEqual
            built.append(equal(attr, label, options=choices))
            built.append(IntInListFilter(attr, label) if _is(column, Integer)
                         else sqla.FilterInList(attr, label))
        elif foreign == "enterprises":
            built.append(EnterpriseFilter(attr, label))
        elif foreign in REFERENCE_LABELS:
            built.append(ReferenceFilter(attr, label, target, REFERENCE_LABELS[foreign]))
        elif code_table in LONG_CODE_TABLES:
            built += [sqla.FilterEqual(attr, label), FilterStartsWith(attr, label)]
        elif code_table:
            built.append(sqla.FilterEqual(attr, label, options=CodeOptions(code_table)))
        elif _is(column, DateTime):
            built += [sqla.DateTimeBetweenFilter(attr, label), sqla.DateTimeGreaterFilter(attr, label),
                      sqla.DateTimeSmallerFilter(attr, label)]
        elif _is(column, Date):
            built += [sqla.DateBetweenFilter(attr, label), sqla.DateGreaterFilter(attr, label),
                      sqla.DateSmallerFilter(attr, label)]
        elif _is(column, Boolean):
            built.append(sqla.BooleanEqualFilter(attr, label))
        elif _is(column, Integer):
            built.append(IntEqualFilter(attr, label))
        elif _is(column, Numeric):
            built += [sqla.FloatGreaterFilter(attr, label), sqla.FloatSmallerFilter(attr, label)]
        elif _is(column, String):
            built += [sqla.FilterEqual(attr, label), FilterStartsWith(attr, label)]
        else:
            built.append(sqla.FilterLike(attr, label))
    return built

