"""Receipts and audit rows for set-based transitions: one INSERT … SELECT each (Q-21, X-3, C-19, C-22).

An aggregation moves thousands of lists in one UPDATE; these helpers write the receipt and the
audit entry of every moved row with one statement each, so the cost stays in the database and
Python holds no rows. `where` selects the rows of `table` that just moved.
"""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, func, insert, literal, null, select

from portal import audit, clock
from portal.database import is_postgres
from portal.models import AuditLog, Receipt
from portal.transitions import check_move, move_diff
from rules.lifecycle import Move, lifecycle_of

COUNTED = {"preserve_rowcount": True}  # SQLAlchemy keeps the row count of an INSERT … SELECT only when asked


def write_receipts(session, table, where, from_status, to_status, message, source: str = "system",
                   number_column: str | None = None) -> int:
    """Write one receipt per selected row of `table`: from → to with `message` (text, or a SQL
    expression over the row); return the count."""
    now = clock.now_naive()
    receipts = Receipt.__table__
    number = table.c[number_column] if number_column else literal(None, String)
    enterprise = table.c.enterprise_id if "enterprise_id" in table.c else literal(None, Integer)
    text = literal(message, String) if isinstance(message, str) else message  # or a per-row SQL expression
    rows = select(enterprise, literal(table.name, String), table.c.id, number, literal(now),
                  literal(str(from_status), String), literal(str(to_status), String), text,
                  literal(source, String), literal(now), literal(now)).where(where)
    columns = ["enterprise_id", "record_type", "record_id", "record_no", "at", "from_status", "to_status",
               "message", "source", "created_at", "updated_at"]
    return session.execute(insert(receipts).from_select(columns, rows), execution_options=COUNTED).rowcount


def _row_diff(session, diff: dict, new_columns: dict):
    """Build the diff JSON in SQL: the constant pairs of `diff`, and [null, column value] of each row."""
    postgres = is_postgres(session)
    build_object, build_array = (func.json_build_object, func.json_build_array) if postgres else \
        (func.json_object, func.json_array)
    parts = []
    for key, (old, new) in diff.items():
        parts += [literal(key, String), build_array(*(null() if v is None else literal(v) for v in (old, new)))]
    for key, column in new_columns.items():
        parts += [literal(key, String), build_array(null(), column)]
    value = build_object(*parts)
    return value if postgres else func.json(value)


def write_audit(session, table, where, action: str, diff: dict, new_columns: dict | None = None) -> int:
    """Write one audit row per selected row of `table` with the same field diff; return the count.

    new_columns: fields set from the row itself (e.g. each list's aggregation request), logged as [null, value].
    """
    now = clock.now_naive()
    actor = audit.current_actor()
    plain = {key: [old, new] for key, (old, new) in diff.items()}  # codes and ids: JSON as they are
    diff_value = _row_diff(session, diff, new_columns) if new_columns else literal(plain, JSON)
    rows = select(literal(now), literal(now), literal(now), literal(actor["user_id"], Integer),
                  literal(actor["username"], String), literal(actor["login_mode"], String),
                  literal(actor["ip"], String), literal(table.name, String), table.c.id, literal(action, String),
                  diff_value).where(where)
    columns = ["at", "created_at", "updated_at", "user_id", "username", "login_mode", "ip", "table_name",
               "record_id", "action", "diff"]
    statement = insert(AuditLog.__table__).from_select(columns, rows)
    return session.execute(statement, execution_options=COUNTED).rowcount


def log_transition(session, table, where, move: Move, message, source: str = "system",
                   number_column: str | None = None, extra: dict | None = None, new_columns: dict | None = None,
                   from_status=None) -> int:
    """Check `move` against its lifecycle table and write the receipt and the audit row of every selected row
    that made it (from `from_status`, by default the move's only source)."""
    current = move.sources[0] if from_status is None else from_status
    if isinstance(message, str) and not message:
        message = lifecycle_of(move.register).status_name(move.target)
    check_move(move, table.name, current, source, opinion=message if isinstance(message, str) else "-")
    count = write_receipts(session, table, where, current, move.target, message, source, number_column)
    diff = move_diff(move, current, source, message if isinstance(message, str) else "")
    write_audit(session, table, where, "status", {**diff, **(extra or {})}, new_columns)
    return count
