"""Declared lists in bulk and the portal wired to RabbitMQ, for the end-to-end RabbitMQ tests and the bench.

`declared_lists(make, count)` saves one list through the operations, copies it `count - 1` times with
plain INSERTs (fresh center numbers) and declares every copy through `lists.declare_list`, so each has
exactly the outbox message the operation writes. `on_broker(app, url)` points the app's transport at
RabbitMQ for the duration of a block.
"""
from __future__ import annotations

import contextlib
import threading

from sqlalchemy import func, insert, select

from portal import numbering
from portal.collection import lists
from portal.extensions import db
from portal.models import ListHead, ListItem
from tests.collection import builders_aggregation, builders_lists

CLEARED = 15


def _copy_row(row, skip: tuple[str, ...]) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def declared_lists(make, count: int) -> list[int]:
    """Return the ids of `count` lists of one trader, each declared (status 2) with its OUT message."""
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
    for head_id in ids:
        lists.declare_list(db.session, party.identity, db.session.get(ListHead, head_id))
        db.session.commit()
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
