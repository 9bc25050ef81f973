"""The job runs register (S-1, C-23): one row per periodic job and period, claimed exactly once.

A periodic run is claimed by inserting (job, period); the unique constraint makes a second claim
fail, so a period runs once however many processes or restarts try. A run that ended FAILED or
SKIPPED (its module was not installed), a RUNNING run whose holder process is dead (checked at
once, see `scheduler.lease.holder_is_dead`: a `kill -9` leaves the row RUNNING and its uncommitted
work rolled back), or one RUNNING longer than `stale_seconds` (a holder whose death cannot be
told) may be claimed again. Register writes commit at once so that other processes see the
claim; they are the job's transaction boundary, not an operation's.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.models import JobRun
from scheduler.lease import holder_is_dead, holder_name, mark_alive

__all__ = ["holder_name", "start_run", "finish_run", "record_run", "last_done", "recent_runs"]

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED, SKIPPED = "RUNNING", "DONE", "FAILED", "SKIPPED"
RECLAIMABLE = (FAILED, SKIPPED)
STALE_SECONDS = 6 * 3600


def start_run(session, job: str, period: str | None = None, holder: str | None = None,
              stale_seconds: int = STALE_SECONDS) -> JobRun | None:
    """Claim the run of `job` for `period` and commit; None when it is done or running elsewhere."""
    now = clock.now_naive()
    holder = holder or holder_name()
    mark_alive(session.get_bind(), holder)
    table = JobRun.__table__
    values = {"job": job, "period": period, "started_at": now, "outcome": RUNNING, "counts": {},
              "holder": holder, "created_at": now, "updated_at": now}
    try:
        run_id = session.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
        session.commit()
        return session.get(JobRun, run_id)
    except IntegrityError:
        session.rollback()
    if period is None:
        raise RuntimeError(f"cannot record a run of {job}")
    stale = now - timedelta(seconds=stale_seconds)
    claim = (update(table)
             .where(table.c.job == job, table.c.period == period,
                    or_(table.c.outcome.in_(RECLAIMABLE), (table.c.outcome == RUNNING) & (table.c.started_at < stale)))
             .values(outcome=RUNNING, started_at=now, finished_at=None, holder=holder, message=None, updated_at=now)
             .returning(table.c.id))
    run_id = session.execute(claim).scalar()
    if run_id is None:
        run_id = _claim_from_dead_holder(session, job, period, holder, now)
    session.commit()
    return session.get(JobRun, run_id) if run_id is not None else None


def _claim_from_dead_holder(session, job: str, period: str, holder: str, now) -> int | None:
    """Take over a RUNNING run whose holder process is dead; None when it is alive or unknown."""
    table = JobRun.__table__
    running = session.execute(select(table.c.id, table.c.holder).where(
        table.c.job == job, table.c.period == period, table.c.outcome == RUNNING)).first()
    if running is None or running.holder in (None, holder) or not holder_is_dead(session.get_bind(), running.holder):
        return None
    log.warning("job %s for %s: holder %s is dead, run %s reclaimed by %s", job, period, running.holder,
                running.id, holder)
    # Conditional on the dead holder: of two processes reclaiming at once, one wins.
    return session.execute(update(table).where(table.c.id == running.id, table.c.outcome == RUNNING,
                                               table.c.holder == running.holder)
                           .values(started_at=now, finished_at=None, holder=holder, message=None, updated_at=now)
                           .returning(table.c.id)).scalar()


def finish_run(session, run: JobRun, outcome: str, counts: dict | None = None, message: str | None = None) -> JobRun:
    """Record how a claimed run ended (DONE, FAILED or SKIPPED) and commit with the job's work.

    After a failure the caller rolls the work back first.
    """
    now = clock.now_naive()
    table = JobRun.__table__
    session.execute(update(table).where(table.c.id == run.id)
                    .values(outcome=outcome, counts=counts or {}, message=message[:2000] if message else None,
                            finished_at=now, updated_at=now))
    session.commit()
    return session.get(JobRun, run.id, populate_existing=True)


def record_run(session, job: str, outcome: str, counts: dict | None = None, message: str | None = None,
               started_at=None) -> JobRun:
    """Write a finished run of a non-periodic job (customs tick) in one go and commit."""
    run = start_run(session, job, None)
    if started_at is not None:
        session.execute(update(JobRun.__table__).where(JobRun.__table__.c.id == run.id).values(started_at=started_at))
    return finish_run(session, run, outcome, counts, message)


def last_done(session, job: str, period: str) -> JobRun | None:
    """Return the DONE run of `job` for `period`, if any."""
    return session.scalar(select(JobRun).where(JobRun.job == job, JobRun.period == period, JobRun.outcome == DONE))


def recent_runs(session, limit: int = 50) -> list[JobRun]:
    """Return the latest runs, newest first (admin)."""
    return list(session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)))
