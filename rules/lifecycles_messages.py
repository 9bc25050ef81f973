"""Customs messages (报文) and receipts (回执), issue 16: the one table of their directions and statuses.

A message to customs (direction OUT) is PENDING until the dispatcher has published it, then SENT, or FAILED
after a publish error; staff's 重新发送 puts a FAILED or PENDING message back to PENDING and the dispatcher
publishes it again. A receipt from customs (direction IN) is APPLIED to its record, WAITING for an earlier
receipt of the same message (out of order), STALE (the record has left the status the receipt's move starts
from), PARKED (it answers a message the portal does not know) or INVALID (unreadable or against its XSD).

The outbox, the dispatcher and the inbox (portal/messaging) set these statuses; the register is not one of
`rules.lifecycle.LIFECYCLES` (its rows do not move through transition()), but its names live here alone and
every page, export, the API and the command line read them from this table.
"""
from __future__ import annotations

from rules.lifecycles_base import Lifecycle, Move, S, Status

R = "customs_messages"
OUT, IN = "OUT", "IN"
PENDING, SENT, FAILED = "PENDING", "SENT", "FAILED"
APPLIED, WAITING, STALE, PARKED, INVALID = "APPLIED", "WAITING", "STALE", "PARKED", "INVALID"

DIRECTIONS = (Status(OUT, "发送", "Sent"), Status(IN, "回执", "Receipt"))
OUT_STATUSES = (PENDING, SENT, FAILED)
IN_STATUSES = (APPLIED, WAITING, STALE, PARKED, INVALID)

# Staff send a message again when publishing failed or it is still waiting (the dispatcher retries it).
RESEND_MESSAGE = Move(R, "resend_message", (FAILED, PENDING), PENDING, frozenset({S}), "S-3", "重新发送")

MESSAGES = Lifecycle(
    R, "海关报文", "S-3",
    statuses=(Status(PENDING, "待发送", "Waiting to be sent"),
              Status(SENT, "已发送", "Sent to customs"),
              Status(FAILED, "发送失败", "Sending failed"),
              Status(APPLIED, "已处理", "Applied"),
              Status(WAITING, "等待前序回执", "Waiting for an earlier receipt"),
              Status(STALE, "已过时，未处理", "Stale, not applied"),
              Status(PARKED, "原报文未知，已挂起", "Parked: original message unknown"),
              Status(INVALID, "格式错误", "Invalid format")),
    moves=(RESEND_MESSAGE,),
    initial=PENDING, number="business_no")


def direction_name(code: str | None, lang: str = "zh") -> str:
    """Return the name of a direction (发送 / 回执) in `lang`; the code itself when unknown."""
    found = next((d for d in DIRECTIONS if d.code == code), None)
    if found is None:
        return code or ""
    return found.en if lang == "en" else found.zh


def may_resend(direction: str, status: str) -> bool:
    """Tell whether staff may send a message again: an OUT message whose publishing failed or is pending."""
    return direction == OUT and status in RESEND_MESSAGE.sources
