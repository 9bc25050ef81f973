"""The customs simulator (S-2, S-3, S-4): one pass moves every pending record one step on.

The simulator is a table of steps (`STEPS`). Each `Step` names:

    model        the register (a model class of portal.models)
    from_status  the status a record waits in
    delay        the Setting key: seconds that must pass after the record entered that status
    act          the operation making the normal customs decision: act(session, record)
    fail         optional: fail(session, record, message) when the receipt-failure draw hits
    reject       optional: reject(session, record, opinion) when the enterprise is on the watch list
    since        the column holding the time the record entered `from_status` (default
                 status_changed_at, which portal.transitions.transition sets)
    number       the attribute identifying the record in the deterministic failure draw

Operations are given as "module:function" and imported when a tick runs, so a line may name a
module that is not written yet: such a step is listed under `not_installed` and moves nothing.
Operations take the session first, flush but never commit, and change status only through
portal.transitions.transition (receipt + audit, exactly once). Module C adds one line per step,
e.g. lists 2 → 7 → 15 (S-2):

    C = "portal.collection.operations"
    Step(ListHead, 2, "delay_list_seconds", f"{C}:approve_list", fail=f"{C}:fail_list_receipt",
         number="center_no"),
    Step(ListHead, 7, "delay_list_seconds", f"{C}:clear_list", number="center_no"),

A new delay key must also be added to seed.load.DEFAULT_SETTINGS.

Each record is claimed and decided in its own transaction and committed at once, so a crash
leaves finished records finished and the rest untouched. On PostgreSQL the claim is
`SELECT … FOR UPDATE SKIP LOCKED`; on SQLite the conditional UPDATE in transition() makes a lost
race raise RuleError 409, which is rolled back and counted as skipped.
"""
from __future__ import annotations

import contextvars
import hashlib
import importlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import func, select

from portal import audit, clock
from portal.database import is_postgres
from portal.models import (Application, Certificate, ChangeRequest, CollectionFiling, Declaration, Enterprise,
                           FilingRequest, ListHead, ProductVolume, WatchListEntry)
from rules.violations import RuleError
from scheduler.settings import SimulatorSettings, load_settings

log = logging.getLogger(__name__)
ACTOR = "customs-simulator"
BATCH = 1000
RECEIPT_FAILED_MESSAGE = "海关入库失败（模拟海关按入库失败比例确定），请检查后重新申报"
Q = "portal.qualification.operations"
D = "portal.collection.declarations"


@dataclass(frozen=True)
class Step:
    """One line of the simulator table: a register, a waiting status, a delay and the decision."""

    model: type
    from_status: object
    delay: str
    act: str | Callable
    fail: str | Callable | None = None
    reject: str | Callable | None = None
    since: str = "status_changed_at"
    number: str | None = None

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}:{self.from_status}"

    def since_column(self):
        """Return the SQL expression for the time the record entered `from_status`."""
        column = getattr(self.model, self.since)
        if self.since == "status_changed_at":
            return func.coalesce(column, self.model.updated_at)
        return column


STEPS: tuple[Step, ...] = (
    Step(Application, "SUBMITTED", "delay_receive_seconds", f"{Q}:receive_application",
         fail=f"{Q}:fail_receipt", number="application_no"),
    Step(Application, "RECEIVED", "delay_review_seconds", f"{Q}:start_review", number="application_no"),
    Step(Application, "UNDER_REVIEW", "delay_decide_seconds", f"{Q}:approve_application",
         reject=f"{Q}:reject_application", number="application_no"),
    Step(Certificate, "REQUESTED", "delay_certificate_seconds", "portal.qualification.certificates:issue_certificate",
         fail="portal.qualification.certificates:fail_certificate", since="updated_at"),
    Step(CollectionFiling, "DECLARED", "delay_list_seconds", "portal.collection.filings:approve_filing",
         fail="portal.collection.filings:fail_filing_receipt", number="center_no"),
    Step(ProductVolume, "DECLARED", "delay_list_seconds", "portal.collection.volumes:approve_volume",
         fail="portal.collection.volumes:fail_volume_receipt", number="volume_no"),
    Step(FilingRequest, "DECLARED", "delay_list_seconds", "portal.collection.filing_requests:approve_filing_request",
         fail="portal.collection.filing_requests:fail_filing_request_receipt"),
    Step(ListHead, 2, "delay_list_seconds", "portal.collection.lists:accept_list",
         fail="portal.collection.lists:fail_list_receipt", number="center_no"),
    Step(ListHead, 7, "delay_list_seconds", "portal.collection.lists:clear_list", number="center_no"),
    Step(ChangeRequest, "DECLARED", "delay_list_seconds", "portal.collection.change_requests:approve_change_request"),
    Step(Declaration, "DECLARED", "delay_list_seconds", f"{D}:conclude_declaration", reject=f"{D}:refuse_declaration",
         number="unified_no"),
    Step(Declaration, "INSPECTION", "delay_list_seconds", f"{D}:conclude_declaration", number="unified_no"),
    Step(Declaration, "CONCLUDED", "delay_list_seconds", f"{D}:close_declaration", number="unified_no"),
)


class NotInstalled(Exception):
    """A step names an operation whose module or function does not exist yet."""


def resolve(target):
    """Import a "module:function" operation (or pass a callable through)."""
    if target is None or callable(target):
        return target
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise NotInstalled(target) from exc
        raise
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise NotInstalled(target) from exc


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


def _decide(session, step: Step, operations: dict, record, settings: SimulatorSettings) -> None:
    """Apply the step's decision: receipt failure, watch-list rejection or the normal outcome."""
    if operations["fail"] is not None and failure_draw(step, record) < settings.failure_rate:
        operations["fail"](session, record, RECEIPT_FAILED_MESSAGE)
        return
    opinion = watch_list_opinion(session, record) if operations["reject"] is not None else None
    if opinion is not None:
        operations["reject"](session, record, opinion)
    else:
        operations["act"](session, record)


def _claim(session, step: Step, record_id: int, cutoff):
    """Lock the record if it is still waiting in the step's status (skip rows others hold)."""
    model = step.model
    query = (select(model).where(model.id == record_id, model.status == step.from_status,
                                 step.since_column() <= cutoff)
             .execution_options(populate_existing=True))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def _process(session, step: Step, operations: dict, record_id: int, cutoff, settings, result: dict) -> None:
    """Decide one record in its own transaction and commit it."""
    record = _claim(session, step, record_id, cutoff)
    if record is None:
        session.rollback()
        result["skipped"] += 1
        return
    label = str(getattr(record, step.number or "id"))
    try:
        _decide(session, step, operations, record, settings)
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
              "skipped": 0, "refused": 0, "outcomes": {}, "not_installed": [], "errors": []}
    if not settings.enabled:
        return result
    audit.set_actor(ACTOR, "system")
    budget = limit
    for step in steps:
        if budget is not None and budget <= 0:
            break
        try:
            operations = {name: resolve(getattr(step, name)) for name in ("act", "fail", "reject")}
        except NotInstalled as exc:
            result["not_installed"].append(f"{step.name} ({exc})")
            continue
        model = step.model
        delay = 0 if skip_delays else settings.seconds(step.delay)
        cutoff = clock.now_naive() - timedelta(seconds=delay)
        since = step.since_column()
        ids = list(session.scalars(select(model.id).where(model.status == step.from_status, since <= cutoff)
                                   .order_by(since, model.id).limit(budget if budget is not None else BATCH)))
        session.commit()
        for record_id in ids:
            _process(session, step, operations, record_id, cutoff, settings, result)
        if budget is not None:
            budget -= len(ids)
    return result


def customs_tick(session, now=None, limit: int | None = None, steps=None, skip_delays: bool = False) -> dict:
    """Move every due record one step along its lifecycle; commit per record; return the counts.

    `now` (datetime or ISO text) runs the pass as if it were that time (S-5); `limit` caps the
    records tried in this pass; `steps` replaces the table (tests); `skip_delays` treats every
    waiting record as due (staff's "run customs now": same decisions, no waiting).
    """
    table = tuple(steps) if steps is not None else STEPS
    context = contextvars.copy_context()  # the simulator's audit actor does not leak to the caller
    if now is None:
        return context.run(_run_steps, session, table, limit, skip_delays)
    with clock.frozen(now):
        return context.run(_run_steps, session, table, limit, skip_delays)
