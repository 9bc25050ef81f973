"""The scheduler process (S-1, S-4): wait for the lease, catch up, run the jobs, stop on SIGTERM."""
from __future__ import annotations

import logging
import signal
import threading

from portal.extensions import db
from scheduler.jobs import build_scheduler
from scheduler.lease import Lease

log = logging.getLogger(__name__)


class SchedulerProcess:
    """Run the jobs only while this process holds the scheduler lease; others wait and retry."""

    def __init__(self, app, lease: Lease | None = None, stop: threading.Event | None = None):
        self.app = app
        self.stop = stop or threading.Event()
        self.interval = max(1, min(app.config["SCHEDULER_TICK_SECONDS"], app.config["SCHEDULER_LEASE_SECONDS"] // 3))
        if lease is None:
            with app.app_context():
                lease = Lease(db.engine, seconds=app.config["SCHEDULER_LEASE_SECONDS"])
        self.lease = lease

    def install_signal_handlers(self) -> None:
        """Stop cleanly on SIGTERM and SIGINT (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop.set())

    def run(self) -> None:
        """Loop until stopped: acquire the lease, serve while it holds, release at the end."""
        self.install_signal_handlers()
        try:
            while not self.stop.is_set():
                if self.lease.acquire():
                    log.info("scheduler lease acquired by %s", self.lease.holder)
                    self._serve()
                elif self.stop.wait(self.interval):
                    break
        finally:
            self.lease.release()
            log.info("scheduler stopped")

    def _serve(self) -> None:
        """Run the jobs (start-up catch-up first) and renew the lease until stop or loss."""
        scheduler = build_scheduler(self.app, self.lease)
        scheduler.start()
        try:
            while not self.stop.wait(self.interval):
                if not self.lease.renew():
                    log.warning("scheduler lease lost; pausing jobs until it is taken again")
                    break
        finally:
            scheduler.shutdown(wait=True)
