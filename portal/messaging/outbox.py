"""The transactional outbox (issue 16): the message to customs is written with the status change that sends it.

`portal.transitions.transition()` calls `after_move` in the caller's transaction: when the move takes the
record into a status where the lifecycle waits for customs (a status with simulated customs moves) and
the move is not itself a customs decision, the record's business message is built
(portal/messaging/builders.py), validated against its schema, signed for the current actor and stored
PENDING. The caller commits both or neither: a message never exists without its status change and a
status change never without its message. The one creation path that inserts a record directly into
such a status (a certificate requested, Q-28) calls `enqueue` itself.

A customs decision that lands in another waiting status (received → under review, accepted → cleared)
sends nothing: customs carries on with the same message and answers with its next receipt.
"""
from __future__ import annotations

from portal.messaging import builders
from portal.messaging.signing import sign_outgoing
from portal.models import CustomsMessage
from portal.models.messages import OUT
from rules.lifecycle import ACT, Actor, Move, actor_of, lifecycle_of
from rules.lifecycles_messages import PENDING
from wire.messages import to_xml


def waits_for_customs(register: str, status) -> bool:
    """Tell whether a record of `register` in `status` waits for a simulated customs decision."""
    return any(move.simulate == ACT for move in lifecycle_of(register).moves_from(status))


def sends_message(move: Move, source: str) -> bool:
    """Tell whether making `move` (by `source`) sends the record to customs.

    True when the target waits for customs and the move is not a customs decision: the filer's
    declaration, or an effect that sends (waiting volumes sent when their filing is approved).
    """
    if actor_of(source) == Actor.CUSTOMS or not waits_for_customs(move.register, move.target):
        return False
    return move.effect or Actor.CUSTOMS not in move.actors


def after_move(session, record, move: Move, source: str) -> CustomsMessage | None:
    """Write the record's message when `move` sends it to customs (called by transition())."""
    if not sends_message(move, source):
        return None
    return enqueue(session, record, move)


def enqueue(session, record, move: Move) -> CustomsMessage:
    """Build, validate and sign the record's message and store it PENDING in the caller's transaction."""
    message = builders.message_for(session, record, move)
    xml, key_serial = sign_outgoing(session, to_xml(message))
    row = CustomsMessage(direction=OUT, message_id=message.guid, msg_type=message.msg_type, register=move.register,
                         record_id=record.id, business_no=message.business_no,
                         enterprise_id=getattr(record, "enterprise_id", None), status=PENDING,
                         signed=key_serial is not None, key_serial=key_serial, xml=xml.decode("utf-8"), attempts=0)
    session.add(row)
    session.flush()
    return row
