"""The simulated customs moving records through time by messages (S-2, S-3, S-4, S-5, Q-21, Q-28, issue 16)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, update

from portal.extensions import db
from portal.messaging import inbox
from portal.models import Application, Certificate, CustomsMessage, Qualification, Receipt, WatchListEntry
from portal.transitions import OPERATIONS
from rules.lifecycle import ACT, all_moves
from rules.lifecycles_collection import ACCEPT_LIST, CLEAR_LIST, FAIL_LIST_RECEIPT
from rules.lifecycles_messages import APPLIED, STALE
from rules.lifecycles_qualification import RECEIVE_APPLICATION
from scheduler.customs.steps import failure_draw, step_for
from scheduler.simulator import customs_tick
from wire.transport_db import TAKEN, transport_queue
from tests.scheduler.conftest import T0, receipts

PLUS_1_MIN = "2026-03-02T09:01:00"
PLUS_1_H = "2026-03-02T10:01:00"
PLUS_1_DAY = "2026-03-03T10:01:00"


def _status(application_id: int) -> str:
    return db.session.scalar(select(Application.status).where(Application.id == application_id))


def test_tick_moves_application_to_approved_with_one_receipt_per_step_S_2_Q_21(sim):
    application = sim.submitted(T0)
    assert customs_tick(db.session, now="2026-03-02T09:00:59")["moved"] == 0
    assert _status(application.id) == "SUBMITTED"
    for moment, expected in ((PLUS_1_MIN, "RECEIVED"), (PLUS_1_H, "UNDER_REVIEW"), (PLUS_1_DAY, "APPROVED")):
        result = customs_tick(db.session, now=moment)
        assert result["moved"] == 1, result
        assert _status(application.id) == expected
    assert receipts("applications", application.id) == [
        ("SUBMITTED", "RECEIVED"), ("RECEIVED", "UNDER_REVIEW"), ("UNDER_REVIEW", "APPROVED")]
    times = db.session.scalars(select(Receipt.at).where(Receipt.record_id == application.id,
                                                        Receipt.source == "customs").order_by(Receipt.id))
    assert [t.isoformat() for t in times] == [PLUS_1_MIN, PLUS_1_H, PLUS_1_DAY]
    granted = db.session.scalars(select(Qualification.qualification_type)
                                 .where(Qualification.enterprise_id == application.enterprise_id)).all()
    assert granted == ["IE"]
    assert customs_tick(db.session, now="2026-03-10T10:00:00")["moved"] == 0


def test_watch_list_enterprise_is_rejected_with_the_opinion_S_2(sim, make):
    enterprise = make.enterprise()
    db.session.add(WatchListEntry(uscc=enterprise.uscc, opinion="该企业存在走私嫌疑，不予备案"))
    db.session.commit()
    application = sim.submitted(T0, enterprise=enterprise)
    sim.settings(delay_receive_seconds=0, delay_review_seconds=0, delay_decide_seconds=0)
    customs_tick(db.session, now=PLUS_1_MIN)
    row = db.session.get(Application, application.id, populate_existing=True)
    assert row.status == "REJECTED"
    assert row.customs_opinion == "该企业存在走私嫌疑，不予备案"
    assert receipts("applications", application.id)[-1] == ("UNDER_REVIEW", "REJECTED")
    assert db.session.scalar(select(Receipt.message).where(Receipt.to_status == "REJECTED")) == row.customs_opinion


def test_inactive_watch_list_entry_does_not_reject_S_2(sim, make):
    enterprise = make.enterprise()
    db.session.add(WatchListEntry(uscc=enterprise.uscc, active=False))
    db.session.commit()
    application = sim.submitted(T0, enterprise=enterprise)
    sim.settings(delay_receive_seconds=0, delay_review_seconds=0, delay_decide_seconds=0)
    customs_tick(db.session, now=PLUS_1_MIN)
    assert _status(application.id) == "APPROVED"


def test_failure_rate_one_gives_receipt_failed_S_2(sim):
    application = sim.submitted(T0)
    sim.settings(receipt_failure_rate=1)
    result = customs_tick(db.session, now=PLUS_1_MIN)
    assert result["outcomes"] == {"applications:RECEIPT_FAILED": 1}
    assert receipts("applications", application.id) == [("SUBMITTED", "RECEIPT_FAILED")]


def test_failure_draw_decides_from_data_and_rate_S_2(sim):
    ids = sim.pending(40)
    sim.settings(receipt_failure_rate="0.5")
    expected = {a.id for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))
                if failure_draw("applications", a.application_no, a.version) < 0.5}
    assert 0 < len(expected) < 40
    customs_tick(db.session, now=PLUS_1_MIN)
    failed = set(db.session.scalars(select(Application.id).where(Application.status == "RECEIPT_FAILED")))
    assert failed == expected


def test_simulation_off_moves_nothing_S_2(sim):
    application = sim.submitted(T0)
    sim.settings(simulation_enabled="0")
    result = customs_tick(db.session, now=PLUS_1_DAY)
    assert result["enabled"] is False and result["moved"] == 0
    assert _status(application.id) == "SUBMITTED"
    assert receipts("applications", application.id) == []


def test_limit_caps_the_records_of_one_pass_S_2(sim):
    sim.pending(5)
    result = customs_tick(db.session, now=PLUS_1_MIN, limit=2)
    assert result["moved"] == 2, result
    assert customs_tick(db.session, now=PLUS_1_MIN)["moved"] == 3


class ConsumerKilled(BaseException):
    """A consumer process dying: nothing catches it, the message it held stays taken."""


def test_consumer_killed_midway_keeps_applied_receipts_and_the_held_one_is_redelivered_once_S_4(sim, monkeypatch):
    ids = sim.pending(10)
    real = OPERATIONS[RECEIVE_APPLICATION]
    calls = {"n": 0}

    def killed_on_fourth(session, application, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise ConsumerKilled()
        return real(session, application, *args, **kwargs)

    monkeypatch.setitem(OPERATIONS, RECEIVE_APPLICATION, killed_on_fourth)
    with pytest.raises(ConsumerKilled):
        customs_tick(db.session, now=PLUS_1_MIN)
    db.session.rollback()
    assert [_status(i) for i in ids] == ["RECEIVED"] * 3 + ["SUBMITTED"] * 7
    assert [len(receipts("applications", i)) for i in ids] == [1] * 3 + [0] * 7
    held = db.session.execute(select(transport_queue.c.id).where(transport_queue.c.state == TAKEN)).scalars().all()
    assert len(held) == 1

    monkeypatch.setitem(OPERATIONS, RECEIVE_APPLICATION, real)
    assert customs_tick(db.session, now=PLUS_1_MIN)["moved"] == 6   # the held receipt waits for its lease
    db.session.execute(update(transport_queue).where(transport_queue.c.id == held[0])
                       .values(taken_until=transport_queue.c.created_at))   # the dead consumer's lease runs out
    db.session.commit()
    assert customs_tick(db.session, now=PLUS_1_MIN)["moved"] == 1
    assert all(receipts("applications", i) == [("SUBMITTED", "RECEIVED")] for i in ids)
    assert db.session.scalar(select(func.count()).select_from(CustomsMessage)
                             .where(CustomsMessage.direction == "IN", CustomsMessage.status == APPLIED)) == 10


def test_record_moved_by_another_process_first_makes_its_receipt_stale_S_4(sim, app):
    ids = sim.pending(3)
    other = create_engine(app.config["TEST_DATABASE_URI"])
    with other.begin() as conn:   # staff decide in another process while the message is with customs
        conn.execute(update(Application).where(Application.id == ids[0]).values(status="RECEIVED"))
    other.dispose()
    result = customs_tick(db.session, now=PLUS_1_MIN)
    assert (result["moved"], result["skipped"], result["refused"]) == (2, 1, 0)
    assert receipts("applications", ids[0]) == []
    assert [receipts("applications", i) for i in ids[1:]] == [[("SUBMITTED", "RECEIVED")]] * 2
    stale = db.session.scalar(select(CustomsMessage).where(CustomsMessage.record_id == ids[0],
                                                           CustomsMessage.direction == "IN"))
    assert stale.status == STALE and "海关入库成功" in stale.last_error


def test_customs_steps_are_the_simulated_moves_and_each_has_an_operation_S_2():
    simulated = {(m.register, s): m for m in all_moves() if m.simulate == ACT for s in m.sources}
    for (register, status), move in simulated.items():
        step = step_for(register, status)
        assert step.act is move
        assert move in OPERATIONS and (step.fail is None or step.fail in OPERATIONS), move
        assert inbox.customs_move(register, status, str(move.target)) is move
    assert step_for("list_heads", 2).fail is FAIL_LIST_RECEIPT and step_for("list_heads", 7).act is CLEAR_LIST
    assert step_for("list_heads", 2).act is ACCEPT_LIST


def test_certificate_is_issued_once_Q_28(make):
    from portal.identity import Identity
    from portal.qualification.certificates import request_certificate
    from portal import clock
    enterprise = make.enterprise()
    make.qualification(enterprise, "IE")
    user = make.user(enterprise)
    with clock.frozen(T0):
        certificate = request_certificate(db.session, Identity(user=user, login_mode="account"))
        db.session.commit()
    assert customs_tick(db.session, now="2026-03-02T09:00:30")["moved"] == 0
    assert customs_tick(db.session, now=PLUS_1_MIN)["outcomes"] == {"certificates:ISSUED": 1}
    assert customs_tick(db.session, now=PLUS_1_DAY)["moved"] == 0
    assert receipts("certificates", certificate.id) == [("REQUESTED", "ISSUED")]
    row = db.session.get(Certificate, certificate.id, populate_existing=True)
    assert row.status == "ISSUED" and row.certificate_no
    assert db.session.scalar(select(func.count()).select_from(Receipt)
                             .where(Receipt.record_type == "certificates")) == 1
