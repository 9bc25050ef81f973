"""Every message written to the register has its audit row (X-3), naming the XML by digest and length: the
XML itself lives once, in the message register, not again in the audit log."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, CustomsMessage
from tests.messaging.records import sending


def test_an_outbox_message_is_audited_with_the_digest_of_its_xml(make):
    head = sending(make, "list_heads")
    db.session.commit()
    sent = db.session.scalar(select(CustomsMessage).where(CustomsMessage.record_id == head.id,
                                                          CustomsMessage.register == "list_heads"))
    row = db.session.scalar(select(AuditLog).where(AuditLog.table_name == "customs_messages",
                                                   AuditLog.record_id == sent.id, AuditLog.action == "create"))
    assert row is not None
    digest = hashlib.sha256(sent.xml.encode("utf-8")).hexdigest()[:16]
    assert row.diff["xml"] == [None, f"sha256:{digest}（{len(sent.xml)} 字符）"]
    assert row.diff["message_id"] == [None, sent.message_id] and row.diff["status"] == [None, "PENDING"]
