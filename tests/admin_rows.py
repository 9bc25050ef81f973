"""Rows of any register built from its table alone (tests only): every required column gets a value its type
and check constraints accept, required parents are built the same way. Lets a test cover every register
without a builder per register."""
from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, Integer, Numeric, String, insert

from portal.extensions import db

_serial = itertools.count(1)
IN_LIST = re.compile(r"^\s*(\w+)\s+IN\s*\((.*)\)\s*$", re.S)


def _allowed(table) -> dict[str, object]:
    """Return column → first value its `col IN (…)` check constraint allows."""
    allowed = {}
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = IN_LIST.match(str(constraint.sqltext))
            if match:
                first = match.group(2).split(",")[0].strip()
                allowed[match.group(1)] = first.strip("'") if first.startswith("'") else int(first)
    return allowed


def _value(column, serial: int):
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return serial
    if isinstance(kind, Numeric):
        return Decimal(1)
    if isinstance(kind, DateTime):
        return dt.datetime(2026, 1, 1, 9, 0)
    if isinstance(kind, Date):
        return dt.date(2026, 1, 1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String):
        text = f"T{serial:09d}"
        length = kind.length or 40
        return text[-length:] if length < len(text) else text
    raise TypeError(f"{column}: no test value for {kind}")


def make_row(table, **values) -> int:
    """Insert a row of `table` with `values` and test values for the other required columns; return its id."""
    serial = next(_serial)
    allowed = _allowed(table)
    row = {}
    for column in table.columns:
        if column.primary_key or column.key in values:
            continue
        required = not column.nullable and column.default is None and column.server_default is None
        if column.foreign_keys and required:
            row[column.key] = make_row(next(iter(column.foreign_keys)).column.table)
        elif column.key in allowed and (required or column.key == "status"):
            row[column.key] = allowed[column.key]
        elif required:
            row[column.key] = _value(column, serial)
    row.update(values)
    result = db.session.execute(insert(table).values(**row))
    db.session.commit()
    return result.inserted_primary_key[0]
