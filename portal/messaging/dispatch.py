"""The dispatcher (issue 16): publish the outbox's PENDING messages on the transport, at least once.

Each message is claimed (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two dispatchers never publish the
same row at once), wrapped in its transport envelope (CopMsgId = the message guid, CreatTime = when it
was declared), published, and marked SENT in one short transaction of its own; a publish error marks it
FAILED with the error (staff re-send it). A crash after the publish and before the commit leaves it
PENDING: it is published again, and the duplicate is harmless (the transport and customs know its id).
"""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from portal import clock
from portal.database import is_postgres
from portal.models import CustomsMessage, Enterprise
from portal.models.messages import OUT
from rules.lifecycles_messages import FAILED, PENDING, SENT
from wire.catalog import CUSTOMS_DXP_ID, enterprise_dxp_id
from wire.envelope import wrap
from wire.transport import TO_CUSTOMS, Transport

log = logging.getLogger(__name__)


def pending_ids(session, limit: int | None = None) -> list[int]:
    """Return the ids of PENDING outgoing messages, oldest first."""
    query = (select(CustomsMessage.id).where(CustomsMessage.direction == OUT, CustomsMessage.status == PENDING)
             .order_by(CustomsMessage.id))
    return list(session.scalars(query.limit(limit) if limit is not None else query))


def envelope_for(session, message: CustomsMessage) -> bytes:
    """Wrap an outgoing message in its transport envelope."""
    uscc = session.scalar(select(Enterprise.uscc).where(Enterprise.id == message.enterprise_id)) \
        if message.enterprise_id is not None else None
    return wrap(message.msg_type, message.message_id, enterprise_dxp_id(uscc or ""), CUSTOMS_DXP_ID,
                message.xml.encode("utf-8"), message.created_at)


def publish_pending(session, transport: Transport, limit: int | None = None) -> dict:
    """Publish every PENDING message (up to `limit`); return {"sent": n, "failed": n}."""
    ids = pending_ids(session, limit)
    session.commit()
    counts = {"sent": 0, "failed": 0}
    for message_id in ids:
        outcome = _publish_one(session, transport, message_id)
        if outcome:
            counts[outcome] += 1
    return counts


def _publish_one(session, transport: Transport, row_id: int) -> str | None:
    """Claim, publish and mark one message in its own transaction; None when another dispatcher has it."""
    query = (select(CustomsMessage).where(CustomsMessage.id == row_id, CustomsMessage.status == PENDING)
             .execution_options(populate_existing=True))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    message = session.scalars(query).first()
    if message is None:
        session.rollback()
        return None
    try:
        transport.publish(TO_CUSTOMS, message.message_id, envelope_for(session, message))
    except Exception as exc:  # the broker's failure is the message's: recorded, staff re-send it
        log.warning("customs message %s not published: %s", message.message_id, exc)
        _mark(session, message, FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return "failed"
    _mark(session, message, SENT)
    return "sent"


def _mark(session, message: CustomsMessage, status: str, error: str | None = None) -> None:
    now = clock.now_naive()
    table = CustomsMessage.__table__
    session.execute(update(table).where(table.c.id == message.id, table.c.status == PENDING).values(
        status=status, attempts=table.c.attempts + 1, last_error=error, updated_at=now,
        sent_at=now if status == SENT else table.c.sent_at))
    session.commit()
