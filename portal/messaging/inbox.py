"""The receipt applier (issue 16): customs' receipts move records, each exactly once and in order.

`apply(session, transport_id, body)` handles one delivered receipt in its own transaction:

    unreadable envelope or receipt (schema)   stored INVALID with the raw text and the error
    receipt id already stored                 nothing (a redelivery); acked
    answers no message the portal sent        stored PARKED (staff see it)
    seq not the next of its message           stored WAITING; applied when the earlier ones are
    otherwise                                 the lifecycle's customs move from the record's status to
                                              the receipt's returnStatus (a negative status: the
                                              register's receipt-failure move, else its refusing
                                              move) is made by the operation registered for it,
                                              exactly as staff deciding as customs would → APPLIED;
                                              no such move, the record declared again since, or
                                              the operation refusing → STALE with the reason

The message the receipt answers is locked first (PostgreSQL `FOR UPDATE`), so receipts of one message
are applied one after the other whichever consumer holds them; a receipt stored twice by two consumers
at once loses on the unique receipt id and changes nothing. The customs signature verdict a receipt
carries is copied onto the message it answers.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
# Imported so that every customs operation has registered itself for its move (portal.transitions.performs).
from portal.collection import change_requests, declarations, filing_requests, filings, lists, volumes  # noqa: F401
from portal.database import is_postgres
from portal.models import CustomsMessage
from portal.models.base import Model
from portal.models.messages import IN, OUT
from portal.qualification import certificates, operations  # noqa: F401
from portal.transitions import operation_for
from rules.lifecycle import FAIL, Actor, lifecycle_of
from rules.lifecycles_messages import APPLIED, INVALID, PARKED, SETTLED, STALE, WAITING
from rules.violations import RuleError
from wire.envelope import unwrap
from wire.messages import MessageError, ReceiptMessage, receipt_from_xml

DUPLICATE = "DUPLICATE"   # an outcome, not a stored status: the receipt was already stored
SIGNATURE_REFUSED = "-2"


@dataclass
class Outcome:
    """What applying one delivered receipt did: its stored status, the status given to each receipt settled
    (itself and WAITING ones released), the moves made (register:status) and the operations' refusals."""

    status: str
    settled: list[str] = field(default_factory=list)
    moves: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def model_for(register: str) -> type:
    """Return the model class of a register (table name)."""
    return next(m.class_ for m in Model.registry.mappers if m.class_.__tablename__ == register)


def customs_move(register: str, status, return_status: str):
    """Return the customs move a receipt's returnStatus stands for from `status`, or None.

    A negative status (an exception receipt) is the register's receipt-failure move from `status`,
    else its refusing move; any other is the customs move from `status` to that status.
    """
    moves = [m for m in lifecycle_of(register).moves_from(status) if not m.effect and Actor.CUSTOMS in m.actors]
    if str(return_status).startswith("-"):
        return next((m for m in moves if m.simulate == FAIL), None) or next((m for m in moves if m.opinion), None)
    return next((m for m in moves if str(m.target) == str(return_status)), None)


def apply(session, transport_id: str, body: bytes) -> Outcome:
    """Store and apply one delivered receipt in its own transaction (committed); return what it did."""
    try:
        outcome = _apply(session, transport_id, body)
        session.commit()
        return outcome
    except IntegrityError:   # another consumer stored the same receipt id first
        session.rollback()
        return Outcome(DUPLICATE)
    except Exception:
        session.rollback()
        raise


def _apply(session, transport_id: str, body: bytes) -> Outcome:
    try:
        envelope = unwrap(body)
    except MessageError as exc:
        return _store_invalid(session, transport_id, body.decode("utf-8", "replace"), exc)
    try:
        receipt = receipt_from_xml(envelope.xml)
    except MessageError as exc:
        return _store_invalid(session, envelope.message_id or transport_id, envelope.xml.decode("utf-8", "replace"),
                              exc, envelope.msg_type)
    if _stored(session, receipt.guid):
        return Outcome(DUPLICATE)
    sent = _lock_sent(session, receipt.in_reply_to)
    row = CustomsMessage(direction=IN, message_id=receipt.guid, msg_type=receipt.msg_type, business_no=receipt.business_no,
                         in_reply_to=receipt.in_reply_to, seq=receipt.seq, return_status=receipt.return_status,
                         return_info=receipt.return_info, status=PARKED, signed=False,
                         xml=envelope.xml.decode("utf-8"), attempts=0)
    if sent is None:
        session.add(row)
        session.flush()
        return Outcome(PARKED)
    row.register, row.record_id, row.enterprise_id = sent.register, sent.record_id, sent.enterprise_id
    _copy_verdict(session, sent, receipt)
    session.add(row)
    session.flush()
    outcome = Outcome(WAITING)
    settled = _settle(session, sent, row, receipt, outcome)
    _release_waiting(session, sent, outcome)
    return dataclasses.replace(outcome, status=settled)


def _stored(session, message_id: str) -> bool:
    return session.scalar(select(CustomsMessage.id).where(CustomsMessage.message_id == message_id)) is not None


def _store_invalid(session, message_id: str, text: str, exc: MessageError, msg_type: str | None = None) -> Outcome:
    """Keep an unreadable receipt with its error, once per id."""
    if _stored(session, message_id):
        return Outcome(DUPLICATE)
    session.add(CustomsMessage(direction=IN, message_id=message_id[:36], msg_type=(msg_type or "UNKNOWN")[:40],
                               status=INVALID, signed=False, xml=text, attempts=0, last_error=str(exc)[:2000]))
    session.flush()
    return Outcome(INVALID)


def _lock_sent(session, message_id: str | None) -> CustomsMessage | None:
    """Return the outgoing message a receipt answers, locked (PostgreSQL) so its receipts apply in turn."""
    if not message_id:
        return None
    query = (select(CustomsMessage).where(CustomsMessage.message_id == message_id, CustomsMessage.direction == OUT)
             .execution_options(populate_existing=True))
    if is_postgres(session):
        query = query.with_for_update()
    return session.scalars(query).first()


def _next_seq(session, sent: CustomsMessage) -> int:
    return 1 + session.scalar(select(func.count()).select_from(CustomsMessage).where(
        CustomsMessage.in_reply_to == sent.message_id, CustomsMessage.direction == IN,
        CustomsMessage.status.in_(SETTLED)))


def _settle(session, sent: CustomsMessage, row: CustomsMessage, receipt: ReceiptMessage, outcome: Outcome) -> str:
    """Decide and store the status of a receipt whose message is known; make its move when it is due."""
    expected = _next_seq(session, sent)
    if row.seq > expected:
        return _mark(session, row, WAITING, outcome=outcome)
    if row.seq < expected:
        return _mark(session, row, STALE, f"第 {row.seq} 步回执已处理过", outcome)
    model = model_for(sent.register)
    record = session.scalars(select(model).where(model.id == sent.record_id)
                             .execution_options(populate_existing=True)).first()
    if record is None:
        return _mark(session, row, STALE, "记录已不存在", outcome)
    if _declared_again(session, sent):
        return _mark(session, row, STALE, "记录已重新申报，本回执所答报文已被取代", outcome)
    move = customs_move(sent.register, record.status, receipt.return_status)
    if move is None:
        name = lifecycle_of(sent.register).status_name(record.status)
        return _mark(session, row, STALE, f"记录当前状态“{name}”不是本回执所示海关决定的起点", outcome)
    reason = (receipt.return_info or "").strip() or move.label
    arguments = (reason,) if move.opinion or move.simulate == FAIL else ()
    try:
        with session.begin_nested():
            operation_for(move)(session, record, *arguments)
            session.flush()
    except RuleError as exc:   # 409: the record moved meanwhile (skipped); else the operation refused
        if exc.status != 409:
            outcome.refused.append(f"{sent.business_no}: {exc}")
        return _mark(session, row, STALE, str(exc), outcome)
    outcome.moves.append(f"{sent.register}:{move.target}")
    return _mark(session, row, APPLIED, outcome=outcome)


def _declared_again(session, sent: CustomsMessage) -> bool:
    """Tell whether a newer message was sent for the same record (the receipt answers a superseded one)."""
    return session.scalar(select(CustomsMessage.id).where(
        CustomsMessage.direction == OUT, CustomsMessage.register == sent.register,
        CustomsMessage.record_id == sent.record_id, CustomsMessage.id > sent.id).limit(1)) is not None


def _copy_verdict(session, sent: CustomsMessage, receipt: ReceiptMessage) -> None:
    """Store customs' signature verdict on the message: any receipt but a signature refusal means verified."""
    valid = receipt.return_status != SIGNATURE_REFUSED
    if sent.signature_valid is not valid:
        table = CustomsMessage.__table__
        session.execute(update(table).where(table.c.id == sent.id).values(signature_valid=valid))


def _mark(session, row: CustomsMessage, status: str, error: str | None = None, outcome: Outcome | None = None) -> str:
    if outcome is not None:
        outcome.settled.append(status)
    table = CustomsMessage.__table__
    now = clock.now_naive()
    session.execute(update(table).where(table.c.id == row.id).values(
        status=status, last_error=error, updated_at=now, applied_at=now if status == APPLIED else None))
    session.expire(row)
    return status


def _release_waiting(session, sent: CustomsMessage, outcome: Outcome) -> None:
    """Apply the WAITING receipts of `sent` whose turn has come, in seq order."""
    while True:
        expected = _next_seq(session, sent)
        row = session.scalars(select(CustomsMessage).where(
            CustomsMessage.in_reply_to == sent.message_id, CustomsMessage.direction == IN,
            CustomsMessage.status == WAITING, CustomsMessage.seq <= expected).order_by(CustomsMessage.seq)
            .limit(1)).first()
        if row is None:
            return
        _settle(session, sent, row, receipt_from_xml(row.xml.encode("utf-8")), outcome)


def release_all_waiting(session) -> Outcome:
    """Apply every WAITING receipt whose turn has come (receipts stored by concurrent consumers); commits."""
    outcome = Outcome(WAITING)
    replies = list(session.scalars(select(CustomsMessage.in_reply_to).where(
        CustomsMessage.direction == IN, CustomsMessage.status == WAITING).distinct()))
    session.commit()
    for message_id in replies:
        sent = _lock_sent(session, message_id)
        if sent is not None:
            _release_waiting(session, sent, outcome)
        session.commit()
    return outcome
