"""Customs messages API (API.md "Module C", GET /api/v1/messages; issue 16).

The messages sent to customs for the caller's own records and the receipts that answered them, with their
XML, oldest first. Which messages a token reads is portal.messaging.queries: an enterprise its own (module
Q with the Q permission; module C with a card token and the C permission, U-3, U-5), staff and auditors
every message; another enterprise's number gives an empty list, never a refusal that would reveal it.
"""
from __future__ import annotations

from portal.api import base
from portal.api.message_schemas import MessagePage
from portal.extensions import db
from portal.messaging.display import message_status_name
from portal.messaging.queries import business_messages

BUSINESS_NO = r"^[0-9A-Za-z_\-]+$"
MESSAGE_FILTERS = {"business_no": base.Param("业务编号：申请单、备案、分册、清单、修撤单或报关单的编号", pattern=BUSINESS_NO,
                                             max_length=64, required=True)}


def message_dict(message) -> dict:
    """Return a message or receipt as the API shows it."""
    return {"message_id": message.message_id, "direction": message.direction, "type": message.msg_type,
            "business_no": message.business_no, "status": message.status,
            "status_name": message_status_name(message.status), "signed": bool(message.signed),
            "signature_valid": message.signature_valid, "in_reply_to": message.in_reply_to, "seq": message.seq,
            "return_status": message.return_status, "return_info": message.return_info,
            "created_at": message.created_at.isoformat(timespec="seconds"), "xml": message.xml}


@base.endpoint("/messages", response=MessagePage, query=MESSAGE_FILTERS,
               summary="海关报文与回执：本企业一个业务编号的报文及回执（含 XML），按时间先后；他企业的编号返回空列表；"
                       "账号登录只含资质备案报文 (U-5)")
def list_messages():
    """Return the customs messages and receipts of a business number the caller may read."""
    found = business_messages(db.session, base.identity(), base.query_args()["business_no"])
    return base.ok({"items": [message_dict(message) for message in found]})
