"""The real scheduler process end to end: filings submitted through the API reach APPROVED by themselves (S-1, S-2)."""
from __future__ import annotations

import signal
import socket
import time

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import Application, CustomsMessage, JobRun, Receipt
from scheduler.lease import advisory_key
from wire.messages import receipt_from_xml
from tests.qualification.conftest import create, filing_body, submit
from tests.scheduler.test_concurrency import _flask

CUSTOMS_STEPS = [("SUBMITTED", "RECEIVED"), ("RECEIVED", "UNDER_REVIEW"), ("UNDER_REVIEW", "APPROVED")]


def _lease_taken() -> bool:
    """Whether another session holds the scheduler lease's advisory lock: this one cannot take it.
    (The holder also keeps a liveness lock, `mark_alive`, so counting advisory locks says nothing.)"""
    key = {"key": advisory_key("scheduler")}
    if db.session.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
        db.session.execute(text("SELECT pg_advisory_unlock(:key)"), key)
        return False
    return True


def _wait(condition, seconds: float) -> bool:
    """Poll `condition` (fresh reads each time) until it holds or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.postgres
@pytest.mark.slow
def test_running_scheduler_approves_api_submissions_after_each_delay_S_1_S_2(app, make, client, sim, is_postgres,
                                                                             monkeypatch):
    if not is_postgres:
        pytest.skip("the scheduler process is run end to end on PostgreSQL")
    sim.settings(simulation_enabled=1, receipt_failure_rate=0, delay_receive_seconds=1, delay_review_seconds=1,
                 delay_decide_seconds=1)
    monkeypatch.setenv("SCHEDULER_TICK_SECONDS", "1")
    process = _flask(app, "scheduler")
    try:
        assert _wait(_lease_taken, 30), "the scheduler never took the lease"
        numbers = []
        for _ in range(3):
            card = make.card(make.user(make.enterprise(), "ent_admin"))
            headers = make.token(client, card=card)
            number = create(client, headers, filing_body())
            assert submit(client, headers, number).status_code == 200
            numbers.append(number)

        def approved() -> bool:
            return db.session.scalar(select(func.count()).select_from(Application).where(
                Application.application_no.in_(numbers), Application.status == "APPROVED")) == len(numbers)
        assert _wait(approved, 60), "not approved within 60 s"
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err[-2000:]

    for application in db.session.scalars(select(Application).where(Application.application_no.in_(numbers))):
        steps = list(db.session.scalars(select(Receipt).where(
            Receipt.record_type == "applications", Receipt.record_id == application.id, Receipt.source == "customs")
            .order_by(Receipt.id)))
        assert [(r.from_status, r.to_status) for r in steps] == CUSTOMS_STEPS
        # Each step is decided by customs at least its delay after the previous one (S-2): customs' own
        # decision times (the receipts' returnTime, in milliseconds), not when the portal applied them
        # (that adds a lag of its own to each receipt, so two applications can be closer than the delay).
        # The first is due a delay after the message's appTime, which the message carries in whole seconds.
        receipts = db.session.scalars(select(CustomsMessage).where(
            CustomsMessage.direction == "IN", CustomsMessage.business_no == application.application_no)
            .order_by(CustomsMessage.seq))
        times = [application.submitted_at.replace(microsecond=0)]
        times += [receipt_from_xml(m.xml.encode("utf-8")).return_time for m in receipts]
        assert len(times) == 1 + len(CUSTOMS_STEPS), times
        assert all((later - earlier).total_seconds() >= 1 for earlier, later in zip(times, times[1:])), times
    holders = set(db.session.scalars(select(JobRun.holder).where(JobRun.job == "customs_tick")))
    assert holders == {f"{socket.gethostname()}:{process.pid}"}
