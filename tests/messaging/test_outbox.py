"""The transactional outbox (issue 16 item 2): a record sent to customs has exactly one message, written in the
same transaction as its status change; neither exists without the other."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.collection import filings, lists, volumes
from portal.extensions import db
from portal.messaging import outbox
from portal.models import CustomsMessage, ListHead, ProductVolume
from portal.models.messages import OUT
from portal.qualification import operations
from portal.transitions import operation_for
from rules.lifecycle import Actor, all_moves, lifecycle_of
from rules.lifecycles_messages import PENDING
from rules.lifecycles_qualification import FAIL_APPLICATION_RECEIPT
from rules.violations import RuleError, Violation
from scheduler.customs.steps import entry_status
from tests.collection import builders_lists
from tests.messaging.records import MAKERS, NOW, _identity, _trader, sending
from wire.messages import from_xml


def _sent(record) -> list[CustomsMessage]:
    return list(db.session.scalars(select(CustomsMessage).where(
        CustomsMessage.direction == OUT, CustomsMessage.register == record.__tablename__,
        CustomsMessage.record_id == record.id).order_by(CustomsMessage.id)))


def _out_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CustomsMessage).where(CustomsMessage.direction == OUT))


@pytest.mark.parametrize("register", sorted(MAKERS))
def test_every_sending_operation_writes_exactly_one_pending_message(make, register):
    record = sending(make, register)
    (row,) = _sent(record)
    db.session.refresh(record)
    assert outbox.waits_for_customs(register, record.status)
    assert row.status == PENDING and row.enterprise_id == record.enterprise_id and row.attempts == 0
    message = from_xml(row.xml.encode("utf-8"))
    assert (message.guid, message.msg_type, message.record_version) == (row.message_id, row.msg_type, record.version)
    assert row.signed and row.key_serial   # signed for whoever sent it (card or platform key)


def test_the_statuses_a_record_is_sent_to_are_the_ones_customs_starts_cases_in():
    sent_to = {(m.register, str(m.target)) for m in all_moves()
               for source in ("enterprise", "staff", "system") if outbox.sends_message(m, source)}
    sent_to.add(("certificates", str(lifecycle_of("certificates").initial)))   # created REQUESTED
    assert sent_to == {(register, str(entry_status(register))) for register in MAKERS}
    assert not any(outbox.sends_message(m, "customs") for m in all_moves())
    decisions = [m for m in all_moves() if Actor.CUSTOMS in m.actors and not m.effect]
    assert not any(outbox.sends_message(m, "staff") for m in decisions)   # staff deciding as customs send nothing


def test_waiting_volumes_are_sent_with_their_own_message_when_the_filing_is_approved(make):
    filing = sending(make, "collection_filings")
    identity = _identity(make, db.session.get(type(filing), filing.id).enterprise)
    items = [{"hs_code": hs, "name": name, "unit": unit, "spec": spec}
             for hs, name, unit, spec, *_ in builders_lists.PRODUCTS[:2]]
    with clock.frozen(NOW):
        (volume,) = volumes.add_products(db.session, identity, filing, items)
        volumes.declare_volume(db.session, identity, volume)
        db.session.commit()
    assert db.session.get(ProductVolume, volume.id).status == "WAITING" and _sent(volume) == []
    with clock.frozen(NOW):
        filings.approve_filing(db.session, filing, source="staff")
        db.session.commit()
    assert db.session.get(ProductVolume, volume.id, populate_existing=True).status == "DECLARED"
    assert len(_sent(volume)) == 1 and len(_sent(filing)) == 1


def test_a_re_declaration_writes_a_second_message(make):
    application = sending(make, "applications")
    identity = _identity(make, application.enterprise)
    with clock.frozen(NOW):
        operation_for(FAIL_APPLICATION_RECEIPT)(db.session, application, "海关入库失败")
        db.session.commit()
        assert len(_sent(application)) == 1   # a customs decision sends nothing
        operations.submit_application(db.session, identity, application)
        db.session.commit()
    first, second = _sent(application)
    assert (from_xml(first.xml.encode()).app_type, from_xml(second.xml.encode()).app_type) == ("1", "2")


def _saved_list(make):
    enterprise, identity = _trader(make)
    filing = builders_lists.filing(enterprise)
    volume = builders_lists.volume(filing)
    head = lists.save_list(db.session, identity, builders_lists.body(volume.customs_volume_no))
    db.session.commit()
    return head, identity


def test_a_message_that_cannot_be_signed_leaves_the_record_unchanged(make, monkeypatch):
    head, identity = _saved_list(make)
    before = _out_count()

    def revoked(session, xml):
        raise RuleError([Violation("U-3", "card", "卡介质已注销，不能签名")], status=403)

    monkeypatch.setattr(outbox, "sign_outgoing", revoked)
    with pytest.raises(RuleError):
        lists.declare_list(db.session, identity, head)
    db.session.rollback()
    assert db.session.get(ListHead, head.id, populate_existing=True).status == 1
    assert _out_count() == before


def test_an_operation_failing_after_its_status_change_leaves_neither_change_nor_message(make):
    head, identity = _saved_list(make)
    before = _out_count()
    with pytest.raises(RuntimeError):
        lists.declare_list(db.session, identity, head)
        assert _out_count() == before + 1   # written with the status change …
        raise RuntimeError("the request fails before it commits")
    db.session.rollback()
    assert db.session.get(ListHead, head.id, populate_existing=True).status == 1
    assert _out_count() == before          # … and gone with it
