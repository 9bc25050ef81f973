"""The one code path for a status transition: the lifecycle table's move, a conditional update, receipt and
audit (Q-19, Q-21, S-3, S-4).

Every move is a `Move` of a table in rules/lifecycle.py, passed by direct reference. `transition()` refuses a
move the table does not hold, from a status it does not start in, or by an actor it does not name (409 with
the move's rule id; nothing changes). A move that refuses or destroys needs an opinion (S-3): it is the
receipt's message and goes into the audit diff. Operations that make a move register themselves with
`@performs(MOVE)`, so the simulator and the review screens find them by the move, not by a name.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import insert, update

from portal import audit, clock
from portal.messaging import outbox
from portal.models import Receipt
from rules.lifecycle import Move, actor_of, lifecycle_of, move_violations, opinion_violations
from rules.violations import RuleError, Violation

OPERATIONS: dict[Move, Callable] = {}


def performs(*moves: Move):
    """Register the decorated operation as the one that makes `moves` (the simulator and review screens call it)."""
    def register(function):
        for move in moves:
            OPERATIONS[move] = function
        return function
    return register


def operation_for(move: Move) -> Callable:
    """Return the operation registered for `move` (KeyError when none is)."""
    return OPERATIONS[move]


def check_move(move: Move, table_name: str, current, source: str, rule: str | None = None,
               opinion: str | None = None) -> None:
    """Raise the 409 RuleError of a move the table refuses, or the 422 of a missing opinion (S-3)."""
    violations = move_violations(move, current, actor_of(source), rule)
    if not violations and move.register != table_name:
        violations = move_violations(move, object(), None, rule)
    if violations:
        raise RuleError(violations, status=409)
    violations = opinion_violations(move, opinion) if move.opinion else []
    if violations:
        raise RuleError(violations)


def transition(session, record, move: Move, *, message: str = "", receipt: bool = True, source: str = "customs",
               rule: str | None = None, values: dict | None = None, enterprise_id: int | None = None,
               record_no: str | None = None) -> bool:
    """Make `move` on `record` if the lifecycle table allows it from the record's status; exactly once.

    The UPDATE carries the expected status in its WHERE clause, so of two concurrent callers only
    one changes the row; the other gets a 409 RuleError. Writes the receipt (message: the opinion
    of a refusing move, else `message` or the new status's name), the audit row (with the move and the
    actor's source) and, when the move sends the record to customs, its message (the transactional
    outbox, portal/messaging/outbox.py) in the caller's transaction; the caller commits.
    """
    model = type(record)
    table = model.__table__
    current = record.status
    message = (message or "").strip()
    check_move(move, table.name, current, source, rule, message)
    rule = rule or move.rule
    now = clock.now_naive()
    changes = {"status": move.target, "version": table.c.version + 1, "updated_at": now}
    if "status_changed_at" in table.c:
        changes["status_changed_at"] = now
    changes.update(values or {})
    result = session.execute(update(table).where(table.c.id == record.id, table.c.status == current)
                             .values(**changes).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RuleError([Violation(rule, "status", "记录已被其他操作处理，请刷新后重试")], status=409)
    session.expire(record)
    if receipt:
        session.execute(insert(Receipt.__table__).values(
            enterprise_id=enterprise_id if enterprise_id is not None else getattr(record, "enterprise_id", None),
            record_type=table.name, record_id=record.id, record_no=record_no, at=now,
            from_status=str(current), to_status=str(move.target), message=message or lifecycle_of(move.register).status_name(move.target),
            source=source,
            created_at=now, updated_at=now))
    audit.record(session, table.name, record.id, "status", move_diff(move, current, source, message, values))
    outbox.after_move(session, record, move, source)
    return True


def move_diff(move: Move, current, source: str, message: str = "", values: dict | None = None) -> dict:
    """Return the audit diff of a move: the status, who made which move, the opinion, the other values."""
    diff = {"status": (current, move.target), "move": (None, f"{move.name}:{source}")}
    if move.opinion:
        diff["opinion"] = (None, message)
    diff.update({k: (None, v) for k, v in (values or {}).items()})
    return diff
