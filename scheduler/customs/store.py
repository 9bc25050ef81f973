"""What the simulated customs knows: one case per business message it received (issue 16).

The `customs_cases` table is defined here on this package's own MetaData, column for column as in
the portal's migration msg_0001 (the migration creates it; nothing here imports the portal). A case
holds the message's keys (type, register, business number, sender's USCC, record version), the
status customs believes the record is in, `seq` (the receipts answered so far), `due_at` (when the
next step is due; None when the case is finished) and the signature verdict.

Several consumer processes may share the table. A step is taken in three short transactions and no
lock is held while a receipt is published:

    claim_due   one UPDATE marks due cases `claimed_by` this store until `claimed_until` (on PostgreSQL
                its subquery is `SELECT … FOR UPDATE SKIP LOCKED`, on SQLite the statement takes the
                write lock); a case whose claim has run out is due again (a consumer that died)
    (publish)   the caller answers the step
    advance     a conditional UPDATE: only the holder of the claim, only from the seq it claimed

Claims run on the store's own clock (real UTC time) so that a pass run "as if" another time (`now`)
never keeps a dead consumer's claim alive.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import (Boolean, Column, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table,
                        Text, UniqueConstraint, and_, func, insert, or_, select, update)

LEASE_SECONDS = 60          # a consumer that holds a case longer is presumed dead
CHINA = timezone(timedelta(hours=8))

metadata = MetaData()
customs_cases = Table(
    "customs_cases", metadata,
    Column("id", Integer, nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("msg_type", String(40), nullable=False),
    Column("register", String(40), nullable=False),
    Column("business_no", String(64)),
    Column("cop_code", String(18)),
    Column("record_version", Integer),
    Column("status", String(20), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("due_at", DateTime),
    Column("key_serial", String(40)),
    Column("signature_valid", Boolean),
    Column("outcome", Text),
    Column("claimed_by", String(100)),
    Column("claimed_until", DateTime),
    Column("received_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    PrimaryKeyConstraint("id", name="pk_customs_cases"),
    UniqueConstraint("message_id", name="uq_customs_cases_message_id"),
    Index("ix_customs_cases_due", "due_at", "id"),
)
C = customs_cases.c


def utc_now() -> datetime:
    """The claims' clock: real UTC time, naive (independent of the pass's `now`)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive(moment: datetime) -> datetime:
    """Return `moment` as stored and as the messages carry it: naive China time (CEB times are Beijing time)."""
    return moment.astimezone(CHINA).replace(tzinfo=None) if moment.tzinfo is not None else moment


class CaseStore:
    """The customs case table of `engine`'s database, used by one consumer (`consumer` names it)."""

    def __init__(self, engine, *, consumer: str | None = None, lease_seconds: int = LEASE_SECONDS,
                 clock: Callable[[], datetime] = utc_now):
        self.engine = engine
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"

    def get(self, message_id: str):
        """Return the case of `message_id` (a Row), or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(customs_cases).where(C.message_id == message_id)).first()

    def create(self, *, message_id: str, msg_type: str, register: str, status: str, now: datetime,
               due_at: datetime | None, business_no: str | None = None, cop_code: str | None = None,
               record_version: int | None = None, key_serial: str | None = None,
               signature_valid: bool | None = None, outcome: str | None = None, seq: int = 0) -> bool:
        """Insert a case; return False (and change nothing) when `message_id` already has one."""
        values = {"message_id": message_id, "msg_type": msg_type, "register": register, "status": str(status),
                  "seq": seq, "due_at": naive(due_at) if due_at else None, "business_no": business_no,
                  "cop_code": cop_code, "record_version": record_version, "key_serial": key_serial,
                  "signature_valid": signature_valid, "outcome": outcome,
                  "received_at": naive(now), "updated_at": naive(now)}
        with self.engine.begin() as conn:
            inserted = conn.execute(self._insert_ignoring_duplicates().values(**values).returning(C.id)).first()
        return inserted is not None

    def _insert_ignoring_duplicates(self):
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif self.engine.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:  # pragma: no cover - the portal runs on SQLite or PostgreSQL only
            return insert(customs_cases)
        return dialect_insert(customs_cases).on_conflict_do_nothing(index_elements=["message_id"])

    def claim_due(self, now: datetime, limit: int | None = None, *, ignore_delays: bool = False) -> list:
        """Claim the cases due at `now` (every open case with `ignore_delays`), oldest first; return them.

        A case another consumer holds is skipped, not waited for; two stores never hold the same case.
        """
        lease_now = self.clock()
        due = C.due_at.is_not(None) if ignore_delays else C.due_at <= naive(now)
        free = or_(C.claimed_until.is_(None), C.claimed_until < lease_now)
        candidates = select(C.id).where(due, free).order_by(C.due_at, C.id)
        if limit is not None:
            candidates = candidates.limit(limit)
        if self._postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        statement = (update(customs_cases).where(C.id.in_(candidates.scalar_subquery()), due, free)
                     .values(claimed_by=self.consumer, claimed_until=lease_now + self.lease)
                     .returning(*customs_cases.c))
        with self.engine.begin() as conn:
            rows = conn.execute(statement).all()
        return sorted(rows, key=lambda row: (row.due_at, row.id))

    def advance(self, case, *, status: str, due_at: datetime | None, outcome: str | None, now: datetime,
                answered: bool = True) -> bool:
        """Record one answered step of a claimed case (`answered`: a receipt went out) and release it.

        Return False, changing nothing, when this store no longer holds the claim on that step.
        """
        statement = (update(customs_cases)
                     .where(C.id == case.id, C.seq == case.seq, C.claimed_by == self.consumer)
                     .values(status=str(status), seq=case.seq + (1 if answered else 0), due_at=naive(due_at) if due_at else None,
                             outcome=outcome, claimed_by=None, claimed_until=None, updated_at=naive(now)))
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def release(self, case) -> None:
        """Give a claimed case back unanswered (its step failed): the next pass tries it again."""
        with self.engine.begin() as conn:
            conn.execute(update(customs_cases).where(and_(C.id == case.id, C.claimed_by == self.consumer))
                         .values(claimed_by=None, claimed_until=None))

    def counts(self) -> dict:
        """Return {"open": cases with a step to come, "finished": the others} (pages, tests)."""
        with self.engine.connect() as conn:
            total, open_cases = conn.execute(select(func.count(), func.count(C.due_at))).one()
        return {"open": open_cases, "finished": total - open_cases}
