"""The single scheduler lease across processes (S-4)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from portal import clock
from portal.extensions import db
from scheduler.lease import Lease


def test_row_lease_has_one_holder_until_released_or_expired_S_4(ctx):
    with clock.frozen("2026-03-02T09:00:00"):
        first, second = Lease(db.engine, mode="row", seconds=60, now=clock.now_naive), \
            Lease(db.engine, mode="row", seconds=60, now=clock.now_naive)
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.renew() is True
    with clock.frozen("2026-03-02T09:00:50"):
        assert first.renew() is True  # renewed: expires at 09:01:50 now
    with clock.frozen("2026-03-02T09:01:30"):
        assert second.acquire() is False
    with clock.frozen("2026-03-02T09:02:00"):  # first stopped renewing and the lease expired
        assert second.acquire() is True
        assert first.renew() is False
        second.release()
        assert first.acquire() is True


@pytest.mark.postgres
def test_two_processes_on_postgresql_only_one_gets_the_advisory_lock_S_4(app, is_postgres):
    if not is_postgres:
        pytest.skip("advisory locks are PostgreSQL only")
    engines = [create_engine(app.config["TEST_DATABASE_URI"]) for _ in range(2)]  # two separate pools
    first, second = (Lease(engine, mode="advisory") for engine in engines)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.renew() is True
        first.release()
        assert second.acquire() is True
        assert first.acquire() is False
        # The holder's connection dies (process crash): the lock is free at once.
        pid = second._connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with engines[0].connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):  # termination is asynchronous
                gone = not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                        {"pid": pid}).scalar()
                if gone:
                    break
                time.sleep(0.05)
        assert first.acquire() is True
        assert second.renew() is False
    finally:
        first.release()
        second.release()
        for engine in engines:
            engine.dispose()
