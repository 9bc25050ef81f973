"""The one clock every rule and job reads (S-5): real time, or a time set for a run."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone, timedelta
from threading import local

CHINA = timezone(timedelta(hours=8))
_state = local()
_fixed: dict = {"now": None}


def parse_now(text: str) -> datetime:
    """Parse an ISO time given on the command line; naive times are China time."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value


def set_fixed_now(value: datetime | str | None) -> None:
    """Fix the clock for the whole process (PORTAL_NOW, tests); None restores real time."""
    _fixed["now"] = parse_now(value) if isinstance(value, str) else value


def now() -> datetime:
    """Return the current time in China time (aware), honouring any override."""
    override = getattr(_state, "now", None) or _fixed["now"]
    if override is not None:
        return override.astimezone(CHINA)
    return datetime.now(CHINA)


def now_naive() -> datetime:
    """Return the current China time without tzinfo, as stored in the database."""
    return now().replace(tzinfo=None)


def today() -> date:
    """Return today's date in China."""
    return now().date()


@contextmanager
def frozen(at: datetime | str):
    """Run the block as if it were `at` (used by `customs tick --now` and tests)."""
    value = parse_now(at) if isinstance(at, str) else at
    previous = getattr(_state, "now", None)
    _state.now = value
    try:
        yield value
    finally:
        _state.now = previous
