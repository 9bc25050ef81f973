"""A job run whose holder process died (kill -9) is reclaimed at once, not after six hours (S-1, C-23)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import JobRun
from scheduler import runs
from scheduler.lease import holder_is_dead, holder_name
from tests.scheduler.test_concurrency import ROOT

# Claims the month-end run of 2026-11 the way `flask aggregate` does, says so, then waits to be killed.
CLAIM_AND_HANG = textwrap.dedent("""
    import sys, time
    from portal import create_app
    from portal.extensions import db
    from scheduler import runs
    app = create_app()
    with app.app_context():
        run = runs.start_run(db.session, "month_end", "2026-11")
        print("claimed", run.id, run.holder, flush=True)
        time.sleep(120)
""")


def _killed_claimant(app) -> tuple[int, str]:
    """Start a process that claims a run, kill -9 it after its commit; return (run id, holder)."""
    env = dict(os.environ, DATABASE_URL=app.config["TEST_DATABASE_URI"], SECRET_KEY="test-secret",
               PORTAL_ENV="development")
    process = subprocess.Popen([sys.executable, "-c", CLAIM_AND_HANG], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("claimed"), process.stderr.read()[-2000:]
    finally:
        process.kill()  # SIGKILL: no finally block, no atexit, nothing released by the process itself
        process.communicate(timeout=30)
    _, run_id, holder = line.split()
    return int(run_id), holder


def test_run_of_a_killed_holder_is_reclaimed_at_once_S_1(app, ctx):
    run_id, dead = _killed_claimant(app)
    row = db.session.get(JobRun, run_id)
    assert (row.outcome, row.holder) == ("RUNNING", dead)
    assert holder_is_dead(db.engine, dead)
    taken = runs.start_run(db.session, "month_end", "2026-11", holder="successor")  # minutes later, not 6 h
    assert taken is not None and taken.id == run_id and (taken.outcome, taken.holder) == ("RUNNING", "successor")
    assert runs.start_run(db.session, "month_end", "2026-11", holder="third") is None  # successor is not dead


def test_run_of_a_living_holder_is_not_reclaimed_S_1(ctx):
    me = holder_name()
    with clock.frozen("2026-12-01T01:00:00"):
        run = runs.start_run(db.session, "month_end", "2026-11")
    assert run.holder == me and not holder_is_dead(db.engine, me)
    with clock.frozen("2026-12-01T01:05:00"):
        assert runs.start_run(db.session, "month_end", "2026-11", holder="other") is None
    assert db.session.scalar(select(JobRun.holder).where(JobRun.id == run.id)) == me


@pytest.mark.postgres
def test_holder_on_another_host_is_dead_once_its_liveness_lock_is_free_S_1(ctx, is_postgres):
    if not is_postgres:
        pytest.skip("a holder on another host is told dead by its advisory lock on PostgreSQL only")
    assert holder_is_dead(db.engine, "other-host.example:4242")  # no process holds its lock
    assert not holder_is_dead(db.engine, "a")  # not a process name: cannot be told, never reclaimed early
