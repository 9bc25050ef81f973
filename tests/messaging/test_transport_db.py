"""The database transport (issue 16 item 5): at least once, redelivery after a consumer dies, dead letters, and
receipts applied once however many consumers drain the queue."""
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
from sqlalchemy import func, select, update

from portal import clock
from portal.extensions import db
from portal.messaging import dispatch, inbox, transport
from portal.messaging.signing import trust_from_db
from portal.models import Application, CustomsMessage, Receipt
from rules.lifecycles_messages import APPLIED
from scheduler.customs import CaseStore, decide_due, receive
from scheduler.simulator import load_policy
from tests.messaging.test_inbox import _declared_list, _in_rows, _status, receipt_body
from wire.transport import MAX_ATTEMPTS, TO_CUSTOMS, TO_PORTAL
from wire.transport_db import DEAD, TAKEN, DbTransport, transport_queue

ROOT = Path(__file__).resolve().parents[2]
Q = transport_queue.c


def _rows(queue: str) -> list:
    return db.session.execute(select(transport_queue).where(Q.queue == queue).order_by(Q.id)).all()


def test_publishing_the_same_message_twice_queues_it_once(ctx):
    transport_db = DbTransport(db.engine)
    transport_db.publish("test.q", "A" * 36, b"<a/>")
    transport_db.publish("test.q", "A" * 36, b"<a/>")
    got = []
    assert transport_db.consume("test.q", lambda message_id, body: got.append((message_id, body))) == 1
    assert got == [("A" * 36, b"<a/>")] and _rows("test.q") == []   # an ack deletes it


def test_a_failing_handler_gets_the_message_again_and_then_it_goes_dead(ctx):
    transport_db = DbTransport(db.engine, retry_seconds=0)
    transport_db.publish("test.q", "B" * 36, b"<b/>")
    calls = []

    def broken(message_id, body):
        calls.append(message_id)
        raise ValueError("不能处理")

    assert transport_db.consume("test.q", broken) == 0
    (row,) = _rows("test.q")
    assert len(calls) == MAX_ATTEMPTS and row.state == DEAD and "不能处理" in row.last_error
    assert transport_db.consume("test.q", broken) == 0 and len(calls) == MAX_ATTEMPTS
    assert transport_db.counts("test.q") == {DEAD: 1}


def test_a_message_held_by_a_live_consumer_is_not_taken_and_a_dead_ones_is(ctx):
    first, second = DbTransport(db.engine, consumer="first"), DbTransport(db.engine, consumer="second")
    first.publish("test.q", "C" * 36, b"<c/>")
    assert first._claim("test.q") is not None          # first takes it and dies before the ack
    assert second.consume("test.q", lambda *_: None) == 0
    db.session.execute(update(transport_queue).where(Q.queue == "test.q").values(taken_until=Q.created_at))
    db.session.commit()                                # its lease runs out
    assert second.consume("test.q", lambda *_: None) == 1 and _rows("test.q") == []


CONSUMER = """
import sys, time
from portal import create_app
from portal.extensions import db
from portal.messaging import inbox
from wire.transport import TO_PORTAL
from wire.transport_db import DbTransport
app = create_app()
with app.app_context():
    def handler(message_id, body):
        inbox.apply(db.session, message_id, body)
        print("applied", flush=True)
        time.sleep(120)          # killed here: applied and committed, never acked
    DbTransport(db.engine, lease_seconds=1).consume(TO_PORTAL, handler)
"""


def _env(app) -> dict:
    env = dict(os.environ, DATABASE_URL=app.config["TEST_DATABASE_URI"], SECRET_KEY="test-secret",
               PORTAL_ENV="development")
    env.pop("PORTAL_NOW", None)
    return env


def test_a_consumer_killed_between_apply_and_ack_gets_its_receipt_redelivered_and_applied_once(app, ctx, make):
    head, sent = _declared_list(make)
    transport().publish(TO_PORTAL, "R" * 36, receipt_body(sent, 1, 7))
    consumer = subprocess.Popen([sys.executable, "-c", CONSUMER], cwd=ROOT, env=_env(app), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        assert consumer.stdout.readline().strip() == "applied", consumer.stderr.read()[-2000:]
    finally:
        consumer.send_signal(signal.SIGKILL)
        consumer.wait(timeout=30)
    (held,) = _rows(TO_PORTAL)
    assert held.state == TAKEN and _status(head) == 7
    time.sleep(1.2)                                    # the dead consumer's lease runs out
    assert transport().consume(TO_PORTAL, lambda i, body: inbox.apply(db.session, i, body)) == 1
    assert _rows(TO_PORTAL) == [] and _in_rows(sent) == [(1, APPLIED)] and _status(head) == 7
    assert db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.record_id == head.id,
                                                                             Receipt.source == "customs")) == 1


def _customs_answers(count: int, make) -> list[int]:
    """Declare `count` applications and let customs answer two steps each, leaving the receipts unapplied."""
    from tests.scheduler.conftest import SchedulerBuilder
    ids = SchedulerBuilder(make).pending(count)
    SchedulerBuilder.settings(delay_review_seconds=0)
    with clock.frozen("2026-03-02T09:01:00"):
        dispatch.publish_pending(db.session, transport())
        policy, trust = load_policy(db.session), trust_from_db(db.session)
        db.session.commit()
        store, now = CaseStore(db.engine), clock.now()
        transport().consume(TO_CUSTOMS, lambda _id, body: receive(store, transport(), body, now, policy, trust))
        while decide_due(store, transport(), now, policy)["moved"]:
            pass
    return ids


@pytest.mark.postgres
def test_two_consumers_draining_duplicated_receipts_apply_each_once(app, ctx, make, is_postgres):
    if not is_postgres:
        pytest.skip("concurrent consumers are tested on PostgreSQL")
    ids = _customs_answers(150, make)
    for row in _rows(TO_PORTAL):                       # every receipt delivered twice, under another transport id
        transport().publish(TO_PORTAL, row.message_id[::-1], row.body.encode())
    assert len(_rows(TO_PORTAL)) == 600
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "customs", "tick", "--now",
                                   "2026-03-02T09:01:00"], cwd=ROOT, env=_env(app), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (_out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-2000:]
    results = [json.loads(out) for out, _ in outputs]
    assert sum(r["moved"] for r in results) == 300 and all(r["refused"] == 0 for r in results)
    assert Counter(db.session.scalars(select(Application.status).where(Application.id.in_(ids)))) == \
        {"UNDER_REVIEW": 150}
    per_move = db.session.execute(select(Receipt.record_id, Receipt.to_status, func.count())
                                  .where(Receipt.record_type == "applications").group_by(Receipt.record_id,
                                                                                         Receipt.to_status)).all()
    assert len(per_move) == 300 and {count for *_, count in per_move} == {1}
    statuses = Counter(db.session.scalars(select(CustomsMessage.status).where(CustomsMessage.direction == "IN")))
    assert statuses == {APPLIED: 300} and _rows(TO_PORTAL) == []   # nothing left on the queue
