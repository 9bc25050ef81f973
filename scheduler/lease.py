"""The single scheduler lease across processes (S-4): only the holder runs jobs.

On PostgreSQL the lease is a session-level `pg_try_advisory_lock` taken on a dedicated
connection kept open for the process lifetime: it ends when the connection does, so a crashed
holder frees it at once. On SQLite (or with mode="row") it is the SchedulerLease row, taken by a
conditional UPDATE … WHERE expires_at < now OR holder = me and renewed on every tick; a holder
that stops renewing loses it when it expires.

Job runs name their holder process (`holder_name`: host and pid). `holder_is_dead` tells a dead
holder at once: on this host by its pid (no such process, or a zombie); on PostgreSQL for any host
by a per-process advisory lock that every run holder takes (`mark_alive`) and that the database
frees when the process dies. A holder on another host of a SQLite database cannot be checked.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from portal.clock import CHINA
from portal.models import SchedulerLease

log = logging.getLogger(__name__)
# holder -> the connection that keeps its liveness advisory lock (PostgreSQL), for the process lifetime.
_MARKS: dict[str, object] = {}
_MARKS_LOCK = threading.Lock()


def holder_name() -> str:
    """Name this process in the register and the lease: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _liveness_key(holder: str) -> int:
    return advisory_key(f"alive:{holder}")


def mark_alive(engine, holder: str) -> None:
    """Hold the liveness lock of `holder` on PostgreSQL until this process ends (idempotent)."""
    if engine.dialect.name != "postgresql" or holder != holder_name() or holder in _MARKS:
        return
    with _MARKS_LOCK:
        if holder in _MARKS:
            return
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _liveness_key(holder)})
        _MARKS[holder] = connection


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def holder_is_dead(engine, holder: str) -> bool:
    """Whether the process named `holder` has certainly ended; False when it runs or cannot be told."""
    host, _, pid = holder.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    if engine.dialect.name != "postgresql" or not host or not pid.isdigit():
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": _liveness_key(holder)}
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
            return False
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
        return True


def advisory_key(name: str) -> int:
    """Return a stable signed 64-bit advisory lock key for a lease name."""
    digest = hashlib.sha256(f"portal-scheduler:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def wall_clock() -> datetime:
    """Return the real China time without tzinfo (what the lease row stores)."""
    return datetime.now(CHINA).replace(tzinfo=None)


class Lease:
    """A named lease: acquire() once, renew() every tick, release() on stop."""

    def __init__(self, engine, name: str = "scheduler", seconds: int = 60, holder: str | None = None,
                 mode: str | None = None, now=None):
        # The lease runs on wall-clock time, not the business clock: a fixed PORTAL_NOW must not
        # stop a crashed holder's lease from expiring. Tests pass clock.now_naive to move time.
        self.now = now or wall_clock
        self.engine = engine
        self.name = name
        self.seconds = seconds
        self.holder = holder or f"{holder_name()}:{uuid.uuid4().hex[:8]}"
        self.mode = mode or ("advisory" if engine.dialect.name == "postgresql" else "row")
        self.held = False
        self._connection = None

    def acquire(self) -> bool:
        """Try to take (or keep) the lease; return whether this process holds it."""
        try:
            self.held = self._advisory() if self.mode == "advisory" else self._row()
        except SQLAlchemyError as exc:  # database unreachable: not the holder until it answers again
            log.warning("scheduler lease check failed: %s", exc)
            self.held = False
        return self.held

    def renew(self) -> bool:
        """Keep the lease alive; False when it was lost (stop running jobs)."""
        return self.acquire()

    def release(self) -> None:
        """Give the lease up so another process can take it at once."""
        if self.mode == "advisory":
            self._close_advisory()
        elif self.held:
            table = SchedulerLease.__table__
            past = self.now() - timedelta(seconds=1)
            with self.engine.begin() as conn:
                conn.execute(update(table).where(table.c.name == self.name, table.c.holder == self.holder)
                             .values(expires_at=past, updated_at=self.now()))
        self.held = False

    # ---- PostgreSQL advisory lock ---------------------------------------------------------
    def _advisory(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning("scheduler lease connection lost; the advisory lock is gone")
                connection, self._connection = self._connection, None
                connection.invalidate()
                connection.close()
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(self.name)}).scalar()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _close_advisory(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(self.name)})
        except SQLAlchemyError:
            connection.invalidate()
        finally:
            connection.close()

    # ---- lease row ------------------------------------------------------------------------
    def _row(self) -> bool:
        table = SchedulerLease.__table__
        now = self.now()
        values = {"holder": self.holder, "expires_at": now + timedelta(seconds=self.seconds), "updated_at": now}
        with self.engine.begin() as conn:
            taken = conn.execute(update(table).where(table.c.name == self.name,
                                                     or_(table.c.expires_at < now, table.c.holder == self.holder))
                                 .values(**values)).rowcount
        if taken == 1:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table).values(name=self.name, created_at=now, **values))
            return True
        except IntegrityError:
            return False
