"""The simulated customs as a long-running consumer (issue 16 items 3 and 5): the serve loop, and several
`flask --app wsgi customs serve` processes sharing the work."""
from __future__ import annotations

import signal
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from scheduler.customs import CaseStore, Policy, serve
from scheduler.customs.store import customs_cases
from scheduler.settings import update_setting
from tests.messaging.customs_samples import business_message, envelope, signed_by_card
from tests.scheduler.test_concurrency import _flask
from wire.messages import to_xml
from wire.transport import TO_CUSTOMS, TO_PORTAL
from wire.transport_db import DbTransport, transport_queue


def _recent() -> datetime:
    """A declaration time a moment ago (the consumers run on the real clock)."""
    return clock.now_naive() - timedelta(minutes=1)


def _waiting_receipts() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(transport_queue).where(transport_queue.c.queue == TO_PORTAL))


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_serve_receives_and_answers_until_stopped_and_survives_a_failed_round(ctx):
    transport = DbTransport(db.engine)
    for n in range(3):
        message = business_message("CEB961", f"LIST2{n:04d}", app_time=_recent())
        transport.publish(TO_CUSTOMS, message.guid, envelope(message))
    rounds = []

    def policy_loader():
        rounds.append(1)
        if len(rounds) == 1:
            raise ConnectionError("settings unavailable")     # the round fails; the next one goes on
        return Policy(delays={"delay_list_seconds": 0})

    stop = threading.Event()
    worker = threading.Thread(target=serve, args=(transport, CaseStore(db.engine), policy_loader, signed_by_card,
                                                  clock.now), kwargs={"stop": stop, "idle_seconds": 0.05})
    worker.start()
    try:
        assert _wait(lambda: _waiting_receipts() == 6, 30), "three lists, two receipts each"
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive() and len(rounds) >= 2


@pytest.mark.slow
def test_two_customs_serve_processes_answer_every_step_once(app, ctx, monkeypatch):
    from portal.messaging.signing import sign_outgoing
    for key, value in (("simulation_enabled", "1"), ("receipt_failure_rate", "0"), ("delay_list_seconds", "0")):
        update_setting(db.session, key, value)
    messages = [business_message("CEB961", f"LIST3{n:04d}", app_time=_recent()) for n in range(40)]
    # Signed with the platform key, as the scheduler's messages are.
    bodies = {message.guid: envelope(message, sign_outgoing(db.session, to_xml(message))[0]) for message in messages}
    db.session.commit()
    transport = DbTransport(db.engine)
    for guid, body in bodies.items():
        transport.publish(TO_CUSTOMS, guid, body)
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")   # the start line arrives as soon as it is written
    processes = [_flask(app, "customs", "serve", "--idle", "0.2") for _ in range(2)]
    try:
        # Each consumer prints its start line once its SIGTERM handler is installed: only then is a
        # SIGTERM a clean stop (one process may finish all 40 before the other has even started).
        started = [process.stdout.readline() for process in processes]
        answered = _wait(lambda: _waiting_receipts() == 2 * len(messages), 90)
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert all("启动" in line for line in started), started
    assert answered, [err[-2000:] for _out, err in outputs]
    assert [process.returncode for process in processes] == [0, 0], [err[-2000:] for _out, err in outputs]
    with db.engine.connect() as conn:
        cases = conn.execute(select(customs_cases.c.status, customs_cases.c.seq, customs_cases.c.claimed_by)).all()
    assert sorted(cases) == [("15", 2, None)] * len(messages)


def test_a_consumer_started_before_any_key_keeps_the_authority_it_trusts(app, monkeypatch):
    """`customs serve` on a database without keys makes the card authority and commits it, so the portal signs
    under the very authority the consumer trusts (else every message would get a -2 receipt)."""
    from portal.messaging import keys
    from portal.models import SigningKey
    import scheduler.customs as customs_package
    trusted = []
    monkeypatch.setattr(customs_package, "serve", lambda transport, store, policy, trust, now, **kw: trusted.append(trust))
    result = app.test_cli_runner().invoke(args=["customs", "serve", "--idle", "0.1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        stored = db.session.scalar(select(SigningKey).where(SigningKey.name == keys.AUTHORITY))
        assert stored is not None
        from portal.messaging.signing import sign_outgoing
        signed, serial = sign_outgoing(db.session, to_xml(business_message("CEB961", "LIST0100")))
        db.session.commit()
    assert len(trusted) == 1
    valid, reason, key_serial = trusted[0](signed)
    assert (valid, key_serial) == (True, serial), reason
