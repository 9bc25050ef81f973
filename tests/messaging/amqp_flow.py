"""Declared lists in bulk and the portal wired to RabbitMQ, for the end-to-end RabbitMQ tests.

`draft_lists(make, count)` saves one list through the operations and copies it `count - 1` times with
plain INSERTs (fresh center numbers); `declare` declares lists through `lists.declare_list`, so each has
exactly the outbox message the operation writes. `on_broker(app, url)` points the app's transport at
RabbitMQ for the duration of a block; `Consumers` runs `flask --app wsgi customs serve` processes.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading

from sqlalchemy import func, insert, select, text

from portal import numbering
from portal.collection import lists
from portal.extensions import db
from portal.models import ListHead, ListItem
from tests.collection import builders_aggregation, builders_lists

CLEARED = 15
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _copy_row(row, skip: tuple[str, ...]) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def draft_lists(make, count: int) -> tuple:
    """Return (card login, ids) of `count` saved (暂存) lists of one trader with an approved filing."""
    party = builders_aggregation.party(make)
    filing = builders_lists.filing(party.enterprise)
    volume = builders_lists.volume(filing)
    first = lists.save_list(db.session, party.identity, builders_lists.body(volume.customs_volume_no))
    db.session.commit()
    head_values = _copy_row(first, ("id", "center_no"))
    item_values = [_copy_row(item, ("id", "list_id")) for item in first.items]
    ids = [first.id]
    for _ in range(count - 1):
        head_id = db.session.execute(insert(ListHead).values(
            center_no=numbering.next_number(db.session, "list"), **head_values).returning(ListHead.id)).scalar_one()
        db.session.execute(insert(ListItem), [dict(values, list_id=head_id) for values in item_values])
        ids.append(head_id)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":   # the tables grew from empty: plan the run with real statistics
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return party.identity, ids


def declare(identity, ids: list[int]) -> None:
    """Declare each list through the operation (status 1 → 2 and its outbox message), one commit each."""
    for head_id in ids:
        lists.declare_list(db.session, identity, db.session.get(ListHead, head_id))
        db.session.commit()


def declared_lists(make, count: int) -> list[int]:
    """Return the ids of `count` lists of one trader, each declared (status 2) with its OUT message."""
    identity, ids = draft_lists(make, count)
    declare(identity, ids)
    return ids


def cleared(ids: list[int]) -> int:
    """Return how many of the lists are cleared (结关)."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ListHead).where(
        ListHead.id.in_(ids), ListHead.status == CLEARED))


@contextlib.contextmanager
def on_broker(app, url: str):
    """Within the block the app's customs transport is RabbitMQ at `url`; yield that transport."""
    from portal import messaging
    saved = app.config.get("CUSTOMS_BROKER_URL")
    app.config["CUSTOMS_BROKER_URL"] = url
    app.extensions["customs_transport"] = threading.local()
    try:
        yield messaging.transport()
    finally:
        messaging.transport().close()
        app.config["CUSTOMS_BROKER_URL"] = saved
        app.extensions["customs_transport"] = threading.local()


class Consumers:
    """`count` simulated-customs consumer processes (`flask --app wsgi customs serve`) on `database_url`.

    The transport is the environment's (CUSTOMS_BROKER_URL, CUSTOMS_QUEUE_PREFIX); their logs go to
    files, not pipes (a full pipe would stall a busy consumer). `start` returns once every process has
    said it is serving; `stop` sends SIGTERM and returns the tail of each log.
    """

    def __init__(self, database_url: str, count: int, **environment: str):
        self.env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret", PORTAL_ENV="development",
                        **environment)
        self.env.pop("PORTAL_NOW", None)
        self.count = count
        self.folder = tempfile.mkdtemp(prefix="customs-consumers-")
        self.processes: list[subprocess.Popen] = []

    def start(self, timeout: float = 120) -> "Consumers":
        """Start the processes and wait until each serves."""
        for number in range(self.count):
            log = open(os.path.join(self.folder, f"consumer-{number}.log"), "w")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "customs", "serve", "--idle", "0.2"],
                cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=log, text=True))
            log.close()
        for process in self.processes:   # the first line says the consumer runs
            if not process.stdout.readline():
                self.stop()
                raise RuntimeError(f"a customs consumer did not start: {self.logs()}")
        return self

    def stop(self) -> list[str]:
        """SIGTERM every process, wait (SIGKILL after 30 s); return the tail of each log."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
        return self.logs()

    def logs(self) -> list[str]:
        """The last 1,500 characters of each consumer's log."""
        tails = []
        for name in sorted(os.listdir(self.folder)):
            with open(os.path.join(self.folder, name), encoding="utf-8", errors="replace") as handle:
                tails.append(handle.read()[-1500:])
        return tails

    def clean_exit(self) -> bool:
        """Tell whether every process ended by itself on SIGTERM (exit code 0)."""
        return all(process.returncode == 0 for process in self.processes)
