"""Periodic jobs, the job runs register and start-up catch-up (S-1, C-23, Q-27)."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import JobRun, Qualification
from scheduler import jobs, runs
from tests.scheduler.conftest import at


@pytest.mark.parametrize("now, hour, period", [
    ("2026-03-05T00:00:00", 0, "2026-03-05"),
    ("2026-03-05T01:59:00", 2, "2026-03-04"),
    ("2026-03-05T02:00:00", 2, "2026-03-05"),
])
def test_daily_period_is_the_latest_day_whose_hour_has_come_S_1(now, hour, period):
    assert jobs.daily_period(at(now), hour) == period


@pytest.mark.parametrize("now, day, hour, period", [
    ("2026-03-01T00:59:00", 1, 1, "2026-01"),
    ("2026-03-01T01:00:00", 1, 1, "2026-02"),
    ("2026-03-31T23:00:00", 1, 1, "2026-02"),
    ("2026-01-01T01:00:00", 1, 1, "2025-12"),
    ("2026-03-10T23:00:00", 11, 1, "2026-01"),
    ("2026-03-11T01:00:00", 11, 1, "2026-02"),
])
def test_monthly_period_is_the_month_of_the_latest_run_C_23(now, day, hour, period):
    assert jobs.monthly_period(at(now), day, hour) == period


def _counting_hook(monkeypatch, name: str, fail_times: int = 0) -> list:
    calls = []

    def hook(session, period, now):
        calls.append(period)
        if len(calls) <= fail_times:
            raise RuntimeError("aggregation broke")
        return {"declarations": 1}

    monkeypatch.setitem(jobs.PERIODIC_JOBS, name, dataclasses.replace(jobs.PERIODIC_JOBS[name], hook=hook))
    return calls


def _runs(job: str) -> list[tuple]:
    return [(r.period, r.outcome) for r in db.session.scalars(select(JobRun).where(JobRun.job == job)
                                                              .order_by(JobRun.id))]


def test_month_end_missed_while_down_runs_once_after_restarts_C_23(ctx, monkeypatch):
    calls = _counting_hook(monkeypatch, "month_end")
    # The process was down at 01:00 on 1 March; it starts at 05:00, then restarts at 06:00.
    first = jobs.catch_up(db.session, at("2026-03-01T05:00:00"))
    second = jobs.catch_up(db.session, at("2026-03-01T06:00:00"))
    cron_fire = jobs.run_periodic(db.session, "month_end", at("2026-03-01T06:00:01"))
    assert calls == ["2026-02"]
    assert [r["outcome"] for r in first if r["job"] == "month_end"] == ["DONE"]
    assert [r["outcome"] for r in second if r["job"] == "month_end"] == ["ALREADY_RUN"]
    assert cron_fire["outcome"] == "ALREADY_RUN"
    assert _runs("month_end") == [("2026-02", "DONE")]
    assert jobs.run_periodic(db.session, "month_end", at("2026-04-01T01:00:00"))["outcome"] == "DONE"
    assert calls == ["2026-02", "2026-03"]


def test_failed_run_is_recorded_and_retried_S_1(ctx, monkeypatch):
    calls = _counting_hook(monkeypatch, "month_end", fail_times=1)
    failed = jobs.run_periodic(db.session, "month_end", at("2026-03-01T02:00:00"))
    assert failed["outcome"] == "FAILED" and "aggregation broke" in failed["message"]
    assert _runs("month_end") == [("2026-02", "FAILED")]
    assert jobs.run_periodic(db.session, "month_end", at("2026-03-01T02:00:10"))["outcome"] == "DONE"
    assert calls == ["2026-02", "2026-02"] and _runs("month_end") == [("2026-02", "DONE")]


def test_start_run_claims_a_period_once_and_reclaims_a_stale_run_S_1(ctx):
    with clock.frozen("2026-03-01T01:00:00"):
        run = runs.start_run(db.session, "month_end", "2026-02", holder="a")
        assert run is not None and run.outcome == "RUNNING"
        assert runs.start_run(db.session, "month_end", "2026-02", holder="b") is None
    with clock.frozen("2026-03-01T08:00:00"):  # holder a died more than six hours ago
        again = runs.start_run(db.session, "month_end", "2026-02", holder="b")
    assert again is not None and again.id == run.id and again.holder == "b"
    runs.finish_run(db.session, again, runs.DONE, {"declarations": 3})
    with clock.frozen("2026-03-02T08:00:00"):
        assert runs.start_run(db.session, "month_end", "2026-02", holder="c") is None


def test_expiry_sweep_expires_temp_from_the_day_after_validity_Q_27(make):
    enterprise = make.enterprise()
    temp = make.qualification(enterprise, "TEMP", valid_until=date(2026, 3, 4))
    long_term = make.qualification(enterprise, "IE")

    def status(q):
        return db.session.scalar(select(Qualification.status).where(Qualification.id == q.id))

    on_last_day = jobs.run_periodic(db.session, "expiry_sweep", at("2026-03-04T00:30:00"))
    assert on_last_day == {"job": "expiry_sweep", "period": "2026-03-04", "outcome": "DONE",
                           "counts": {"expired": 0}, "message": None}
    assert status(temp) == "VALID"
    day_after = jobs.run_periodic(db.session, "expiry_sweep", at("2026-03-05T00:00:00"))
    assert (day_after["period"], day_after["counts"]) == ("2026-03-05", {"expired": 1})
    assert (status(temp), status(long_term)) == ("EXPIRED", "VALID")
    assert jobs.run_periodic(db.session, "expiry_sweep", at("2026-03-05T12:00:00"))["outcome"] == "ALREADY_RUN"


def test_tick_job_records_only_ticks_that_did_something_S_1(ctx, sim):
    sim.pending(2)
    assert jobs.tick(db.session, at("2026-03-02T09:00:30"))["moved"] == 0
    assert _runs("customs_tick") == []
    assert jobs.tick(db.session, at("2026-03-02T09:01:00"))["moved"] == 2
    run = db.session.scalar(select(JobRun).where(JobRun.job == "customs_tick"))
    assert (run.outcome, run.counts["moved"], run.period) == ("DONE", 2, None)


def test_scheduler_process_catches_up_then_stops_on_request_S_1(app, monkeypatch):
    import threading
    import time
    from scheduler.lease import Lease
    from scheduler.process import SchedulerProcess
    calls = _counting_hook(monkeypatch, "month_end")
    clock.set_fixed_now("2026-03-01T05:00:00")
    with app.app_context():
        rival = Lease(db.engine, mode="row", holder="rival")
        process = SchedulerProcess(app, lease=Lease(db.engine, mode="row", holder="main"))
    thread = threading.Thread(target=process.run)
    thread.start()
    try:
        for _ in range(200):  # wait up to 10 s for the start-up catch-up
            if calls:
                break
            time.sleep(0.05)
        with app.app_context():
            assert process.lease.held and not rival.acquire()
    finally:
        process.stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert calls == ["2026-02"]
    with app.app_context():
        assert rival.acquire()  # the stopped process released the lease
        rival.release()
