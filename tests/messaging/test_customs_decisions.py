"""The simulated customs reads only messages (issue 16 item 3, S-2): every decision kind, its delays,
duplicates, exception receipts and several consumers deciding the same cases."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from lxml import etree

from scheduler.customs import (DUPLICATE, NEW, RECEIPT_FAILED_MESSAGE, CaseStore, Policy, decide_due, receipt_guid,
                               receive)
from scheduler.customs.steps import failure_draw
from tests.messaging.customs_samples import (DECLARED_AT, WATCHED_USCC, CardAuthority, RecordingTransport,
                                             business_message, envelope, receipts, signed_by_card)
from wire.messages import to_xml
from wire.schema import FORMAT_ERROR, SIGNATURE_ERROR, MessageError
from wire.transport_db import DbTransport

DELAYS = {"delay_receive_seconds": 60, "delay_review_seconds": 120, "delay_decide_seconds": 300,
          "delay_certificate_seconds": 30, "delay_list_seconds": 600}
POLICY = Policy(enabled=True, failure_rate=0.0, delays=DELAYS)


@pytest.fixture
def engine(app):
    """The migrated test database's engine (customs_cases and transport_queue come from msg_0001)."""
    from portal.extensions import db
    with app.app_context():
        yield db.engine


@pytest.fixture
def store(engine):
    return CaseStore(engine, consumer="customs-test")


@pytest.fixture
def transport(engine):
    return RecordingTransport(DbTransport(engine))


def _at(seconds: int):
    return DECLARED_AT + timedelta(seconds=seconds)


def _answers(receipt_list) -> list:
    return [(r.seq, r.return_status, r.return_info) for r in receipt_list]


def test_a_list_is_approved_after_its_delay_then_cleared_after_the_next(store, transport):
    message = business_message("CEB961", "LIST0001")
    assert receive(store, transport, envelope(message), _at(5), POLICY, signed_by_card) == NEW
    assert decide_due(store, transport, _at(599), POLICY)["moved"] == 0
    assert receipts(transport) == []
    assert decide_due(store, transport, _at(600), POLICY)["outcomes"] == {"list_heads:7": 1}
    first = receipts(transport)
    assert _answers(first) == [(1, "7", "海关审批通过")]
    assert (first[0].in_reply_to, first[0].original_type, first[0].business_no) == (message.guid, "CEB961", "LIST0001")
    assert first[0].guid == receipt_guid(message.guid, 1) and first[0].msg_type == "CEB962"
    assert decide_due(store, transport, _at(1199), POLICY)["moved"] == 0     # the next delay runs from the step
    decide_due(store, transport, _at(1200), POLICY)
    assert _answers(receipts(transport)) == [(2, "15", "已结关")]
    assert decide_due(store, transport, _at(99999), POLICY)["moved"] == 0
    case = store.get(message.guid)
    assert (case.status, case.seq, case.due_at, case.signature_valid, case.key_serial) == ("15", 2, None, True,
                                                                                            "CARD-0001")


def test_an_application_walks_received_review_approved_with_each_delay_key(store, transport):
    message = business_message("CEB911", "APP0001")
    receive(store, transport, envelope(message), DECLARED_AT, POLICY, signed_by_card)
    for seconds, expected in ((60, (1, "RECEIVED")), (60 + 120, (2, "UNDER_REVIEW")), (60 + 120 + 300, (3, "APPROVED"))):
        assert decide_due(store, transport, _at(seconds - 1), POLICY)["moved"] == 0
        assert decide_due(store, transport, _at(seconds), POLICY)["moved"] == 1
        assert [(r.seq, r.return_status) for r in receipts(transport)] == [expected]


def test_the_failure_draw_is_todays_formula_and_answers_the_fail_move(store, transport):
    draw = failure_draw("list_heads", "LIST0002", 3)
    below, above = business_message("CEB961", "LIST0002", version=3), business_message("CEB961", "LIST0002", version=3)
    receive(store, transport, envelope(below), DECLARED_AT, POLICY, signed_by_card)
    decide_due(store, transport, _at(600), Policy(failure_rate=draw, delays=DELAYS))      # draw < rate is false
    assert _answers(receipts(transport)) == [(1, "7", "海关审批通过")]
    receive(store, transport, envelope(above), DECLARED_AT, POLICY, signed_by_card)
    decide_due(store, transport, _at(600), Policy(failure_rate=draw + 1e-9, delays=DELAYS))
    assert _answers(receipts(transport)) == [(1, "3", RECEIPT_FAILED_MESSAGE)]
    assert store.get(above.guid).due_at is None                                 # 3 has no customs step


def test_a_watched_enterprise_is_refused_with_the_opinion_where_the_lifecycle_refuses(store, transport):
    policy = Policy(delays=DELAYS, watch_list={WATCHED_USCC: "企业列入风险名单"}, skip_delays=True)
    application = business_message("CEB911", "APP0002", uscc=WATCHED_USCC)
    declaration = business_message("CEB981", "DEC0001", uscc=WATCHED_USCC)
    listed = business_message("CEB961", "LIST0003", uscc=WATCHED_USCC)     # a list has no refusing step
    for message in (application, declaration, listed):
        receive(store, transport, envelope(message), DECLARED_AT, policy, signed_by_card)
    for _ in range(3):
        decide_due(store, transport, DECLARED_AT, policy)
    answered = {(r.business_no, r.seq): (r.return_status, r.return_info) for r in receipts(transport)}
    assert answered == {("APP0002", 1): ("RECEIVED", "海关入库成功，请等待审核"),
                        ("APP0002", 2): ("UNDER_REVIEW", "海关受理中"),
                        ("APP0002", 3): ("REJECTED", "企业列入风险名单"),
                        ("DEC0001", 1): ("NOT_ACCEPTED", "企业列入风险名单"),
                        ("LIST0003", 1): ("7", "海关审批通过"), ("LIST0003", 2): ("15", "已结关")}


def test_skip_delays_answers_one_step_per_pass_without_waiting(store, transport):
    message = business_message("CEB981", "DEC0002")
    receive(store, transport, envelope(message), DECLARED_AT, POLICY, signed_by_card)
    hurry = Policy(delays=DELAYS, skip_delays=True)
    assert decide_due(store, transport, DECLARED_AT, hurry)["outcomes"] == {"declarations:CONCLUDED": 1}
    assert decide_due(store, transport, DECLARED_AT, hurry)["outcomes"] == {"declarations:CLOSED": 1}
    assert decide_due(store, transport, DECLARED_AT, hurry)["moved"] == 0
    assert [r.return_status for r in receipts(transport)] == ["CONCLUDED", "CLOSED"]


def test_a_disabled_customs_keeps_the_case_and_answers_once_enabled(store, transport):
    message = business_message("CEB921", "CERT0001")
    receive(store, transport, envelope(message), DECLARED_AT, POLICY, signed_by_card)
    assert decide_due(store, transport, _at(3600), Policy(enabled=False, delays=DELAYS))["moved"] == 0
    assert decide_due(store, transport, _at(3600), POLICY)["outcomes"] == {"certificates:ISSUED": 1}


def test_a_redelivered_message_opens_one_case_and_answers_once(store, transport, engine):
    message = business_message("CEB961", "LIST0004")
    body = envelope(message)
    assert receive(store, transport, body, DECLARED_AT, POLICY, signed_by_card) == NEW
    assert receive(store, transport, body, _at(30), POLICY, signed_by_card) == DUPLICATE
    assert store.counts() == {"open": 1, "finished": 0}
    decide_due(store, transport, _at(600), POLICY)
    assert receive(store, transport, body, _at(700), POLICY, signed_by_card) == DUPLICATE
    decide_due(store, transport, _at(700), POLICY)
    assert [r.seq for r in receipts(transport)] == [1]


def test_a_message_failing_its_xsd_gets_a_format_error_receipt_naming_it(store, transport):
    message = business_message("CEB961", "LIST0005")
    root = etree.fromstring(to_xml(message))
    root.find(".//{*}ieFlag").text = "X"                 # not I or E: the XSD refuses it
    assert receive(store, transport, envelope(message, etree.tostring(root)), DECLARED_AT, POLICY,
                   signed_by_card) == FORMAT_ERROR
    [receipt] = receipts(transport)
    assert (receipt.seq, receipt.return_status, receipt.in_reply_to) == (1, "-1", message.guid)
    assert message.guid in receipt.return_info and "CEB961" in receipt.return_info and "ieFlag" in receipt.return_info
    case = store.get(message.guid)
    assert (case.status, case.due_at, case.register) == ("-1", None, "list_heads")
    assert receive(store, transport, envelope(message, etree.tostring(root)), DECLARED_AT, POLICY,
                   signed_by_card) == DUPLICATE
    assert receipts(transport) == []


def test_an_envelope_that_cannot_be_read_is_left_to_the_transport(store, transport):
    with pytest.raises(MessageError):
        receive(store, transport, b"<not-an-envelope/>", DECLARED_AT, POLICY, signed_by_card)
    assert store.counts() == {"open": 0, "finished": 0} and transport.published == []


@pytest.mark.parametrize("verdict, reason", [((False, "签名值与报文内容不符", "CARD-0002"), "签名值与报文内容不符"),
                                             ((None, "报文未签名", None), "报文未签名")])
def test_a_bad_or_missing_signature_gets_a_signature_error_receipt(store, transport, verdict, reason):
    message = business_message("CEB961", "LIST0006")
    assert receive(store, transport, envelope(message), DECLARED_AT, POLICY, lambda xml: verdict) == SIGNATURE_ERROR
    [receipt] = receipts(transport)
    assert (receipt.seq, receipt.return_status, receipt.business_no) == (1, SIGNATURE_ERROR, "LIST0006")
    assert reason in receipt.return_info
    case = store.get(message.guid)
    assert (case.signature_valid, case.key_serial, case.due_at) == (verdict[0], verdict[2], None)
    assert decide_due(store, transport, _at(99999), POLICY)["moved"] == 0


def test_a_card_signed_message_is_accepted_and_one_byte_changed_in_transit_is_refused(store, transport):
    authority = CardAuthority()
    intact, tampered = business_message("CEB961", "LIST0008"), business_message("CEB961", "LIST0009")
    assert receive(store, transport, envelope(intact, authority.sign(intact)), DECLARED_AT, POLICY,
                   authority.trust) == NEW
    assert store.get(intact.guid).key_serial == CardAuthority.SERIAL
    changed = authority.sign(tampered).replace(b"LIST0009", b"LIST0019", 1)     # still valid XML and XSD
    assert receive(store, transport, envelope(tampered, changed), DECLARED_AT, POLICY, authority.trust) \
        == SIGNATURE_ERROR
    [receipt] = receipts(transport)
    assert (receipt.in_reply_to, receipt.return_status) == (tampered.guid, SIGNATURE_ERROR)
    assert receipt.return_info.startswith("签名验证失败：")
    case = store.get(tampered.guid)
    assert (case.signature_valid, case.key_serial) == (False, CardAuthority.SERIAL)


def test_a_claim_of_a_consumer_that_died_runs_out_and_the_step_is_answered_once(engine, transport):
    later = [DECLARED_AT]
    dead = CaseStore(engine, consumer="dead", clock=lambda: later[0])
    alive = CaseStore(engine, consumer="alive", clock=lambda: later[0])
    message = business_message("CEB961", "LIST0007")
    receive(alive, transport, envelope(message), DECLARED_AT, POLICY, signed_by_card)
    [claimed] = dead.claim_due(_at(600))
    assert alive.claim_due(_at(600)) == []                         # held by the other consumer
    later[0] = DECLARED_AT + timedelta(seconds=61)                 # the claim's lease has run out
    assert decide_due(alive, transport, _at(600), POLICY)["moved"] == 1
    assert not dead.advance(claimed, status="7", due_at=None, outcome="", now=_at(600))
    assert [r.seq for r in receipts(transport)] == [1]


def test_two_consumers_deciding_the_same_cases_never_answer_a_step_twice(engine, transport):
    messages = [business_message("CEB961", f"LIST1{n:04d}") for n in range(60)]
    first = CaseStore(engine, consumer="first")
    for message in messages:
        receive(first, transport, envelope(message), DECLARED_AT, POLICY, signed_by_card)
    stores = [first, CaseStore(engine, consumer="second")]
    start = threading.Barrier(len(stores))
    results, errors = [], []

    def work(store):
        try:
            start.wait()
            for seconds in (600, 1200):
                results.append(decide_due(store, transport, _at(seconds), POLICY, limit=7))
                results.append(decide_due(store, transport, _at(seconds), POLICY))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    published = [message_id for _queue, message_id in transport.published]
    assert len(published) == len(set(published)) == 2 * len(messages)
    assert sum(result["moved"] for result in results) == 2 * len(messages)
    assert sorted((r.business_no, r.seq) for r in receipts(transport)) == \
        sorted((m.business_no, seq) for m in messages for seq in (1, 2))
