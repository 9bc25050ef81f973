"""Code-table names for list cells and filter options, read once and kept for a few minutes.

Code tables are reference data that staff edit rarely; the code-table view clears this cache when
staff save a row, other processes see the change within CODE_CACHE_SECONDS."""
from __future__ import annotations

import time

from sqlalchemy import bindparam, select

from portal.extensions import db

CODE_CACHE_SECONDS = 300
_tables: dict[str, tuple[float, dict[str, str], dict[str, str]]] = {}
_drawn: dict[tuple, tuple[float, object]] = {}  # things built from code tables, e.g. a view's filter options


def _statement():
    entries = db.metadata.tables["code_entries"]
    return select(entries.c.code, entries.c.name_zh).where(
        entries.c.table_name == bindparam("table"), entries.c.active.is_(True)).order_by(entries.c.code)


def _load(table: str):
    cached = _tables.get(table)
    if cached is None or time.monotonic() - cached[0] > CODE_CACHE_SECONDS:
        names = dict(db.session.execute(_statement(), {"table": table}).all())
        cached = _tables[table] = (time.monotonic(), names, {code: f"{code} {name}" for code, name in names.items()})
    return cached


def code_names(table: str) -> dict[str, str]:
    """Return code → Chinese name of an active code table (ordered by code)."""
    return _load(table)[1]


def code_labels(table: str) -> dict[str, str]:
    """Return code → "code name", the way lists and dropdowns show a code."""
    return _load(table)[2]


def invalidate(table: str | None = None) -> None:
    """Forget one table (or all), and what was built from them, so the next read sees staff edits."""
    if table is None:
        _tables.clear()
    else:
        _tables.pop(table, None)
    _drawn.clear()


def derived(key: tuple, build):
    """Return build(), kept as long as the code tables it may read (rebuilt after an edit or expiry)."""
    cached = _drawn.get(key)
    if cached is None or time.monotonic() - cached[0] > CODE_CACHE_SECONDS:
        cached = _drawn[key] = (time.monotonic(), build())
    return cached[1]
