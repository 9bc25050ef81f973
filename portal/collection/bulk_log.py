"""Receipts and audit rows for set-based transitions: one INSERT … SELECT each (Q-21, X-3, C-19, C-22).

An aggregation moves thousands of lists in one UPDATE; these helpers write the receipt and the
audit entry of every moved row with one statement each, so the cost stays in the database and
Python holds no rows. `where` selects the rows of `table` that just moved.
"""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, insert, literal, select

from portal import audit, clock
from portal.models import AuditLog, Receipt

COUNTED = {"preserve_rowcount": True}  # SQLAlchemy keeps the row count of an INSERT … SELECT only when asked


def write_receipts(session, table, where, from_status, to_status, message: str, source: str = "system",
                   number_column: str | None = None) -> int:
    """Write one receipt per selected row of `table`: from → to with `message`; return the count."""
    now = clock.now_naive()
    receipts = Receipt.__table__
    number = table.c[number_column] if number_column else literal(None, String)
    enterprise = table.c.enterprise_id if "enterprise_id" in table.c else literal(None, Integer)
    rows = select(enterprise, literal(table.name, String), table.c.id, number, literal(now),
                  literal(str(from_status), String), literal(str(to_status), String), literal(message, String),
                  literal(source, String), literal(now), literal(now)).where(where)
    columns = ["enterprise_id", "record_type", "record_id", "record_no", "at", "from_status", "to_status",
               "message", "source", "created_at", "updated_at"]
    return session.execute(insert(receipts).from_select(columns, rows), execution_options=COUNTED).rowcount


def write_audit(session, table, where, action: str, diff: dict) -> int:
    """Write one audit row per selected row of `table` with the same field diff; return the count."""
    now = clock.now_naive()
    actor = audit.current_actor()
    plain = {key: [old, new] for key, (old, new) in diff.items()}  # codes and ids: JSON as they are
    rows = select(literal(now), literal(now), literal(now), literal(actor["user_id"], Integer),
                  literal(actor["username"], String), literal(actor["login_mode"], String),
                  literal(actor["ip"], String), literal(table.name, String), table.c.id, literal(action, String),
                  literal(plain, JSON)).where(where)
    columns = ["at", "created_at", "updated_at", "user_id", "username", "login_mode", "ip", "table_name",
               "record_id", "action", "diff"]
    statement = insert(AuditLog.__table__).from_select(columns, rows)
    return session.execute(statement, execution_options=COUNTED).rowcount


def log_transition(session, table, where, from_status, to_status, message: str, source: str = "system",
                   number_column: str | None = None, extra: dict | None = None) -> int:
    """Write the receipt and the audit row of every selected row that moved from → to."""
    count = write_receipts(session, table, where, from_status, to_status, message, source, number_column)
    write_audit(session, table, where, "status", {"status": (from_status, to_status), **(extra or {})})
    return count
