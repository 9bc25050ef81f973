"""Commands: customs messages list | show | replay (issue 16).

`list` prints the newest messages and receipts as JSON (filters: business number, status, direction);
`show` prints one message's XML; `replay` sends an OUT message again through the same operation as staff's
重新发送 in the admin (portal.messaging.resend), audited as the command line, and applies a WAITING receipt
through the receipt applier when its turn has come (portal.messaging.inbox.release_all_waiting).
"""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.messaging.display import message_type_name, pretty_xml
from portal.messaging.inbox import release_all_waiting
from portal.messaging.resend import resend_message
from portal.models import CustomsMessage
from rules.lifecycle import status_name
from rules.lifecycles_messages import CUSTOMS_MESSAGES, IN, OUT, WAITING
from rules.violations import RuleError


def _find(message_id: str) -> CustomsMessage:
    """Return a message by its guid (or its row id), or stop with an error."""
    column = CustomsMessage.id if message_id.isdigit() else CustomsMessage.message_id
    key = int(message_id) if message_id.isdigit() else message_id.upper()
    found = db.session.scalar(select(CustomsMessage).where(column == key))
    if found is None:
        raise click.ClickException(f"没有报文 {message_id}")
    return found


def _summary(message: CustomsMessage) -> dict:
    """Return a message's fields as `list` prints them (no XML)."""
    return {"id": message.id, "message_id": message.message_id, "direction": message.direction,
            "type": message.msg_type, "type_name": message_type_name(message.msg_type),
            "business_no": message.business_no, "status": message.status, "status_name": _status(message),
            "in_reply_to": message.in_reply_to,
            "seq": message.seq, "return_status": message.return_status, "return_info": message.return_info,
            "attempts": message.attempts, "last_error": message.last_error,
            "created_at": message.created_at.isoformat(timespec="seconds")}


@click.group("messages")
def messages_group():
    """Customs messages and receipts: list, show the XML, send again."""


@messages_group.command("list")
@click.option("--business-no", default=None, help="业务编号（申请单、备案、分册、清单、修撤单或报关单的编号）")
@click.option("--status", type=click.Choice(CUSTOMS_MESSAGES.codes), default=None, help="报文状态")
@click.option("--direction", type=click.Choice([OUT, IN]), default=None, help="OUT 发送 | IN 回执")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="最多列出的条数")
@with_appcontext
def list_command(business_no, status, direction, limit):
    """Print the newest messages and receipts as JSON, newest first."""
    query = select(CustomsMessage)
    if business_no:
        query = query.where(CustomsMessage.business_no == business_no)
    if status:
        query = query.where(CustomsMessage.status == status)
    if direction:
        query = query.where(CustomsMessage.direction == direction)
    rows = db.session.scalars(query.order_by(CustomsMessage.id.desc()).limit(limit))
    click.echo(json.dumps([_summary(row) for row in rows], ensure_ascii=False, indent=1))


@messages_group.command("show")
@click.argument("message_id")
@click.option("--pretty", is_flag=True, help="缩进显示（签名报文的原文以不缩进为准）")
@with_appcontext
def show_command(message_id, pretty):
    """Print a message's XML as it was sent or received."""
    message = _find(message_id)
    click.echo(pretty_xml(message.xml) if pretty else message.xml)


@messages_group.command("replay")
@click.argument("message_id")
@with_appcontext
def replay_command(message_id):
    """Send an OUT message again (FAILED or PENDING), or apply a WAITING receipt whose turn has come."""
    message = _find(message_id)
    if message.direction == IN:
        _replay_receipt(message)
        return
    audit.set_actor("cli")
    try:
        resend_message(db.session, message)
    except RuleError as exc:
        db.session.rollback()
        raise click.ClickException("；".join(f"{v.message}（{v.rule}）" for v in exc.violations)) from exc
    db.session.commit()
    click.echo(f"报文 {message.message_id} 已重新放入发送队列（{_status(message)}）")


def _replay_receipt(receipt: CustomsMessage) -> None:
    """Apply a WAITING receipt (and any other whose turn has come) through the receipt applier."""
    if receipt.status != WAITING:
        raise click.ClickException(f"回执 {receipt.message_id} 的状态是“{_status(receipt)}”：只有等待前序回执的回执可以重新处理")
    audit.set_actor("cli")
    release_all_waiting(db.session)
    db.session.expire_all()
    if receipt.status == WAITING:
        raise click.ClickException(f"回执 {receipt.message_id} 仍在等待第 {receipt.seq - 1} 步回执，未处理")
    click.echo(f"回执 {receipt.message_id} 已重新处理（{_status(receipt)}）")


def _status(message: CustomsMessage) -> str:
    """Return a message's status by name."""
    return status_name(CUSTOMS_MESSAGES.register, message.status)
