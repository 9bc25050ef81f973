"""One full pass of the customs exchange (issue 16, S-1, S-5), whichever transport is configured.

    1. publish   the outbox's PENDING messages go onto TO_CUSTOMS (portal/messaging/dispatch.py)
    2. receive   the simulated customs takes every message on TO_CUSTOMS: validates, verifies the
                 signature, opens a case (scheduler/customs)
    3. decide    customs answers every due case with a receipt on TO_PORTAL, step after step while the
                 next step is due too (a step without delay is answered in the same pass)
    4. apply     the portal applies every receipt on TO_PORTAL (portal/messaging/inbox.py)

`run_pass` is what `flask --app wsgi customs tick`, the scheduler's interval job and staff's "run customs
now" (`advance`: delays skipped, passes repeated until nothing moves) call. The policy (switch, failure
rate, delays, watch list) is loaded by the caller from the portal's registers and handed to customs as
plain data; customs itself never reads the portal's tables. The clock is the portal's (`clock.now()`),
so a pass run "as if" another time (`--now`) decides as of that time.

With RabbitMQ and separate customs consumer processes (`flask --app wsgi customs serve`) steps 2 and 3
happen there as well; a case or message is answered once whoever takes it.
"""
from __future__ import annotations

from collections import Counter

from portal import clock
from portal.extensions import db
from portal.messaging import dispatch, inbox
from portal.messaging.signing import trust_from_db
from rules.lifecycles_messages import STALE
from scheduler.customs import decide_due, receive
from scheduler.customs.policy import Policy
from scheduler.customs.store import CaseStore
from wire.transport import TO_CUSTOMS, TO_PORTAL, Transport


def empty_result(policy: Policy) -> dict:
    """Return the counts of a pass that did nothing."""
    return {"at": clock.now().isoformat(timespec="seconds"), "enabled": policy.enabled, "published": 0,
            "publish_failed": 0, "received": 0, "decided": 0, "moved": 0, "skipped": 0, "refused": 0,
            "outcomes": {}, "receipts": {}, "errors": []}


def run_pass(session, transport: Transport, policy: Policy, *, limit: int | None = None) -> dict:
    """Publish, let customs receive and decide, apply the receipts; return what moved (S-2 counts)."""
    result = empty_result(policy)
    now = clock.now()
    sent = dispatch.publish_pending(session, transport)
    result["published"], result["publish_failed"] = sent["sent"], sent["failed"]
    trust = trust_from_db(session)
    session.commit()
    store = CaseStore(db.engine)
    result["received"] = transport.consume(
        TO_CUSTOMS, lambda _id, body: receive(store, transport, body, now, policy, trust))
    result["decided"] = _decide_all_due(store, transport, now, policy, limit)
    _count(result, apply_receipts(session, transport))
    return result


def apply_receipts(session, transport: Transport, *, wait: float = 0.0) -> list:
    """Apply every receipt on TO_PORTAL (`wait` > 0: until none came for that long), then the WAITING receipts
    whose turn came; return the inbox outcomes, the last one of the released WAITING receipts."""
    outcomes = []
    transport.consume(TO_PORTAL, lambda transport_id, body: outcomes.append(inbox.apply(session, transport_id, body)),
                      wait=wait)
    outcomes.append(inbox.release_all_waiting(session))
    return outcomes


def _decide_all_due(store: CaseStore, transport: Transport, now, policy: Policy, limit: int | None) -> int:
    """Answer due cases until none is due (a step without delay is answered in the same pass); return how many."""
    decided = 0
    while limit is None or decided < limit:
        answered = decide_due(store, transport, now, policy, limit=None if limit is None else limit - decided)
        if not answered["moved"] and not answered["skipped"]:
            break
        decided += answered["moved"]
    return decided


def _count(result: dict, outcomes: list) -> None:
    moves = Counter(move for outcome in outcomes for move in outcome.moves)
    result["outcomes"] = dict(moves)
    result["moved"] = sum(moves.values())
    result["refused"] = sum(len(outcome.refused) for outcome in outcomes)
    result["errors"] = [text for outcome in outcomes for text in outcome.refused]
    result["receipts"] = dict(Counter(outcome.status for outcome in outcomes[:-1]))
    result["skipped"] = sum(outcome.settled.count(STALE) for outcome in outcomes) - result["refused"]


def moved_anything(result: dict) -> bool:
    """Tell whether a pass changed anything (advance repeats passes until one does not)."""
    return bool(result["moved"] or result["published"] or result["decided"] or result["received"])


def portal_pass(session, transport: Transport, *, wait: float = 0.0) -> dict:
    """The portal's half of a pass, for when the simulated customs runs as separate consumer processes
    (`flask --app wsgi customs serve`, e.g. over RabbitMQ): publish the outbox, apply the receipts.

    `wait` > 0 keeps applying receipts until none came for that long. Returns
    {"published", "publish_failed", "applied"} (receipts delivered, duplicates included).
    """
    sent = dispatch.publish_pending(session, transport)
    applied = transport.consume(TO_PORTAL, lambda transport_id, body: inbox.apply(session, transport_id, body),
                                wait=wait)
    inbox.release_all_waiting(session)
    return {"published": sent["sent"], "publish_failed": sent["failed"], "applied": applied}
