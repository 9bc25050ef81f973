"""The one code path for a status transition: conditional update, receipt, audit (Q-19, Q-21, S-3, S-4)."""
from __future__ import annotations

from sqlalchemy import insert, update

from portal import audit, clock
from portal.models import Receipt
from rules.violations import RuleError, Violation


def transition(session, record, to_status, *, allowed_from, message: str = "", receipt: bool = True,
               source: str = "customs", rule: str = "Q-19", values: dict | None = None,
               enterprise_id: int | None = None, record_no: str | None = None) -> bool:
    """Move `record` to `to_status` if it is still in one of `allowed_from`; exactly once.

    The UPDATE carries the expected status in its WHERE clause, so of two concurrent callers only
    one changes the row; the other gets a 409 RuleError. Writes the receipt and the audit row in the
    caller's transaction; the caller commits.
    """
    model = type(record)
    table = model.__table__
    current = record.status
    if current not in allowed_from:
        raise RuleError([Violation(rule, "status", f"当前状态“{current}”不允许变更为“{to_status}”")], status=409)
    now = clock.now_naive()
    changes = {"status": to_status, "version": table.c.version + 1, "updated_at": now}
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
            from_status=str(current), to_status=str(to_status), message=message, source=source,
            created_at=now, updated_at=now))
    diff = {"status": (current, to_status)}
    diff.update({k: (None, v) for k, v in (values or {}).items()})
    audit.record(session, table.name, record.id, "status", diff)
    return True
