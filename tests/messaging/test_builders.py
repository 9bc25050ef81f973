"""Every register that sends to customs builds a message that validates against its XSD (issue 16 item 1)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.messaging.builders import BUILDERS, message_for
from portal.models import CustomsMessage, Enterprise
from portal.models.messages import OUT
from rules.lifecycle import lifecycle_of
from tests.messaging.records import MAKERS, sending
from wire.catalog import MESSAGE_TYPES, TYPE_FOR_REGISTER
from wire.messages import from_xml, to_xml


def test_every_message_type_has_a_builder_and_a_record_maker():
    assert set(BUILDERS) == set(MAKERS) == set(TYPE_FOR_REGISTER) == {t.register for t in MESSAGE_TYPES.values()}


@pytest.mark.parametrize("register", sorted(MAKERS))
def test_a_real_record_builds_a_valid_message_that_round_trips(make, register):
    record = sending(make, register)
    message = message_for(db.session, record, None)
    kind = MESSAGE_TYPES[message.msg_type]
    assert kind.register == register and message.record_version == record.version
    enterprise = db.session.get(Enterprise, record.enterprise_id)
    assert (message.transfer["copCode"], message.transfer["copName"]) == (enterprise.uscc, enterprise.name_zh)
    number = lifecycle_of(register).number
    assert message.business_no == str(getattr(record, number) if number else record.id)
    assert set(message.head) <= set(kind.head_fields) and len(message.head) >= 3
    assert bool(message.rows) == bool(kind.row_fields)
    assert from_xml(to_xml(message)) == message


def _outbox_message(record):
    """Return the message the outbox wrote when the record was sent (parsed back from its XML)."""
    row = db.session.scalar(select(CustomsMessage).where(CustomsMessage.direction == OUT,
                                                         CustomsMessage.register == record.__tablename__,
                                                         CustomsMessage.record_id == record.id))
    return from_xml(row.xml.encode())


def test_list_message_carries_head_and_items(make):
    record = sending(make, "list_heads")
    message = _outbox_message(record)
    assert message.app_type == "1" and message.head["ieFlag"] == "I" and message.head["customsCode"] == "5300"
    assert [(row["gnum"], row["qty"], row["price"], row["totalPrice"], row["currency"]) for row in message.rows] == \
        [("1", "10", "2.5", "25", "USD"), ("2", "3", "1000", "3000", "USD")]


def test_re_declaration_is_app_type_2_and_a_revoke_request_3(make):
    record = sending(make, "collection_filings")
    first = _outbox_message(record)
    assert first.app_type == "1" and message_for(db.session, record, None).app_type == "2"
    request = sending(make, "change_requests")
    assert message_for(db.session, request, None).app_type == "2"
    request.request_type = "REVOKE"
    assert message_for(db.session, request, None).app_type == "3"


def test_a_move_of_another_register_is_refused(make):
    record = sending(make, "certificates")
    with pytest.raises(ValueError):
        message_for(db.session, record, lifecycle_of("list_heads").move("declare_list"))
