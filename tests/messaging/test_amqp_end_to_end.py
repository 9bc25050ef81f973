"""Customs over RabbitMQ end to end (issue 16 item 5): separate customs consumer processes, the CLI tick.

Needs RabbitMQ (tests/messaging/amqp_broker.py): skipped on a developer machine without one, failed in CI.
"""
from __future__ import annotations

import json
import os
import time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.messaging.keys import ensure_platform_keys
from portal.messaging.tick import portal_pass
from portal.models import Receipt
from portal.models.messages import CustomsMessage
from tests.messaging.amqp_broker import amqp_url, new_prefix  # noqa: F401
from tests.messaging.amqp_flow import Consumers, cleared, declare, declared_lists, draft_lists, on_broker
from tests.scheduler.test_concurrency import _flask
from wire.transport import DEAD_LETTERS, TO_CUSTOMS, TO_PORTAL
from wire.transport_amqp import AmqpTransport

LISTS = int(os.environ.get("AMQP_E2E_LISTS", "1000"))
CONSUMERS = 3
CHUNK = 100
FAST = {"simulation_enabled": "1", "receipt_failure_rate": "0", "delay_list_seconds": "0"}


@pytest.fixture
def broker_env(amqp_url, monkeypatch):  # noqa: F811
    """CUSTOMS_BROKER_URL and a fresh CUSTOMS_QUEUE_PREFIX for this process and the ones it starts."""
    prefix = new_prefix()
    monkeypatch.setenv("CUSTOMS_BROKER_URL", amqp_url)
    monkeypatch.setenv("CUSTOMS_QUEUE_PREFIX", prefix)
    yield amqp_url
    AmqpTransport(amqp_url, prefix=prefix).delete_queues()


def _settings(**values) -> None:
    from scheduler.settings import update_setting
    for key, value in values.items():
        update_setting(db.session, key, value)
    db.session.commit()


def _rows(query) -> list:
    db.session.rollback()
    return db.session.execute(query).all()


@pytest.mark.slow
@pytest.mark.postgres
def test_lists_declared_with_three_customs_consumers_are_all_cleared_once(app, make, broker_env, is_postgres):
    """1,000 lists, three `customs serve` processes on RabbitMQ: run where such a deployment runs, on
    PostgreSQL (several consumer processes writing one SQLite file is not a deployment this product
    offers; the RabbitMQ transport and the CLI pass are tested on both databases)."""
    if not is_postgres:
        pytest.skip("the 1,000-list RabbitMQ run with three consumer processes is run on PostgreSQL")
    _settings(**FAST)
    ensure_platform_keys(db.session)   # as `flask init` does: customs loads the authority it trusts at start
    db.session.commit()
    identity, ids = draft_lists(make, LISTS)
    consumers = Consumers(app.config["TEST_DATABASE_URI"], CONSUMERS).start()
    try:
        with on_broker(app, broker_env) as transport:
            for start in range(0, LISTS, CHUNK):   # the consumers work while the portal declares
                declare(identity, ids[start:start + CHUNK])
                portal_pass(db.session, transport)
            deadline = time.monotonic() + 300
            while cleared(ids) < LISTS and time.monotonic() < deadline:
                portal_pass(db.session, transport, wait=0.5)
            counts = {queue: transport.counts(queue)["READY"] for queue in (TO_CUSTOMS, TO_PORTAL, DEAD_LETTERS)}
    finally:
        tails = consumers.stop()
    assert consumers.clean_exit(), tails
    assert cleared(ids) == LISTS, tails
    out = _rows(select(CustomsMessage.status, func.count()).where(CustomsMessage.direction == "OUT")
                .group_by(CustomsMessage.status))
    assert out == [("SENT", LISTS)]
    # one receipt message per step (seq 1: 2→7, seq 2: 7→15), each applied, none parked, waiting or duplicated
    inbound = _rows(select(CustomsMessage.seq, CustomsMessage.return_status, CustomsMessage.status, func.count())
                    .where(CustomsMessage.direction == "IN")
                    .group_by(CustomsMessage.seq, CustomsMessage.return_status, CustomsMessage.status)
                    .order_by(CustomsMessage.seq))
    assert inbound == [(1, "7", "APPLIED", LISTS), (2, "15", "APPLIED", LISTS)]
    steps = _rows(select(Receipt.from_status, Receipt.to_status, func.count())
                  .where(Receipt.record_type == "list_heads", Receipt.source == "customs", Receipt.record_id.in_(ids))
                  .group_by(Receipt.from_status, Receipt.to_status).order_by(Receipt.from_status))
    assert steps == [("2", "7", LISTS), ("7", "15", LISTS)]
    assert counts == {TO_CUSTOMS: 0, TO_PORTAL: 0, DEAD_LETTERS: 0}


@pytest.mark.slow
def test_cli_tick_runs_a_full_pass_over_rabbitmq(app, make, broker_env):
    _settings(**FAST)
    ids = declared_lists(make, 3)
    process = _flask(app, "customs", "tick")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    result = json.loads(out)
    assert (result["published"], result["received"]) == (3, 3)
    assert cleared(ids) == 3
    assert _rows(select(func.count()).select_from(db.metadata.tables["customs_messages"])
                 .where(CustomsMessage.direction == "IN")) == [(6,)]
    from wire.transport_db import transport_queue
    assert _rows(select(func.count()).select_from(transport_queue)) == [(0,)]   # nothing went through the DB
