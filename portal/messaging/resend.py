"""重新发送: staff send a message to customs again (issue 16).

A FAILED message (publishing failed) or a PENDING one (still waiting) goes back to PENDING with its attempts
reset; the dispatcher publishes it at its next pass, exactly as it publishes a new one. The change is one
conditional UPDATE (two staff re-sending at once, or the dispatcher publishing meanwhile, never both win)
and one audit row; the caller commits.
"""
from __future__ import annotations

from sqlalchemy import update

from portal import audit, clock
from portal.models import CustomsMessage
from rules.lifecycles_messages import CUSTOMS_MESSAGES, OUT, PENDING, RESENDABLE, may_resend
from rules.violations import RuleError, Violation


def resend_message(session, message: CustomsMessage) -> None:
    """Put an OUT message whose publishing failed or is pending back in the outbox (PENDING, attempts 0)."""
    if not may_resend(message.direction, message.status):
        raise RuleError([Violation(CUSTOMS_MESSAGES.rule, "status", "只有发送失败或待发送的发送报文可以重新发送"
                                   f"（当前：{CUSTOMS_MESSAGES.status_name(message.status)}）")], status=409)
    before = {"status": message.status, "attempts": message.attempts, "last_error": message.last_error}
    changed = session.execute(
        update(CustomsMessage)
        .where(CustomsMessage.id == message.id, CustomsMessage.direction == OUT,
               CustomsMessage.status.in_(RESENDABLE), CustomsMessage.attempts == message.attempts)
        .values(status=PENDING, attempts=0, last_error=None, updated_at=clock.now_naive())
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise RuleError([Violation(CUSTOMS_MESSAGES.rule, "status", "报文状态已被其他操作更新，请刷新后重试")],
                        status=409)
    after = {"status": PENDING, "attempts": 0, "last_error": None}
    audit.record(session, CustomsMessage.__tablename__, message.id, "status",
                 {key: (value, after[key]) for key, value in before.items()})
    session.expire(message)
