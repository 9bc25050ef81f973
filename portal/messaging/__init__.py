"""Customs messages, portal side (issue 16): the outbox, the dispatcher, the receipt applier and the pass.

    outbox.py    a message written with the status change that sends the record to customs
    dispatch.py  publishes PENDING messages on the transport (at least once)
    inbox.py     applies receipts to records through the lifecycle's customs moves (at most once)
    tick.py      one full pass: publish → simulated customs receives and decides → apply receipts

The transport is the configured one (`CUSTOMS_BROKER_URL`; none → the database transport), one per
app and thread (a RabbitMQ connection must not be shared between threads).
"""
from __future__ import annotations

import threading

from flask import current_app

from portal.extensions import db
from wire.transport import Transport, transport_from_config


def transport() -> Transport:
    """Return this thread's transport of the current app (created on first use)."""
    app = current_app._get_current_object()
    local = app.extensions.setdefault("customs_transport", threading.local())
    if getattr(local, "transport", None) is None:
        local.transport = transport_from_config(app.config.get("CUSTOMS_BROKER_URL"), db.engine)
    return local.transport
