"""Scheduler jobs (S-1): thin wrappers that push an app context, call the operations, commit.

Periodic jobs run once per period, claimed in the job runs register:

    expiry_sweep  daily at EXPIRY_SWEEP_HOUR; period = the date swept ('2026-03-05') (Q-27)
    month_end     day 1 at MONTH_END_HOUR; period = the month aggregated ('2026-02' for the run
                  on 1 March) (C-23)
    overdue       day OVERDUE_DAY at MONTH_END_HOUR; period = the same month as month_end (C-23)

Each job names its operation directly: expire_qualifications(session, today) -> int,
month_end_aggregation(session, period, now), flag_overdue(session, period, now) and
process_pending_aggregations(session, now) (`now` is the aware China time of clock.now()).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from flask import current_app

from portal import audit, clock
from portal.extensions import db
from scheduler import runs
from portal.collection.aggregation import flag_overdue, month_end_aggregation, process_pending_aggregations
from portal.qualification.queries import expire_qualifications
from portal.messaging.tick import moved_anything
from scheduler.simulator import customs_tick

log = logging.getLogger(__name__)
MISFIRE_GRACE_SECONDS = 6 * 3600  # a run up to 6 h late still runs (RECIPES: APScheduler)


def _month_before(day: date) -> str:
    """Return the YYYY-MM of the month before the month of `day`."""
    return (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def daily_period(now: datetime, hour: int) -> str:
    """Return the latest date whose run time (that day at `hour`) has come."""
    day = now.date() if now.hour >= hour else now.date() - timedelta(days=1)
    return day.isoformat()


def monthly_period(now: datetime, day_of_month: int, hour: int) -> str:
    """Return the month handled by the latest monthly run (day `day_of_month` at `hour`) that has come."""
    this_run = now.replace(day=day_of_month, hour=hour, minute=0, second=0, microsecond=0)
    if now >= this_run:
        return _month_before(now.date())
    return _month_before(now.date().replace(day=1) - timedelta(days=1))


def _as_counts(result) -> dict:
    return result if isinstance(result, dict) else {"result": result}


@dataclass(frozen=True)
class PeriodicJob:
    """A job run once per period: how to find the due period, its schedule and its operation."""

    name: str
    label: str
    hook: Callable
    period: Callable[[datetime, dict], str]
    cron: Callable[[dict], dict]
    call: Callable[[Callable, object, str, datetime], dict]


PERIODIC_JOBS = {job.name: job for job in (
    PeriodicJob("expiry_sweep", "资质超期处理", expire_qualifications,
                period=lambda now, c: daily_period(now, c["EXPIRY_SWEEP_HOUR"]),
                cron=lambda c: {"hour": c["EXPIRY_SWEEP_HOUR"], "minute": 0},
                call=lambda fn, session, period, now: {"expired": fn(session, date.fromisoformat(period))}),
    PeriodicJob("month_end", "月末自动汇总", month_end_aggregation,
                period=lambda now, c: monthly_period(now, 1, c["MONTH_END_HOUR"]),
                cron=lambda c: {"day": 1, "hour": c["MONTH_END_HOUR"], "minute": 0},
                call=lambda fn, session, period, now: _as_counts(fn(session, period, now))),
    PeriodicJob("overdue", "超期未汇总标记", flag_overdue,
                period=lambda now, c: monthly_period(now, c["OVERDUE_DAY"], c["MONTH_END_HOUR"]),
                cron=lambda c: {"day": c["OVERDUE_DAY"], "hour": c["MONTH_END_HOUR"], "minute": 0},
                call=lambda fn, session, period, now: _as_counts(fn(session, period, now))),
)}


def _isolated(function):
    """Run `function` in a copy of the context so its audit actor does not leak to the caller."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return contextvars.copy_context().run(function, *args, **kwargs)
    return wrapper


@_isolated
def run_periodic(session, name: str, now: datetime | None = None, holder: str | None = None) -> dict:
    """Run periodic job `name` for its due period unless that period already ran; never raises.

    An explicit `now` freezes the clock for the run (S-5).
    """
    with clock.frozen(now) if now is not None else contextlib.nullcontext():
        return _run_periodic(session, PERIODIC_JOBS[name], clock.now(), holder)


def _run_periodic(session, job: PeriodicJob, now: datetime, holder: str | None) -> dict:
    period = job.period(now, current_app.config)
    report = {"job": job.name, "period": period, "outcome": "ALREADY_RUN", "counts": {}, "message": None}
    run = runs.start_run(session, job.name, period, holder)
    if run is None:
        return report
    audit.set_actor(f"scheduler:{job.name}", "system")
    try:
        counts = job.call(job.hook, session, period, now)
        runs.finish_run(session, run, runs.DONE, counts)
        return report | {"outcome": runs.DONE, "counts": counts}
    except Exception as exc:  # recorded as FAILED; the period may be run again
        log.exception("job %s for %s failed", job.name, period)
        session.rollback()
        runs.finish_run(session, run, runs.FAILED, message=f"{type(exc).__name__}: {exc}")
        return report | {"outcome": runs.FAILED, "message": str(exc)}


def catch_up(session, now: datetime | None = None, holder: str | None = None) -> list[dict]:
    """Run every periodic job whose latest due period has no DONE run (start-up after downtime)."""
    return [run_periodic(session, name, now, holder) for name in PERIODIC_JOBS]


def tick(session, now: datetime | None = None) -> dict:
    """Run one customs tick and record it in the register when it did something or failed."""
    with clock.frozen(now) if now is not None else contextlib.nullcontext():
        return _tick(session)


def _tick(session) -> dict:
    started = clock.now_naive()
    try:
        result = customs_tick(session)
    except Exception as exc:
        log.exception("customs tick failed")
        session.rollback()
        runs.record_run(session, "customs_tick", runs.FAILED, message=f"{type(exc).__name__}: {exc}",
                        started_at=started)
        return {"outcome": runs.FAILED, "message": str(exc)}
    if result["moved"] or result["refused"]:
        runs.record_run(session, "customs_tick", runs.DONE, counts=result, started_at=started)
    return result | {"outcome": runs.DONE}


ADVANCE_MAX_PASSES = 10  # longest lifecycle: SUBMITTED → RECEIVED → UNDER_REVIEW → APPROVED, with margin


def advance(session, max_passes: int = ADVANCE_MAX_PASSES) -> dict:
    """Run customs now: decide everything waiting without its delay, pass after pass, then aggregate.

    Each pass publishes the outbox and has customs answer every open case one step (the same decisions
    as the tick: receipt-failure draw, watch list); passes repeat until one changes nothing, so a
    submitted filing ends approved.
    Pending aggregation requests are then turned into declarations (C-20). Recorded as one
    customs_tick run with the summed counts.
    """
    started = clock.now_naive()
    total = {"moved": 0, "skipped": 0, "refused": 0, "outcomes": {}, "passes": 0}
    try:
        for _ in range(max_passes):
            result = customs_tick(session, skip_delays=True)
            total["passes"] += 1
            for key in ("moved", "skipped", "refused"):
                total[key] += result[key]
            for key, count in result["outcomes"].items():
                total["outcomes"][key] = total["outcomes"].get(key, 0) + count
            if not moved_anything(result):
                break
    except Exception as exc:
        log.exception("customs advance failed")
        session.rollback()
        runs.record_run(session, "customs_tick", runs.FAILED, message=f"{type(exc).__name__}: {exc}",
                        started_at=started)
        return {"outcome": runs.FAILED, "message": str(exc)}
    total["enabled"] = result["enabled"]
    if total["moved"] or total["refused"]:
        runs.record_run(session, "customs_tick", runs.DONE, counts=total, started_at=started,
                        message="立即处理（不等延迟）")
    aggregated = process_aggregations(session)
    return total | {"outcome": runs.DONE, "aggregations": aggregated.get("counts") or {}}


@_isolated
def process_aggregations(session, now: datetime | None = None) -> dict:
    """Build the declarations of pending aggregation requests (C-19, C-20) through the hook."""
    with clock.frozen(now) if now is not None else contextlib.nullcontext():
        return _process_aggregations(session, clock.now())


def _process_aggregations(session, now: datetime) -> dict:
    started = clock.now_naive()
    audit.set_actor("scheduler:aggregation", "system")
    try:
        counts = _as_counts(process_pending_aggregations(session, now))
        session.commit()
    except Exception as exc:
        log.exception("pending aggregations failed")
        session.rollback()
        runs.record_run(session, "aggregation", runs.FAILED, message=f"{type(exc).__name__}: {exc}",
                        started_at=started)
        return {"outcome": runs.FAILED, "message": str(exc)}
    if any(counts.values()):
        runs.record_run(session, "aggregation", runs.DONE, counts=counts, started_at=started)
    return {"outcome": runs.DONE, "counts": counts}


# ---- APScheduler wiring -----------------------------------------------------------------------
def _in_app(app, lease, function, *args) -> None:
    """Run `function(db.session, *args)` in an app context if this process holds the lease."""
    if lease is not None and not lease.held:
        return
    with app.app_context():
        try:
            function(db.session, *args)
        finally:
            db.session.remove()


def build_scheduler(app, lease=None):
    """Create the background scheduler with the tick, aggregation and periodic jobs (not started)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    config = app.config
    scheduler = BackgroundScheduler(timezone=clock.CHINA, job_defaults={
        "misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1})
    seconds = config["SCHEDULER_TICK_SECONDS"]
    scheduler.add_job(_in_app, "interval", seconds=seconds, args=(app, lease, tick), id="customs_tick",
                      name="模拟海关")
    scheduler.add_job(_in_app, "interval", seconds=seconds, args=(app, lease, process_aggregations),
                      id="aggregation", name="汇总申请处理")
    for job in PERIODIC_JOBS.values():
        scheduler.add_job(_in_app, "cron", args=(app, lease, run_periodic, job.name), id=job.name,
                          name=job.label, **job.cron(config))
    scheduler.add_job(_in_app, "date", args=(app, lease, catch_up), id="catch_up", name="启动补跑")
    return scheduler
