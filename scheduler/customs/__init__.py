"""The simulated customs (issue 16): it reads only messages and answers only with receipts.

It consumes the business messages the portal sends (wire.transport.TO_CUSTOMS), validates them
against their XSDs, verifies their signatures, decides with the simulator's rules and delays (the
customs moves of the lifecycle tables, the failure draw, the watch list) and publishes receipt
messages (wire.transport.TO_PORTAL). It keeps its own case table (store.py) and imports nothing from
the portal: time comes in as `now`, the database as a SQLAlchemy engine, the settings as a Policy.

    receive(store, transport, envelope_body, now, policy, trust)   one incoming message
    decide_due(store, transport, now, policy, limit=None)          every due case one step
    serve(transport, store, policy_loader, trust, now_fn)          a long-running consumer
"""
from scheduler.customs.decide import (DUPLICATE, NEW, RECEIPT_FAILED_MESSAGE, decide_due, decision, receipt_guid,
                                      receive, serve)
from scheduler.customs.policy import Policy
from scheduler.customs.store import CaseStore, customs_cases, metadata

__all__ = ["CaseStore", "DUPLICATE", "NEW", "Policy", "RECEIPT_FAILED_MESSAGE", "customs_cases", "decide_due",
           "decision", "metadata", "receipt_guid", "receive", "serve"]
