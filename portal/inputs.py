"""Input from the outside world, checked once so no value the databases cannot hold reaches them (never a 500).

Integers: every id, cursor and integer filter that comes from a URL or a query string goes through here: the
admin (`admin_views/base.py`, `listing.py`, `filters.py`), the API (`portal/api/base.py`) and the
app-wide `<int:…>` URL converter. A value beyond the bounds is "no such record" (404) or a format
error (422), decided by the caller — it never reaches the database, where 20–30 digits overflow
PostgreSQL's `integer` (and SQLite's 64-bit integers).

Text: PostgreSQL cannot store or compare a NUL character, so a query string or form value holding one is
refused with 400 before any view runs, and the API refuses it in a JSON body (`contains_nul`).
"""
from __future__ import annotations

from flask import abort, request
from werkzeug.routing import IntegerConverter

INT_MAX = 2 ** 31 - 1      # PostgreSQL `integer`: every id and integer column of the registers
INT_MIN = -(2 ** 31)
MAX_DIGITS = 12            # longer digit strings are refused before int() (no giant numbers parsed)


def parse_int(value, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """Return the text as an int within [minimum, maximum], or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(value) -> int | None:
    """Return a record id (1 … INT_MAX) or None."""
    return parse_int(value, 1, INT_MAX)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: 0 … INT_MAX, so a 25-digit id is "no route" (404), not an overflow."""

    def __init__(self, map, fixed_digits=0, min=0, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def contains_nul(value) -> bool:
    """Tell whether a string anywhere in a (JSON-like) value holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False


def _refuse_nul() -> None:
    """400 for a NUL in the path, the query string or a form field (before the view and the database)."""
    query = request.query_string.lower()
    if "\x00" in request.path or b"%00" in query or b"\x00" in query:
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        if any(contains_nul(v) for _k, v in request.form.items(multi=True)) or any(
                contains_nul(f.filename or "") for f in request.files.values()):
            abort(400)


def init_app(app) -> None:
    """Bound every `<int:…>` URL variable (call before blueprints are registered) and refuse NUL input."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_nul)
