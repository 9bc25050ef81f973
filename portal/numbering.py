"""Unique business numbers (application no., center unified no. …) from day counters."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.models import NumberSequence

# kind -> (prefix, width of the counter); prefix + yyyymmdd + counter = total length.
FORMATS = {
    "application": ("Q", 9),       # 18: Q + 8 + 9
    "filing": ("C", 9),            # 18 center unified no. of a collection filing
    "list": ("L", 9),              # 18 center unified no. of a list
    "declaration": ("D", 9),       # 18 unified no. of a declaration
    "volume": ("V", 5),            # 14 volume no. (enterprise side)
    "customs_volume": ("B", 3),    # 12 customs volume no. (备案分册海关编号)
    "certificate": ("Z", 9),
}


def _reserve(session, kind: str, day: str, count: int) -> int:
    """Add `count` to the day's counter and return the new value (first number = value - count + 1)."""
    table = NumberSequence.__table__
    for _ in range(3):
        result = session.execute(update(table).where(table.c.kind == kind, table.c.day == day)
                                 .values(value=table.c.value + count).returning(table.c.value))
        row = result.first()
        if row is not None:
            return row[0]
        try:
            with session.begin_nested():
                now = clock.now_naive()
                session.execute(insert(table).values(kind=kind, day=day, value=0, created_at=now, updated_at=now))
        except IntegrityError:
            pass
    raise RuntimeError(f"cannot reserve numbers for {kind}")


def next_numbers(session, kind: str, count: int = 1) -> list[str]:
    """Return `count` new unique numbers of a kind, e.g. Q20261123000000001."""
    prefix, width = FORMATS[kind]
    day = clock.today().strftime("%Y%m%d")
    last = _reserve(session, kind, day, count)
    if last > 10 ** width - 1:
        raise RuntimeError(f"number space exhausted for {kind} on {day}")
    if kind == "customs_volume":
        # 12 characters: B + customs-side year (4) + 4-digit day-of-year + 3 digits.
        stamp = clock.today().strftime("%Y") + f"{clock.today().timetuple().tm_yday:04d}"
        return [f"{prefix}{stamp}{n:0{width}d}" for n in range(last - count + 1, last + 1)]
    return [f"{prefix}{day}{n:0{width}d}" for n in range(last - count + 1, last + 1)]


def next_number(session, kind: str) -> str:
    """Return one new unique number of a kind."""
    return next_numbers(session, kind, 1)[0]


def next_counter(session, kind: str, scope: str) -> int:
    """Return the next value of a counter that never resets within `scope` (registration codes …)."""
    return _reserve(session, kind, scope, 1)


def peek(session, kind: str) -> int:
    """Return today's counter (for diagnostics)."""
    day = clock.today().strftime("%Y%m%d")
    return session.scalar(select(NumberSequence.value).where(NumberSequence.kind == kind,
                                                             NumberSequence.day == day)) or 0
