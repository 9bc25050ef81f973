"""Which customs messages a user may read, and the messages of a record or of a business number (issue 16).

Staff and auditors read every message. An enterprise user reads its own enterprise's messages and those
of the records it sees as a proxy or declaring agent (CustomsMessage.tenant_clause, §0), of the modules
its login may use: module Q with the Q permission, module C with a card login and the C permission
(U-3, U-5). Everything else is "no such message" (404), never "forbidden".
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import and_, false, or_, select, true

from portal.models import CustomsMessage
from rules.lifecycles_messages import IN, OUT
from rules.lifecycles_qualification import APPLICATIONS, CERTIFICATES, QUALIFICATIONS

MODULE_Q_REGISTERS = (APPLICATIONS.register, QUALIFICATIONS.register, CERTIFICATES.register)


def visible_clause(identity):
    """Return the SQL condition keeping the messages `identity` may read."""
    if identity is None:
        return false()
    if identity.is_staff or identity.is_auditor:
        return true()
    if not identity.is_enterprise:
        return false()
    modules = []
    if identity.user.perm_module_q:
        modules.append(CustomsMessage.register.in_(MODULE_Q_REGISTERS))
    if identity.login_mode == "card" and identity.user.perm_module_c:
        modules.append(CustomsMessage.register.not_in(MODULE_Q_REGISTERS))
    if not modules:
        return false()
    return and_(CustomsMessage.tenant_clause(identity.enterprise_id), or_(*modules))


def _with_receipts(session, clause, out_clause):
    """Return the visible messages matching `out_clause` and the receipts answering them, oldest first."""
    sent = select(CustomsMessage.message_id).where(CustomsMessage.direction == OUT, out_clause)
    return list(session.scalars(select(CustomsMessage).where(
        clause, or_(out_clause, and_(CustomsMessage.direction == IN, CustomsMessage.in_reply_to.in_(sent))))
        .order_by(CustomsMessage.created_at, CustomsMessage.id)))


def record_messages(session, identity, records) -> list[CustomsMessage]:
    """Return the messages sent for the records (of any registers) and the receipts that answered them,
    oldest first."""
    ids: dict[str, list[int]] = {}
    for record in records:
        if record is not None and record.id is not None:
            ids.setdefault(type(record).__tablename__, []).append(record.id)
    if not ids:
        return []
    return _with_receipts(session, visible_clause(identity), or_(*(
        and_(CustomsMessage.register == register, CustomsMessage.record_id.in_(numbers))
        for register, numbers in ids.items())))


def business_messages(session, identity, business_no: str) -> list[CustomsMessage]:
    """Return the messages and receipts of a business number (application, filing, volume, list, request or
    declaration number), oldest first; another enterprise's number gives none."""
    return _with_receipts(session, visible_clause(identity), CustomsMessage.business_no == business_no)


def find_message(session, identity, message_id: str) -> CustomsMessage:
    """Return a message the user may read by its id (the 36-character guid), or answer 404."""
    found = session.scalar(select(CustomsMessage).where(CustomsMessage.message_id == (message_id or "").upper(),
                                                        visible_clause(identity)))
    if found is None:
        abort(404)
    return found


def related_messages(session, message: CustomsMessage, clause=None) -> list[CustomsMessage]:
    """Return the receipts answering an OUT message (by step), or the message an IN receipt answers."""
    clause = true() if clause is None else clause
    if message.direction == OUT:
        query = select(CustomsMessage).where(clause, CustomsMessage.direction == IN,
                                             CustomsMessage.in_reply_to == message.message_id)
        return list(session.scalars(query.order_by(CustomsMessage.seq, CustomsMessage.id)))
    if not message.in_reply_to:
        return []
    return list(session.scalars(select(CustomsMessage).where(clause, CustomsMessage.direction == OUT,
                                                              CustomsMessage.message_id == message.in_reply_to)))
