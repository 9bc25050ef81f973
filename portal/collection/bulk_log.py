"""Set-based transitions with their receipts and audit rows (Q-21, X-3, C-19, C-22).

An aggregation moves thousands of lists in one UPDATE; these helpers write the receipt and the
audit entry of every moved row with one statement each, so the cost stays in the database and
Python holds no rows. move_rows makes the move itself too: on PostgreSQL the UPDATE … RETURNING
feeds both INSERTs in one statement, so the moved rows are read once.
"""
from __future__ import annotations

from sqlalchemy import JSON, Integer, String, and_, func, insert, literal, null, select, update

from portal import audit, clock
from portal.database import is_postgres
from portal.models import AuditLog, Receipt
from portal.transitions import check_move, move_diff
from rules.lifecycle import Move, lifecycle_of

COUNTED = {"preserve_rowcount": True}  # SQLAlchemy keeps the row count of an INSERT … SELECT only when asked
RECEIPT_COLUMNS = ["enterprise_id", "record_type", "record_id", "record_no", "at", "from_status", "to_status",
                   "message", "source", "created_at", "updated_at"]
AUDIT_COLUMNS = ["at", "created_at", "updated_at", "user_id", "username", "login_mode", "ip", "table_name",
                 "record_id", "action", "diff"]


def _receipt_rows(rows, table_name: str, from_status, to_status, message, source: str,
                  number_column: str | None):
    """SELECT one receipt per row of `rows` (the table, or the rows an UPDATE returned)."""
    now = clock.now_naive()
    number = rows.c[number_column] if number_column else literal(None, String)
    enterprise = rows.c.enterprise_id if "enterprise_id" in rows.c else literal(None, Integer)
    text = literal(message, String) if isinstance(message, str) else message  # or a per-row SQL expression
    return select(enterprise, literal(table_name, String), rows.c.id, number, literal(now),
                  literal(str(from_status), String), literal(str(to_status), String), text,
                  literal(source, String), literal(now), literal(now))


def write_receipts(session, table, where, from_status, to_status, message, source: str = "system",
                   number_column: str | None = None) -> int:
    """Write one receipt per selected row of `table`: from → to with `message` (text, or a SQL
    expression over the row); return the count."""
    rows = _receipt_rows(table, table.name, from_status, to_status, message, source, number_column).where(where)
    return session.execute(insert(Receipt.__table__).from_select(RECEIPT_COLUMNS, rows),
                           execution_options=COUNTED).rowcount


def _row_diff(session, diff: dict, new_columns: dict):
    """Build the diff JSON in SQL: the constant pairs of `diff`, and [null, column value] of each row."""
    postgres = is_postgres(session)
    build_object, build_array = (func.json_build_object, func.json_build_array) if postgres else \
        (func.json_object, func.json_array)
    parts = []
    for key, (old, new) in diff.items():  # a bare NULL, not an untyped parameter PostgreSQL cannot type
        parts += [literal(key, String), build_array(*(null() if v is None else literal(v) for v in (old, new)))]
    for key, column in new_columns.items():
        parts += [literal(key, String), build_array(null(), column)]
    value = build_object(*parts)
    return value if postgres else func.json(value)


def _audit_rows(session, rows, table_name: str, action: str, diff: dict, new_columns: dict | None):
    """SELECT one audit row per row of `rows` with the same diff (plus [null, value] of `new_columns`)."""
    now = clock.now_naive()
    actor = audit.current_actor()
    plain = {key: [old, new] for key, (old, new) in diff.items()}  # codes and ids: JSON as they are
    own = {key: rows.c[column.name] for key, column in (new_columns or {}).items()}
    diff_value = _row_diff(session, diff, own) if own else literal(plain, JSON)
    return select(literal(now), literal(now), literal(now), literal(actor["user_id"], Integer),
                  literal(actor["username"], String), literal(actor["login_mode"], String),
                  literal(actor["ip"], String), literal(table_name, String), rows.c.id, literal(action, String),
                  diff_value)


def write_audit(session, table, where, action: str, diff: dict, new_columns: dict | None = None) -> int:
    """Write one audit row per selected row of `table` with the same field diff; return the count.

    new_columns: fields set from the row itself (e.g. each list's aggregation request), logged as [null, value].
    """
    rows = _audit_rows(session, table, table.name, action, diff, new_columns).where(where)
    return session.execute(insert(AuditLog.__table__).from_select(AUDIT_COLUMNS, rows),
                           execution_options=COUNTED).rowcount


def _checked(move: Move, table, message, source: str, from_status):
    """Check `move` against its lifecycle table; return (from status, receipt message)."""
    current = move.sources[0] if from_status is None else from_status
    if isinstance(message, str) and not message:
        message = lifecycle_of(move.register).status_name(move.target)
    check_move(move, table.name, current, source, opinion=message if isinstance(message, str) else "-")
    return current, message


def log_transition(session, table, where, move: Move, message, source: str = "system",
                   number_column: str | None = None, extra: dict | None = None, new_columns: dict | None = None,
                   from_status=None) -> int:
    """Check `move` against its lifecycle table and write the receipt and the audit row of every selected row
    that made it (from `from_status`, by default the move's only source)."""
    current, message = _checked(move, table, message, source, from_status)
    count = write_receipts(session, table, where, current, move.target, message, source, number_column)
    diff = move_diff(move, current, source, message if isinstance(message, str) else "")
    write_audit(session, table, where, "status", {**diff, **(extra or {})}, new_columns)
    return count


def move_rows(session, table, where, move: Move, *, moved, values: dict | None = None, message: str = "",
              source: str = "system", number_column: str | None = None, new_columns: dict | None = None,
              at=None) -> int:
    """Make `move` on every row of `table` that `where` selects and that is in the move's source status:
    one conditional UPDATE (status, version, updated_at, status_changed_at and `values`), one receipt and
    one audit row per moved row; return how many moved.

    On PostgreSQL it is one statement — the UPDATE … RETURNING feeds the receipts' and the audit rows'
    INSERT — so the moved rows are not looked up again. On SQLite the receipts and audit rows are written
    after the UPDATE from the rows `moved` selects then. new_columns: values of the moved row logged as
    [null, value] (e.g. each list's aggregation request). at: the time of the move (default: the clock).
    """
    current, message = _checked(move, table, message, source, None)
    now = at or clock.now_naive()
    changes = {"status": move.target, "version": table.c.version + 1, "updated_at": now, **(values or {})}
    if "status_changed_at" in table.c:
        changes["status_changed_at"] = now
    changing = update(table).where(and_(where, table.c.status == current)).values(**changes)
    diff = move_diff(move, current, source, message)
    if not is_postgres(session):
        count = session.execute(changing).rowcount
        write_receipts(session, table, moved, current, move.target, message, source, number_column)
        write_audit(session, table, moved, "status", diff, new_columns)
        return count
    returned = [table.c.id] + [table.c[name] for name in ("enterprise_id", number_column) if name and name in table.c]
    returned += [column for column in (new_columns or {}).values() if column.name not in {c.name for c in returned}]
    rows = changing.returning(*returned).cte("moved")
    receipts = insert(Receipt.__table__).from_select(
        RECEIPT_COLUMNS, _receipt_rows(rows, table.name, current, move.target, message, source, number_column))
    statement = insert(AuditLog.__table__).from_select(
        AUDIT_COLUMNS, _audit_rows(session, rows, table.name, "status", diff, new_columns)) \
        .add_cte(receipts.cte("receipts_written"))
    return session.execute(statement, execution_options=COUNTED).rowcount
