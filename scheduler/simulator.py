"""The simulated customs seen from the portal (S-2, S-3, S-4, S-5, issue 16): the policy and the pass.

The simulated customs itself (scheduler/customs) reads only messages: it never touches the portal's
registers. This glue loads what it decides by — the switch, the receipt-failure rate, the delays
(settings register) and the active watch list — and runs one message pass (portal/messaging/tick.py):
publish the outbox, let customs receive and answer, apply the receipts. Every receipt moves its record
through the lifecycle's customs move by the operation registered for it (`portal.transitions.performs`),
in a transaction of its own, so a crash leaves applied receipts applied and the rest on the transport.
"""
from __future__ import annotations

import contextvars

from sqlalchemy import select

from portal import audit, clock, messaging
from portal.messaging.tick import run_pass
from portal.models import WatchListEntry
from scheduler.customs.policy import Policy
from scheduler.settings import load_settings

ACTOR = "customs-simulator"
DELAY_PREFIX = "delay_"


def load_policy(session, skip_delays: bool = False) -> Policy:
    """Read the simulator's settings and the active watch list now (staff edits apply on the next pass)."""
    settings = load_settings(session)
    delays = {key: settings.seconds(key) for key in settings.values if key.startswith(DELAY_PREFIX)}
    watch_list = dict(session.execute(select(WatchListEntry.uscc, WatchListEntry.opinion)
                                      .where(WatchListEntry.active.is_(True))).all())
    return Policy(enabled=settings.enabled, failure_rate=settings.failure_rate, delays=delays,
                  watch_list=watch_list, skip_delays=skip_delays)


def _pass(session, limit: int | None, skip_delays: bool) -> dict:
    policy = load_policy(session, skip_delays)
    session.commit()
    audit.set_actor(ACTOR, "system")
    return run_pass(session, messaging.transport(), policy, limit=limit)


def customs_tick(session, now=None, limit: int | None = None, skip_delays: bool = False) -> dict:
    """Run one message pass; return its counts (published, received, decided, moved, outcomes …).

    `now` (datetime or ISO text) runs the pass as if it were that time (S-5); `limit` caps the cases
    customs decides in this pass; `skip_delays` makes every open case due (staff's "run customs now":
    the same decisions, no waiting).
    """
    context = contextvars.copy_context()  # the simulator's audit actor does not leak to the caller
    if now is None:
        return context.run(_pass, session, limit, skip_delays)
    with clock.frozen(now):
        return context.run(_pass, session, limit, skip_delays)
