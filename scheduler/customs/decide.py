"""The simulated customs at work: receive messages, decide due cases, answer with receipts (issue 16, S-2).

    receive     one envelope from TO_CUSTOMS: unwrap, validate the message against its XSD (refused → an
                exception receipt FORMAT_ERROR "-1" naming the original id and type), verify its signature
                with `trust` (missing or bad → SIGNATURE_ERROR "-2" with the reason), else open a case in the
                register's entry status, due one delay after the message was declared (its appTime).
    decide_due  every due case one step, in the simulator's order of precedence: the failure draw (the
                FAIL move with RECEIPT_FAILED_MESSAGE), the watch list (the REJECT move with the opinion),
                else the ACT move; the receipt (seq = step number, returnStatus = the target status,
                returnInfo = its name or the opinion) goes to TO_PORTAL and the case moves on to the next
                step of its lifecycle, due one delay later, or finishes.
    serve       a long-running consumer: receive and decide in turn until stopped.

A receipt's guid is derived from the message it answers and its step (uuid5), so a step answered twice
(a consumer that died between publishing and recording it) publishes the same receipt again, which
the transport and the portal's inbox drop. Customs reads only messages and its own case table.
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime
from typing import Callable

from rules.lifecycle import status_name
from scheduler.customs.policy import Policy
from scheduler.customs.steps import Step, entry_status, failure_draw, step_for
from scheduler.customs.store import CaseStore, naive
from wire.catalog import CUSTOMS_DXP_ID, MESSAGE_TYPES, enterprise_dxp_id
from wire.envelope import unwrap, wrap
from wire.messages import ReceiptMessage, from_xml, receipt_to_xml
from wire.schema import FORMAT_ERROR, SIGNATURE_ERROR, MessageError
from wire.transport import TO_CUSTOMS, TO_PORTAL, Transport

log = logging.getLogger(__name__)
Trust = Callable[[bytes], tuple]      # xml → (valid: bool | None, reason: str, key_serial: str | None)
RECEIPT_FAILED_MESSAGE = "海关入库失败（模拟海关按入库失败比例确定），请检查后重新申报"
RECEIPT_NAMESPACE = uuid.UUID("5f0c2a4e-8d1b-5c3e-9a7f-2b6d4e8c1a30")   # receipt guids: uuid5(this, "<guid>:<seq>")
INFO_LIMIT = 4000                     # returnInfo's XSD length
BATCH = 500                           # messages and cases a serving consumer takes per round
NEW, DUPLICATE = "new", "duplicate"


def receipt_guid(message_id: str, seq: int) -> str:
    """Return the guid of the receipt answering step `seq` of message `message_id` (the same every time)."""
    return str(uuid.uuid5(RECEIPT_NAMESPACE, f"{message_id}:{seq}")).upper()


def _publish_receipt(transport: Transport, *, message_id: str, msg_type: str, business_no: str | None, seq: int,
                     status: str, info: str, receiver_id: str, now: datetime) -> None:
    """Build receipt `seq` for a message, wrap it in its envelope and publish it on TO_PORTAL."""
    receipt = ReceiptMessage(guid=receipt_guid(message_id, seq), msg_type=MESSAGE_TYPES[msg_type].receipt_code,
                             in_reply_to=message_id, original_type=msg_type, business_no=business_no, seq=seq,
                             return_status=str(status), return_time=naive(now), return_info=info[:INFO_LIMIT])
    body = wrap(receipt.msg_type, receipt.guid, CUSTOMS_DXP_ID, receiver_id, receipt_to_xml(receipt), naive(now))
    transport.publish(TO_PORTAL, receipt.guid, body)


def _keys(message) -> dict:
    """Return the case columns a parsed message fills (none for a message that could not be read)."""
    if message is None:
        return {}
    return {"business_no": message.business_no, "cop_code": message.transfer.get("copCode"),
            "record_version": message.record_version}


def _refuse(store: CaseStore, transport: Transport, *, message_id: str, msg_type: str, register: str, status: str,
            info: str, receiver_id: str, now: datetime, message=None, verdict=(None, None)) -> str:
    """Answer an exception receipt (step 1) and record the message as a finished case; return `status`."""
    keys = _keys(message)
    _publish_receipt(transport, message_id=message_id, msg_type=msg_type, business_no=keys.get("business_no"),
                     seq=1, status=status, info=info, receiver_id=receiver_id, now=now)
    valid, key_serial = verdict
    store.create(message_id=message_id, msg_type=msg_type, register=register, status=status, seq=1, now=now,
                 due_at=None, key_serial=key_serial, signature_valid=valid, outcome=info, **keys)
    return status


def receive(store: CaseStore, transport: Transport, envelope_body: bytes, now: datetime, policy: Policy,
            trust: Trust) -> str:
    """Take one message from TO_CUSTOMS; return NEW, DUPLICATE, FORMAT_ERROR or SIGNATURE_ERROR.

    An envelope that cannot be read, or names no known message type, cannot be answered: MessageError
    is raised and the transport retries and then buries the message (its dead letters).
    """
    envelope = unwrap(envelope_body)
    kind = MESSAGE_TYPES.get(envelope.msg_type)
    if kind is None:
        raise MessageError("unknown_type", f"信封的报文类型“{envelope.msg_type}”不是已知的报文类型",
                           envelope.message_id, envelope.msg_type)
    if store.get(envelope.message_id) is not None:
        return DUPLICATE
    common = {"message_id": envelope.message_id, "msg_type": kind.code, "register": kind.register,
              "receiver_id": envelope.sender_id, "now": now}
    try:
        message = from_xml(envelope.xml)
        if (message.guid, message.msg_type) != (envelope.message_id, kind.code):
            raise MessageError("invalid", f"报文（{message.msg_type} {message.guid}）与传输信封所写的不一致")
    except MessageError as exc:
        return _refuse(store, transport, status=FORMAT_ERROR, **common,
                       info=f"报文格式错误：原报文编号 {envelope.message_id}，报文类型 {kind.code}（{kind.title}）："
                            f"{exc.text}")
    valid, reason, key_serial = trust(envelope.xml)
    if not valid:
        return _refuse(store, transport, status=SIGNATURE_ERROR, **common, message=message,
                       verdict=(valid, key_serial), info=f"签名验证失败：{reason}")
    status = entry_status(kind.register)
    step = step_for(kind.register, status) if status is not None else None
    due_at = naive(message.app_time) + policy.delay(step.delay) if step is not None else None
    created = store.create(message_id=message.guid, msg_type=kind.code, register=kind.register, status=str(status),
                           now=now, due_at=due_at, key_serial=key_serial, signature_valid=True, **_keys(message))
    return NEW if created else DUPLICATE


def decision(step: Step, case, policy: Policy) -> tuple:
    """Return (move, returnInfo) customs makes for a case waiting in `step`: failure draw, watch list, else ACT."""
    if step.fail is not None and failure_draw(case.register, case.business_no, case.record_version) \
            < policy.failure_rate:
        return step.fail, RECEIPT_FAILED_MESSAGE
    opinion = policy.opinion_for(case.cop_code) if step.reject is not None else None
    if opinion:
        return step.reject, opinion
    return step.act, status_name(case.register, step.act.target)


def _answer(store: CaseStore, transport: Transport, case, now: datetime, policy: Policy) -> str | None:
    """Decide one claimed case, publish its receipt and record the step; return the target or None (lost)."""
    step = step_for(case.register, case.status)
    if step is None:     # the lifecycle table changed under an open case: nothing more to answer
        store.advance(case, status=case.status, due_at=None, outcome=case.outcome, now=now, answered=False)
        return None
    move, info = decision(step, case, policy)
    target = str(move.target)
    _publish_receipt(transport, message_id=case.message_id, msg_type=case.msg_type, business_no=case.business_no,
                     seq=case.seq + 1, status=target, info=info, now=now,
                     receiver_id=enterprise_dxp_id(case.cop_code or ""))
    following = step_for(case.register, move.target)
    due_at = naive(now) + policy.delay(following.delay) if following is not None else None
    return target if store.advance(case, status=target, due_at=due_at, outcome=info, now=now) else None


def decide_due(store: CaseStore, transport: Transport, now: datetime, policy: Policy,
               limit: int | None = None) -> dict:
    """Answer every case due at `now` one step (all open cases with skip_delays); return the counts.

    moved: receipts published and recorded; skipped: cases another consumer answered first;
    outcomes: {"register:status": count}. A disabled policy decides nothing.
    """
    result = {"at": naive(now).isoformat(timespec="seconds"), "enabled": policy.enabled, "moved": 0,
              "skipped": 0, "outcomes": {}}
    if not policy.enabled:
        return result
    for case in store.claim_due(now, limit, ignore_delays=policy.skip_delays):
        try:
            target = _answer(store, transport, case, now, policy)
        except Exception:
            store.release(case)
            raise
        if target is None:
            result["skipped"] += 1
            continue
        result["moved"] += 1
        key = f"{case.register}:{target}"
        result["outcomes"][key] = result["outcomes"].get(key, 0) + 1
    return result


def serve(transport: Transport, store: CaseStore, policy_loader: Callable[[], Policy], trust: Trust,
          now_fn: Callable[[], datetime], *, stop: threading.Event | None = None, idle_seconds: float = 1.0) -> None:
    """Receive and decide in turn until `stop` is set (a consumer process; several may run side by side).

    The policy is loaded afresh every round, so staff's setting changes apply to running consumers.
    """
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            busy = serve_round(transport, store, policy_loader(), trust, now_fn)
        except Exception:  # a broker or database outage: log it, wait, try again (messages stay queued)
            log.exception("customs: round failed; retrying in %.1f s", idle_seconds)
            busy = False
        if not busy:
            stop.wait(idle_seconds)


def serve_round(transport: Transport, store: CaseStore, policy: Policy, trust: Trust,
                now_fn: Callable[[], datetime]) -> bool:
    """Receive up to a batch of messages and answer up to a batch of due cases; tell whether anything was done."""
    received = transport.consume(
        TO_CUSTOMS, lambda _id, body: receive(store, transport, body, now_fn(), policy, trust), limit=BATCH)
    decided = decide_due(store, transport, now_fn(), policy, limit=BATCH)
    if received or decided["moved"] or decided["skipped"]:
        log.info("customs: %d received, %d answered, %d skipped", received, decided["moved"], decided["skipped"])
        return True
    return False
