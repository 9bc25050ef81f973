"""Customs decisions and what they change: approval, change, extension, cancellation (Q-19..Q-26, C-3)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import clock
from portal.extensions import db
from portal.identity import Identity
from portal.models import (Application, AuditLog, CollectionFiling, DeclarationPerson, Enterprise, ProductVolume, Qualification,
                           User)
from portal.qualification import operations
from rules.identifiers import make_id_card
from rules.violations import RuleError
from tests.qualification.conftest import (application, create, decide, declarant, file_and_approve, filing_body,
                                          rules_of, submit)


def qualifications(enterprise_id: int) -> dict[str, Qualification]:
    db.session.expire_all()
    rows = db.session.scalars(select(Qualification).where(Qualification.enterprise_id == enterprise_id))
    return {q.qualification_type: q for q in rows}


def test_staff_approval_grants_valid_qualifications_and_codes_Q_22(client, filer):
    number = file_and_approve(client, filer)
    held = qualifications(filer.enterprise.id)
    assert held["IE"].status == "VALID" and held["IE"].valid_until is None
    enterprise = db.session.get(Enterprise, filer.enterprise.id)
    assert len(enterprise.registration_code) == 10 and enterprise.registration_code.startswith("5300")
    assert held["IE"].registration_code == enterprise.registration_code
    assert enterprise.ciq_no and enterprise.filed_at == clock.today()
    filed = db.session.scalars(select(DeclarationPerson).where(DeclarationPerson.application_id.is_(None))).all()
    assert len(filed) == 1 and len(filed[0].personnel_filing_no) == 12
    listed = client.get("/api/v1/qualifications", headers=filer.account).json["items"]
    assert listed == [{"type": "IE", "status": "VALID", "valid_until": None, "filed_date": clock.today().isoformat(),
                       "registration_code": enterprise.registration_code, "cancelled_at": None}]
    detail = client.get(f"/api/v1/applications/{number}", headers=filer.account).json
    assert detail["status"] == "APPROVED" and detail["customs_opinion"] == "审批通过"
    assert [r["to"] for r in detail["receipts"]] == ["SUBMITTED", "RECEIVED", "UNDER_REVIEW", "APPROVED"]


def test_temp_is_valid_one_year_and_cbec_only_gets_no_registration_code_Q_22(client, make, filer, other_filer):
    with clock.frozen("2026-03-10T10:00:00"):
        temp_headers = make.token(client, card=filer.card)
        number = create(client, temp_headers, filing_body(("TEMP",)))
        assert submit(client, temp_headers, number).status_code == 200
        decide(number)
    assert qualifications(filer.enterprise.id)["TEMP"].valid_until == date(2027, 3, 10)
    number = create(client, other_filer.card_login, filing_body(("CBEC_PLATFORM",), management_personnel=[]))
    assert submit(client, other_filer.card_login, number).status_code == 200
    decide(number)
    assert qualifications(other_filer.enterprise.id)["CBEC_PLATFORM"].registration_code is None
    assert db.session.get(Enterprise, other_filer.enterprise.id).registration_code is None


def test_rejection_leaves_no_qualification_and_shows_the_opinion_Q_21(client, filer):
    number = create(client, filer.card_login, filing_body())
    submit(client, filer.card_login, number)
    decide(number, "REJECTED", "法定代表人信息与登记不符")
    assert qualifications(filer.enterprise.id) == {}
    detail = client.get(f"/api/v1/applications/{number}", headers=filer.card_login).json
    assert detail["customs_opinion"] == "法定代表人信息与登记不符"
    assert detail["receipts"][-1]["message"] == "法定代表人信息与登记不符"


def test_customs_transitions_outside_the_table_are_refused_Q_19(client, filer, ctx):
    number = create(client, filer.card_login, filing_body())
    record = application(number)
    with pytest.raises(RuleError) as refused:
        operations.approve_application(db.session, record)
    assert refused.value.status == 409 and refused.value.violations[0].rule == "Q-19"
    db.session.rollback()
    submit(client, filer.card_login, number)
    record = application(number)
    operations.fail_receipt(db.session, record, "报文格式错误")
    db.session.commit()
    assert submit(client, filer.card_login, number).status_code == 200
    with pytest.raises(RuleError):
        operations.not_accept_application(db.session, application(number), "")


def test_two_reviewers_at_once_one_wins_the_other_gets_409_Q_19(client, filer):
    number = create(client, filer.card_login, filing_body())
    submit(client, filer.card_login, number)
    record = application(number)
    operations.receive_application(db.session, record)
    operations.start_review(db.session, record)
    db.session.commit()
    first, second = Session(db.engine), Session(db.engine)
    try:
        mine = first.scalar(select(Application).where(Application.application_no == number))
        theirs = second.scalar(select(Application).where(Application.application_no == number))
        operations.approve_application(first, mine)
        first.commit()
        with pytest.raises(RuleError) as lost:
            operations.reject_application(second, theirs, "不同意")
        assert lost.value.status == 409
        second.rollback()
    finally:
        first.close()
        second.close()
    assert application(number).status == "APPROVED"


def test_concurrent_submits_one_wins_the_other_gets_409_Q_19(client, filer):
    number = create(client, filer.card_login, filing_body())
    first, second = Session(db.engine), Session(db.engine)
    try:
        identities = [Identity(s.get(User, filer.user.id), "card") for s in (first, second)]
        records = [s.scalar(select(Application).where(Application.application_no == number))
                   for s in (first, second)]
        operations.submit_application(first, identities[0], records[0])
        first.commit()
        with pytest.raises(RuleError) as lost:
            operations.submit_application(second, identities[1], records[1])
        assert lost.value.status == 409
        second.rollback()
    finally:
        first.close()
        second.close()
    assert len(client.get(f"/api/v1/applications/{number}", headers=filer.card_login).json["receipts"]) == 1


def test_change_is_prefilled_and_approval_updates_the_filed_record_Q_24(client, filer):
    file_and_approve(client, filer)
    original_number = db.session.scalar(select(DeclarationPerson.personnel_filing_no).where(
        DeclarationPerson.application_id.is_(None)))
    number = create(client, filer.card_login, {"type": "CHANGE"})
    detail = client.get(f"/api/v1/applications/{number}", headers=filer.card_login).json
    assert detail["enterprise"]["name_zh"] == "深圳市示例贸易有限公司"
    assert detail["qualification_types"] == ["IE"]
    assert detail["declaration_personnel"][0]["personnel_filing_no"] == original_number
    second = declarant(name="钱七", id_no=make_id_card("440305", "19920202", "321"))
    response = client.patch(f"/api/v1/applications/{number}", headers=filer.card_login, json={
        "enterprise": {"name_en": "Changed English Name"},
        "declaration_personnel": [detail["declaration_personnel"][0], second]})
    assert response.status_code == 200, response.json
    assert submit(client, filer.card_login, number).status_code == 200
    assert_refused_without_draft(client, filer, {"type": "CHANGE"})  # one open change at a time
    decide(number)
    enterprise = db.session.get(Enterprise, filer.enterprise.id)
    assert enterprise.name_en == "Changed English Name"
    people = {p.name: p.personnel_filing_no for p in db.session.scalars(
        select(DeclarationPerson).where(DeclarationPerson.application_id.is_(None)))}
    assert people["赵六"] == original_number and len(people["钱七"]) == 12
    history = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "enterprises",
                                                        AuditLog.record_id == enterprise.id)).all()
    assert any(entry.diff.get("name_en", [None, None])[1] == "Changed English Name" for entry in history)


def assert_refused_without_draft(client, filer, body: dict) -> None:
    """A change the enterprise may not file is refused at its first save and leaves no DRAFT behind (Q-24)."""
    drafts = select(func.count()).select_from(Application).where(Application.status == "DRAFT",
                                                                 Application.application_type == "CHANGE")
    before = db.session.scalar(drafts)
    refused = client.post("/api/v1/applications", json=body, headers=filer.card_login)
    assert refused.status_code == 422 and "Q-24" in rules_of(refused)
    assert db.session.scalar(drafts) == before


def test_change_without_valid_qualification_is_refused_and_rejection_changes_nothing_Q_24(client, filer):
    assert_refused_without_draft(client, filer, {"type": "CHANGE", "enterprise": {"name_zh": "新名称"}})
    file_and_approve(client, filer)
    number = create(client, filer.card_login, {"type": "CHANGE", "enterprise": {"name_en": "Rejected Name"}})
    assert submit(client, filer.card_login, number).status_code == 200
    decide(number, "REJECTED")
    assert db.session.get(Enterprise, filer.enterprise.id).name_en == "Shenzhen Example Trading Co., Ltd."


@pytest.mark.parametrize("day, allowed", [
    ("2027-02-28", False),  # 31 days before expiry
    ("2027-03-01", True),   # 30 days before: the window opens
    ("2027-03-31", True),   # the last valid day
    ("2027-04-01", False),  # expired
])
def test_extension_window_boundaries_Q_25(client, make, filer, day, allowed):
    make.qualification(filer.enterprise, "TEMP", filed=date(2026, 3, 31), valid_until=date(2027, 3, 31))
    with clock.frozen(f"{day}T09:00:00"):
        headers = make.token(client, card=filer.card)
        number = create(client, headers, {"type": "EXTENSION"})
        response = submit(client, headers, number)
        assert (response.status_code == 200) is allowed, response.json
        if not allowed:
            assert rules_of(response) == ["Q-25"]
        else:
            decide(number)
    if allowed:
        assert qualifications(filer.enterprise.id)["TEMP"].valid_until == date(2028, 3, 31)


def test_extension_is_for_temp_only_Q_25(client, make, filer):
    make.qualification(filer.enterprise, "IE")
    number = create(client, filer.card_login, {"type": "EXTENSION", "qualification_types": ["IE"]})
    assert rules_of(submit(client, filer.card_login, number)) == ["Q-25"]


def test_cancellation_reason_99_needs_text_Q_26(client, make, filer):
    make.qualification(filer.enterprise, "IE")
    number = create(client, filer.card_login, {"type": "CANCELLATION", "qualification_types": ["IE"],
                                               "cancellation": {"reason_code": "99"}})
    response = submit(client, filer.card_login, number)
    assert response.status_code == 422
    assert [v["field"] for v in response.json["error"]["violations"]] == ["cancellation.other_reason"]
    client.patch(f"/api/v1/applications/{number}", headers=filer.card_login,
                 json={"cancellation": {"reason_code": "99", "other_reason": "企业迁出关区"}})
    assert submit(client, filer.card_login, number).status_code == 200


def test_cancellation_is_never_by_proxy_Q_26(client, filer):
    from rules.identifiers import make_uscc
    response = client.post("/api/v1/applications", headers=filer.card_login, json={
        "type": "CANCELLATION", "target_uscc": make_uscc("91440300", 77), "commitment": True,
        "qualification_types": ["IE"], "cancellation": {"reason_code": "01"}})
    assert response.status_code == 422 and rules_of(response) == ["Q-26"]


def test_cancelling_the_last_ie_cancels_collection_filings_Q_26_C_3(client, make, filer):
    make.qualification(filer.enterprise, "IE")
    make.qualification(filer.enterprise, "CBEC_PLATFORM")
    filing = CollectionFiling(center_no="C20260101000000001", enterprise_id=filer.enterprise.id,
                              customs_code="5300", enterprise_customs_code="5300100001",
                              enterprise_name="测试", goods_nature="GENERAL", status="APPROVED")
    db.session.add(filing)
    db.session.flush()
    db.session.add(ProductVolume(volume_no="V2026010100001", filing_id=filing.id, enterprise_id=filer.enterprise.id,
                                 status="APPROVED"))
    db.session.commit()
    number = create(client, filer.card_login, {"type": "CANCELLATION", "qualification_types": ["IE"],
                                               "cancellation": {"reason_code": "01"}})
    assert submit(client, filer.card_login, number).status_code == 200
    decide(number)
    held = qualifications(filer.enterprise.id)
    assert held["IE"].status == "CANCELLED" and held["IE"].cancelled_at == clock.today()
    assert held["CBEC_PLATFORM"].status == "VALID"
    assert db.session.scalar(select(CollectionFiling.status)) == "CANCELLED"
    assert db.session.scalar(select(ProductVolume.status)) == "CANCELLED"
