"""The embedded transport (issue 16): queues as rows of `transport_queue` in the portal's own database.

Nothing else to start: works on SQLite and PostgreSQL. A row is one message on one queue:

    READY  waiting (from `available_at` on: a failed delivery is retried after a back-off)
    TAKEN  claimed by a consumer (`taken_by`) until `taken_until`; a consumer that dies leaves it
           TAKEN, and once `taken_until` has passed another consumer takes it again (crash safety)
    DEAD   delivered MAX_ATTEMPTS times without an ack (a poison message), kept for staff

An ack deletes the row. Each message is claimed in its own short transaction (on PostgreSQL
`SELECT … FOR UPDATE SKIP LOCKED`, on SQLite a conditional UPDATE) and the handler runs after that
commit, so no lock is held while the handler works; two consumers never hold the same message at
once. The handler must be idempotent (the portal's inbox is, by receipt id; customs is, by message
id): a message whose handler committed but whose ack was lost is delivered again.

The table is defined here on this package's own MetaData, column for column as in the portal's
migration msg_0001 (the migration creates it; tests compare the two).
"""
from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import (Column, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text,
                        UniqueConstraint, and_, delete, func, insert, or_, select, update)

from wire.transport import MAX_ATTEMPTS, Handler

READY, TAKEN, DEAD = "READY", "TAKEN", "DEAD"
LEASE_SECONDS = 60          # a consumer that holds a message longer is presumed dead
RETRY_SECONDS = 5           # back-off per failed attempt before a message is offered again
POLL_SECONDS = 0.2          # how often a waiting consumer looks again

metadata = MetaData()
transport_queue = Table(
    "transport_queue", metadata,
    Column("id", Integer, nullable=False),
    Column("queue", String(60), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("available_at", DateTime, nullable=False),
    Column("taken_by", String(100)),
    Column("taken_until", DateTime),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    PrimaryKeyConstraint("id", name="pk_transport_queue"),
    UniqueConstraint("queue", "message_id", name="uq_transport_queue_queue_message_id"),
    Index("ix_transport_queue_ready", "queue", "state", "available_at", "id"),
)
Q = transport_queue.c


def utc_now() -> datetime:
    """The transport's clock: real UTC time, naive (independent of the portal's frozen clock)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class DbTransport:
    """A Transport over the `transport_queue` table of `engine`'s database."""

    def __init__(self, engine, *, consumer: str | None = None, lease_seconds: int = LEASE_SECONDS,
                 retry_seconds: int = RETRY_SECONDS, now: Callable[[], datetime] = utc_now):
        self.engine = engine
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.retry = timedelta(seconds=retry_seconds)
        self.now = now
        self._postgres = engine.dialect.name == "postgresql"

    # ---- publishing ------------------------------------------------------------------------------
    def publish(self, queue: str, message_id: str, body: bytes) -> None:
        """Store the message READY in its own committed transaction; a duplicate id changes nothing."""
        now = self.now()
        values = {"queue": queue, "message_id": message_id, "body": body.decode("utf-8"), "state": READY,
                  "attempts": 0, "available_at": now, "created_at": now}
        with self.engine.begin() as conn:
            conn.execute(self._insert_ignoring_duplicates().values(**values))

    def _insert_ignoring_duplicates(self):
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif self.engine.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:  # pragma: no cover - the portal runs on SQLite or PostgreSQL only
            return insert(transport_queue)
        return dialect_insert(transport_queue).on_conflict_do_nothing(index_elements=["queue", "message_id"])

    # ---- consuming -------------------------------------------------------------------------------
    def consume(self, queue: str, handler: Handler, *, limit: int | None = None, wait: float = 0.0) -> int:
        """Hand messages of `queue` to `handler` one by one; ack on return, retry or bury on error.

        wait=0 drains what is available now; wait>0 keeps polling until `wait` seconds pass without
        a message. Returns how many messages the handler took without raising.
        """
        handled = 0
        idle_since = time.monotonic()
        while limit is None or handled < limit:
            row = self._claim(queue)
            if row is None:
                if wait <= 0 or time.monotonic() - idle_since >= wait:
                    break
                time.sleep(POLL_SECONDS)
                continue
            try:
                handler(row.message_id, row.body.encode("utf-8"))
            except Exception as exc:  # the handler's failure is the message's: retry, then bury
                self._release(row, exc)
            else:
                self._ack(row)
                handled += 1
            idle_since = time.monotonic()
        return handled

    def _claimable(self, queue: str, now: datetime):
        return and_(Q.queue == queue, or_(and_(Q.state == READY, Q.available_at <= now),
                                          and_(Q.state == TAKEN, Q.taken_until < now)))

    def _claim(self, queue: str):
        """Take the oldest available message of `queue` in one short transaction, or return None."""
        while True:
            now = self.now()
            with self.engine.begin() as conn:
                query = select(Q.id, Q.attempts).where(self._claimable(queue, now)).order_by(Q.id).limit(1)
                if self._postgres:
                    query = query.with_for_update(skip_locked=True)
                candidate = conn.execute(query).first()
                if candidate is None:
                    return None
                if candidate.attempts >= MAX_ATTEMPTS:   # its consumers kept dying: bury it
                    conn.execute(update(transport_queue).where(Q.id == candidate.id, self._claimable(queue, now))
                                 .values(state=DEAD, taken_by=None, taken_until=None,
                                         last_error=f"no acknowledgement after {candidate.attempts} deliveries"))
                    continue
                taken = conn.execute(
                    update(transport_queue).where(Q.id == candidate.id, self._claimable(queue, now))
                    .values(state=TAKEN, taken_by=self.consumer, taken_until=now + self.lease,
                            attempts=Q.attempts + 1))
                if taken.rowcount != 1:   # another consumer took it between our select and update
                    continue
                return conn.execute(select(Q.id, Q.message_id, Q.body, Q.attempts).where(Q.id == candidate.id)).first()

    def _mine(self, row):
        return and_(Q.id == row.id, Q.state == TAKEN, Q.taken_by == self.consumer)

    def _ack(self, row) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(transport_queue).where(self._mine(row)))

    def _release(self, row, exc: Exception) -> None:
        """Offer the message again after a back-off, or bury it after MAX_ATTEMPTS deliveries."""
        error = f"{type(exc).__name__}: {exc}"[:2000]
        state = DEAD if row.attempts >= MAX_ATTEMPTS else READY
        with self.engine.begin() as conn:
            conn.execute(update(transport_queue).where(self._mine(row)).values(
                state=state, taken_by=None, taken_until=None, last_error=error,
                available_at=self.now() + self.retry * row.attempts))

    # ---- inspection ------------------------------------------------------------------------------
    def counts(self, queue: str) -> dict:
        """Return {state: number of messages} of `queue` (staff pages, tests)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(Q.state, func.count()).where(Q.queue == queue).group_by(Q.state))
            return {state: count for state, count in rows}

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""
