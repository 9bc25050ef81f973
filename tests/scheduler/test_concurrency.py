"""Several OS processes: ticks at the same moment, the scheduler process and SIGTERM (S-1, S-4)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Application, JobRun, Receipt
from scheduler.lease import Lease

ROOT = Path(__file__).resolve().parents[2]


def _flask(app, *args: str) -> subprocess.Popen:
    """Start `flask --app wsgi ARGS` as its own process on the test database."""
    env = dict(os.environ, DATABASE_URL=app.config["TEST_DATABASE_URI"], SECRET_KEY="test-secret",
               PORTAL_ENV="development")
    env.pop("PORTAL_NOW", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.postgres
def test_two_processes_ticking_together_apply_each_transition_once_S_4(app, sim, is_postgres):
    if not is_postgres:
        pytest.skip("row locks with SKIP LOCKED are tested on PostgreSQL")
    ids = sim.pending(200)
    sim.settings(delay_review_seconds=0)  # both processes race on two steps in the same pass
    processes = [_flask(app, "customs", "tick", "--now", "2026-03-02T09:01:00") for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-2000:]
    results = [json.loads(out) for out, _ in outputs]
    assert all(r["refused"] == 0 and r["errors"] == [] for r in results)
    assert sum(r["moved"] for r in results) == 400
    statuses = Counter(db.session.scalars(select(Application.status).where(Application.id.in_(ids))))
    assert statuses == {"UNDER_REVIEW": 200}
    per_transition = db.session.execute(
        select(Receipt.record_id, Receipt.to_status, func.count())
        .where(Receipt.record_type == "applications").group_by(Receipt.record_id, Receipt.to_status)).all()
    assert len(per_transition) == 400
    assert {count for _, _, count in per_transition} == {1}


def test_scheduler_process_runs_with_the_lease_and_stops_cleanly_on_sigterm_S_1_S_4(app, ctx):
    process = _flask(app, "scheduler")
    try:
        for _ in range(300):  # up to 30 s for start-up and the catch-up runs
            db.session.rollback()
            if db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.outcome != "RUNNING")) >= 3:
                break
            time.sleep(0.1)
        assert Lease(db.engine, mode=Lease(db.engine).mode).acquire() is False  # the process holds it
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err[-2000:]
    jobs = set(db.session.scalars(select(JobRun.job)))
    assert {"expiry_sweep", "month_end", "overdue"} <= jobs
    other = Lease(db.engine)
    assert other.acquire() is True  # released on the way out
    other.release()
