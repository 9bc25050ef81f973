"""The status table of customs messages (issue 16): the one place their status names live.

A message to customs (OUT) and a receipt from customs (IN) share the register `customs_messages`:

    OUT  PENDING → SENT          written by the operation that declares (the transactional outbox), then
                                 published by the dispatcher; FAILED after a publish error; staff's
                                 re-send sets a FAILED or PENDING message PENDING again
    IN   APPLIED                 the receipt moved its record through the lifecycle's customs move
         WAITING                 an earlier receipt (lower seq) of the same message is not applied yet
         STALE                   the record is no longer where the receipt's move starts (staff decided
                                 first, the record was declared again, or the operation refused)
         PARKED                  it answers a message the portal never sent (shown to staff)
         INVALID                 unreadable or not valid against its schema (kept with the error)

Statuses are plain data here: message rows are not versioned records and never go through
transition(); the dispatcher and the receipt applier set them. Read the names with
rules.lifecycle.status_name("customs_messages", code).
"""
from __future__ import annotations

from rules.lifecycles_base import Lifecycle, Status

R = "customs_messages"
PENDING, SENT, FAILED = "PENDING", "SENT", "FAILED"
APPLIED, WAITING, STALE, PARKED, INVALID = "APPLIED", "WAITING", "STALE", "PARKED", "INVALID"
OUT_STATUSES = (PENDING, SENT, FAILED)
IN_STATUSES = (APPLIED, WAITING, STALE, PARKED, INVALID)
RESENDABLE = (PENDING, FAILED)
SETTLED = (APPLIED, STALE)          # receipts that count towards the next expected seq

CUSTOMS_MESSAGES = Lifecycle(
    R, "海关报文", "M-1",
    statuses=(Status(PENDING, "待发送", "Waiting to send"),
              Status(SENT, "已发送", "Sent"),
              Status(FAILED, "发送失败", "Sending failed"),
              Status(APPLIED, "已处理", "Applied"),
              Status(WAITING, "等待前序回执", "Waiting for an earlier receipt"),
              Status(STALE, "已过时", "Stale"),
              Status(PARKED, "未知报文的回执", "Receipt for an unknown message"),
              Status(INVALID, "格式错误", "Invalid")),
    moves=(), initial=PENDING)
