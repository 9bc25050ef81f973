"""The customs simulator (S-2, S-3, S-4): one pass moves every pending record one step on.

The steps are derived from the lifecycle tables (rules/lifecycle.py): every customs move marked
`simulate` makes a step of its register for each status it starts in. A `Step` holds

    model        the register (the model class of the lifecycle's table)
    from_status  the status a record waits in
    delay        the Setting key: seconds that must pass after the record entered that status
    act          the move of the normal customs decision
    fail         optional: the move made when the receipt-failure draw hits
    reject       optional: the move made, with its opinion, when the enterprise is on the watch list
    number       the attribute identifying the record in the deterministic failure draw

and calls the operation each move registered itself with (`portal.transitions.performs`), by the
move itself, never by a name. Operations take the session first, flush but never commit, and change
status only through portal.transitions.transition (receipt + audit, exactly once). A new simulated
move is one line in its lifecycle table; a new delay key must also be added to
seed.load.DEFAULT_SETTINGS.

Each record is claimed and decided in its own transaction and committed at once, so a crash
leaves finished records finished and the rest untouched. On PostgreSQL the claim is
`SELECT … FOR UPDATE SKIP LOCKED`; on SQLite the conditional UPDATE in transition() makes a lost
race raise RuleError 409, which is rolled back and counted as skipped.
"""
from __future__ import annotations

import contextvars
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from portal import audit, clock
from portal.database import is_postgres
# Imported so that every customs operation has registered itself for its move (portal.transitions.performs).
from portal.collection import change_requests, declarations, filing_requests, filings, lists, volumes  # noqa: F401
from portal.models import Enterprise, WatchListEntry
from portal.models.base import Model
from portal.qualification import certificates, operations  # noqa: F401
from portal.transitions import operation_for
from rules.lifecycle import ACT, FAIL, LIFECYCLES, REJECT, Move
from rules.violations import RuleError
from scheduler.settings import SimulatorSettings, load_settings

log = logging.getLogger(__name__)
ACTOR = "customs-simulator"
BATCH = 1000
RECEIPT_FAILED_MESSAGE = "海关入库失败（模拟海关按入库失败比例确定），请检查后重新申报"


@dataclass(frozen=True)
class Step:
    """One step of the simulator: a register, a waiting status, a delay and the moves customs may make."""

    model: type
    from_status: object
    delay: str
    act: Move
    fail: Move | None = None
    reject: Move | None = None
    number: str | None = None

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}:{self.from_status}"

    def since_column(self):
        """Return the SQL expression for the time the record entered `from_status`."""
        if "status_changed_at" in self.model.__table__.c:
            return func.coalesce(self.model.status_changed_at, self.model.updated_at)
        return self.model.updated_at


def _model_of(register: str) -> type:
    return next(mapper.class_ for mapper in Model.registry.mappers if mapper.class_.__tablename__ == register)


def steps_from_lifecycles() -> tuple[Step, ...]:
    """Derive the simulator's steps from the simulated customs moves of every lifecycle table (S-2)."""
    steps = []
    for lifecycle in LIFECYCLES.values():
        for status in lifecycle.codes:
            roles = {m.simulate: m for m in lifecycle.moves_from(status) if m.simulate}
            if ACT in roles:
                steps.append(Step(_model_of(lifecycle.register), status, roles[ACT].delay, roles[ACT],
                                  roles.get(FAIL), roles.get(REJECT), lifecycle.number))
    return tuple(steps)


def failure_draw(step: Step, record) -> float:
    """Map the record (number and version) to [0, 1) deterministically (S-2)."""
    key = f"{step.model.__tablename__}:{getattr(record, step.number or 'id')}:{getattr(record, 'version', 0)}"
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def watch_list_opinion(session, record) -> str | None:
    """Return the opinion when the record's enterprise is on the active watch list (S-2)."""
    enterprise_id = getattr(record, "enterprise_id", None)
    if enterprise_id is None:
        return None
    return session.scalar(select(WatchListEntry.opinion)
                          .join(Enterprise, Enterprise.uscc == WatchListEntry.uscc)
                          .where(Enterprise.id == enterprise_id, WatchListEntry.active.is_(True)))


def _decide(session, step: Step, record, settings: SimulatorSettings) -> None:
    """Apply the step's decision: receipt failure, watch-list rejection or the normal outcome."""
    if step.fail is not None and failure_draw(step, record) < settings.failure_rate:
        operation_for(step.fail)(session, record, RECEIPT_FAILED_MESSAGE)
        return
    opinion = watch_list_opinion(session, record) if step.reject is not None else None
    if opinion is not None:
        operation_for(step.reject)(session, record, opinion)
    else:
        operation_for(step.act)(session, record)


def _claim(session, step: Step, record_id: int, cutoff):
    """Lock the record if it is still waiting in the step's status (skip rows others hold)."""
    model = step.model
    query = (select(model).where(model.id == record_id, model.status == step.from_status,
                                 step.since_column() <= cutoff)
             .execution_options(populate_existing=True))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def _process(session, step: Step, record_id: int, cutoff, settings, result: dict) -> None:
    """Decide one record in its own transaction and commit it."""
    record = _claim(session, step, record_id, cutoff)
    if record is None:
        session.rollback()
        result["skipped"] += 1
        return
    label = str(getattr(record, step.number or "id"))
    try:
        _decide(session, step, record, settings)
        session.flush()
        to_status = str(record.status)
        session.commit()
    except RuleError as exc:
        session.rollback()
        if exc.status == 409:
            result["skipped"] += 1
            return
        result["refused"] += 1
        result["errors"].append(f"{label}: {exc}")
        log.warning("customs simulator: %s %s refused: %s", step.name, label, exc)
        return
    except Exception:
        session.rollback()
        raise
    result["moved"] += 1
    key = f"{step.model.__tablename__}:{to_status}"
    result["outcomes"][key] = result["outcomes"].get(key, 0) + 1


def _run_steps(session, steps, limit: int | None, skip_delays: bool = False) -> dict:
    settings = load_settings(session)
    session.commit()
    result = {"at": clock.now().isoformat(timespec="seconds"), "enabled": settings.enabled, "moved": 0,
              "skipped": 0, "refused": 0, "outcomes": {}, "errors": []}
    if not settings.enabled:
        return result
    audit.set_actor(ACTOR, "system")
    budget = limit
    for step in steps:
        if budget is not None and budget <= 0:
            break
        model = step.model
        delay = 0 if skip_delays else settings.seconds(step.delay)
        cutoff = clock.now_naive() - timedelta(seconds=delay)
        since = step.since_column()
        ids = list(session.scalars(select(model.id).where(model.status == step.from_status, since <= cutoff)
                                   .order_by(since, model.id).limit(budget if budget is not None else BATCH)))
        session.commit()
        for record_id in ids:
            _process(session, step, record_id, cutoff, settings, result)
        if budget is not None:
            budget -= len(ids)
    return result


def customs_tick(session, now=None, limit: int | None = None, steps=None, skip_delays: bool = False) -> dict:
    """Move every due record one step along its lifecycle; commit per record; return the counts.

    `now` (datetime or ISO text) runs the pass as if it were that time (S-5); `limit` caps the
    records tried in this pass; `steps` replaces the table (tests); `skip_delays` treats every
    waiting record as due (staff's "run customs now": same decisions, no waiting).
    """
    table = tuple(steps) if steps is not None else steps_from_lifecycles()
    context = contextvars.copy_context()  # the simulator's audit actor does not leak to the caller
    if now is None:
        return context.run(_run_steps, session, table, limit, skip_delays)
    with clock.frozen(now):
        return context.run(_run_steps, session, table, limit, skip_delays)
