"""Time the customs message exchange (issue 16): N lists declared, then until every receipt is applied.

    .venv/bin/python bench/messages.py [--lists 10000] [--broker amqp://guest:guest@127.0.0.1:5672/%2F]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/messages.py
                                        # PostgreSQL: creates and drops bench_messages*

One base database is built once (migrations, reference data, platform keys; one trader with an approved
filing; N lists saved by bulk copy of one list and declared one by one through `lists.declare_list`, so
each has its signed outbox message, PENDING; the simulator's list delay set to 0 and failures off). Each
run gets a copy of it (CREATE DATABASE … TEMPLATE on PostgreSQL, a file copy on SQLite) and starts the
clock; the portal process then publishes the outbox and applies receipts while customs works, until
every list is cleared (2 → 7 → 15: three messages per list, the declaration and two receipts):

    database, tick          the embedded default: one process runs the whole pass (no broker, no consumer)
    database, 1 consumer    the database transport, customs in one `flask customs serve` process
    RabbitMQ, 1 consumer    CUSTOMS_BROKER_URL set, one `flask customs serve` process
    RabbitMQ, 4 consumers   the same with four consumer processes

Printed side by side: elapsed seconds, messages per second (3 N / elapsed), and the p50 / p95 latency of
a receipt (its applied_at minus the sent_at of the declaration it answers). With every list declared
before the clock starts, latency is mostly queueing behind the backlog. Every process the bench starts
is stopped in a finally block; the RabbitMQ queues of a run (own prefix) are deleted afterwards.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.benchdb import postgresql_database, scratch_database  # noqa: E402

BASE_DB = "bench_messages"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672/%2F"
SETTINGS = {"simulation_enabled": "1", "receipt_failure_rate": "0", "delay_list_seconds": "0"}
RUNS = (("database, tick", False, 0), ("database, 1 consumer", False, 1),
        ("RabbitMQ, 1 consumer", True, 1), ("RabbitMQ, 4 consumers", True, 4))
TIMEOUT_SECONDS = 3600


def make_app(url: str, broker: str | None = None):
    """Return a portal app on `url` (transport: `broker`, or the database transport)."""
    from portal import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "FAST_HASHES": True,
                       "UPLOAD_DIR": tempfile.mkdtemp(prefix="bench-uploads-"), "SERVER_NAME": "localhost",
                       "CUSTOMS_BROKER_URL": broker})


# ---- the base database ---------------------------------------------------------------------------
def build(url: str, count: int) -> float:
    """Migrate and seed `url`, declare `count` lists (messages PENDING); return the seconds declaring took."""
    from flask_migrate import upgrade
    from portal.extensions import db
    from portal.messaging.keys import ensure_platform_keys
    from scheduler.settings import update_setting
    from seed.load import load_reference
    from tests.factories import Builder
    from tests.messaging.amqp_flow import declare, draft_lists
    app = make_app(url)
    with app.app_context():
        upgrade()
        load_reference(db.session)
        ensure_platform_keys(db.session)
        for key, value in SETTINGS.items():
            update_setting(db.session, key, value)
        db.session.commit()
        identity, ids = draft_lists(Builder(app), count)
        started = time.perf_counter()
        declare(identity, ids)
        took = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return took


def copy_of(base_url: str, name: str) -> tuple[str, callable]:
    """Return (URL, remove function) of a fresh copy of the base database."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"{name}-")
        path = os.path.join(folder, "bench.sqlite3")
        shutil.copyfile(url.database, path)
        return f"sqlite:///{path}", lambda: shutil.rmtree(folder, ignore_errors=True)
    return postgresql_database(url, name, template=url.database)


# ---- one run -------------------------------------------------------------------------------------
def applied_receipts(session) -> int:
    """Return how many receipts the portal has applied."""
    from portal.models.messages import CustomsMessage
    session.rollback()
    return session.scalar(select(func.count()).select_from(CustomsMessage).where(
        CustomsMessage.direction == "IN", CustomsMessage.status == "APPLIED"))


def latencies(session) -> list[float]:
    """Return, per applied receipt, seconds from its declaration's sent_at to its applied_at."""
    from sqlalchemy.orm import aliased
    from portal.models.messages import CustomsMessage
    sent = aliased(CustomsMessage)
    rows = session.execute(select(sent.sent_at, CustomsMessage.applied_at)
                           .join(sent, sent.message_id == CustomsMessage.in_reply_to)
                           .where(CustomsMessage.direction == "IN", CustomsMessage.status == "APPLIED")).all()
    return [(applied - published).total_seconds() for published, applied in rows]


def run(url: str, broker: str | None, workers: int, count: int) -> dict:
    """Publish, let customs answer and apply until all 2 × count receipts are applied; return the figures."""
    from portal import messaging
    from portal.extensions import db
    from portal.messaging.tick import portal_pass
    from scheduler.simulator import customs_tick
    from tests.messaging.amqp_flow import Consumers
    from wire.transport_amqp import AmqpTransport
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    os.environ["CUSTOMS_QUEUE_PREFIX"] = prefix
    os.environ.pop("CUSTOMS_BROKER_URL", None)
    app = make_app(url, broker)
    consumers = Consumers(url, workers, **({"CUSTOMS_BROKER_URL": broker} if broker else {})).start()
    try:
        with app.app_context():
            transport = messaging.transport()
            started = time.perf_counter()   # the consumers are serving: the clock measures the exchange only
            while applied_receipts(db.session) < 2 * count:
                if time.perf_counter() - started > TIMEOUT_SECONDS:
                    raise SystemExit(f"not done within {TIMEOUT_SECONDS} s")
                if workers:
                    portal_pass(db.session, transport, wait=0.2)
                else:
                    customs_tick(db.session)
            elapsed = time.perf_counter() - started
            waits = sorted(latencies(db.session))
            transport.close()
            db.session.remove()
            db.engine.dispose()
    finally:
        logs = consumers.stop()
        if broker:   # after the consumers, which would declare the queues again
            AmqpTransport(broker, prefix=prefix).delete_queues()
    if not consumers.clean_exit():
        raise SystemExit("a consumer failed:\n" + "\n".join(logs))
    return {"elapsed": elapsed, "rate": 3 * count / elapsed, "p50": statistics.median(waits),
            "p95": waits[int(0.95 * (len(waits) - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lists", type=int, default=10_000, help="lists declared (default 10,000)")
    parser.add_argument("--broker", default=os.environ.get("CUSTOMS_TEST_BROKER_URL", DEFAULT_BROKER))
    args = parser.parse_args()
    base_url, drop_base = scratch_database(BASE_DB)
    try:
        declaring = build(base_url, args.lists)
        print(f"{args.lists} lists declared in {declaring:.1f} s ({args.lists / declaring:.0f}/s) on "
              f"{make_url(base_url).get_backend_name()}; {3 * args.lists} messages per run", flush=True)
        results = {}
        for number, (label, on_broker, workers) in enumerate(RUNS):
            url, drop = copy_of(base_url, f"{BASE_DB}_{number}")
            try:
                results[label] = run(url, args.broker if on_broker else None, workers, args.lists)
            finally:
                drop()
            print(f"  {label}: {results[label]['elapsed']:.1f} s", flush=True)
    finally:
        drop_base()
    print()
    print(f"{'':<14}" + "".join(f"{label:>24}" for label in results))
    for key, title, fmt in (("elapsed", "elapsed s", "{:.1f}"), ("rate", "messages/s", "{:.0f}"),
                            ("p50", "p50 latency s", "{:.1f}"), ("p95", "p95 latency s", "{:.1f}")):
        print(f"{title:<14}" + "".join(f"{fmt.format(r[key]):>24}" for r in results.values()))


if __name__ == "__main__":
    main()
