"""Expiry sweep, filing form checklist, filing query, annual report, staff review page (Q-2, Q-3, Q-27, Q-29, Q-30)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Enterprise, Qualification
from portal.qualification import queries
from tests.factories import csrf_token
from tests.qualification.conftest import application, create, file_and_approve, filing_body, submit


def test_expiry_sweep_marks_temp_expired_from_the_day_after_Q_27(make, filer):
    temp = make.qualification(filer.enterprise, "TEMP", valid_until=date(2027, 3, 31))
    make.qualification(filer.enterprise, "CBEC_PLATFORM")
    assert queries.expire_qualifications(db.session, date(2027, 3, 31)) == 0
    db.session.commit()
    assert queries.expire_qualifications(db.session, date(2027, 4, 1)) == 1
    db.session.commit()
    assert queries.expire_qualifications(db.session, date(2027, 4, 1)) == 0
    db.session.expire_all()
    assert db.session.get(Qualification, temp.id).status == "EXPIRED"
    statuses = db.session.scalars(select(Qualification.status).order_by(Qualification.id)).all()
    assert statuses == ["EXPIRED", "VALID"]


def test_expire_qualifications_command_Q_27(app, make, filer):
    make.qualification(filer.enterprise, "TEMP", valid_until=date(2027, 3, 31))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["expire-qualifications", "--today", "2027-04-01"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert runner.invoke(args=["expire-qualifications", "--today", "tomorrow"]).exit_code != 0


def test_checklist_shows_filed_and_in_progress_types_Q_2_Q_3(client, make, filer):
    make.qualification(filer.enterprise, "IE")
    make.qualification(filer.enterprise, "TEMP", status="EXPIRED", valid_until=date(2025, 1, 1))
    number = create(client, filer.card_login, filing_body(("CBEC_ECOM",), management_personnel=[]))
    assert submit(client, filer.card_login, number).status_code == 200
    enterprise = db.session.get(Enterprise, filer.enterprise.id)
    checklist = {row["type"]: row["status"] for row in queries.qualification_checklist(db.session, enterprise)}
    assert checklist["IE"] == "已备案" and checklist["CBEC_ECOM"] == "申请中"
    assert checklist["TEMP"] == "selectable" and "DUAL" not in checklist
    again = create(client, filer.card_login, filing_body(("CBEC_ECOM",), management_personnel=[]))
    response = submit(client, filer.card_login, again)
    assert [v["rule"] for v in response.json["error"]["violations"]] == ["Q-3"]


def test_filing_query_shows_the_filed_record_Q_29(client, filer):
    file_and_approve(client, filer)
    record = client.get("/api/v1/filings?qualification_type=IE", headers=filer.account).json
    assert [q["type"] for q in record["qualifications"]] == ["IE"]
    assert record["enterprise"]["name_zh"] == "深圳市示例贸易有限公司"
    assert len(record["enterprise"]["registration_code"]) == 10
    assert {p["person_type"] for p in record["management_personnel"]} == {"CUSTOMS", "FINANCE"}
    assert record["declaration_personnel"][0]["personnel_filing_no"]
    assert client.get("/api/v1/filings?qualification_type=NOPE", headers=filer.account).status_code == 422


def test_annual_report_eligibility_Q_30(make, filer):
    make.qualification(filer.enterprise, "IE", filed=date(2025, 12, 31))
    enterprise = db.session.get(Enterprise, filer.enterprise.id)
    assert queries.annual_report_eligibility(db.session, enterprise, 2025)["eligible"] is True
    late = queries.annual_report_eligibility(db.session, enterprise, 2024)
    assert late["eligible"] is False and late["reasons"]


def test_staff_review_page_decides_through_the_operations_S_3(client, make, filer):
    number = create(client, filer.card_login, filing_body())
    submit(client, filer.card_login, number)
    staff = make.user(None, "staff")
    make.login(client, user=staff)
    page = client.get("/admin/qualification-review/")
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/qualification-review/")
    record_id = application(number).id
    url = f"/admin/qualification-review/{record_id}/decide"
    assert client.post(url, data={"action": "receive_application"}).status_code == 400  # no CSRF token
    for action in ("receive_application", "start_review"):
        assert client.post(url, data={"action": action, "csrf_token": token}).status_code == 302
    asked = client.post(url, data={"action": "reject_application", "csrf_token": token})
    assert asked.status_code == 200 and "确认决定" in asked.get_data(as_text=True)   # S-3: confirm first
    refused = client.post(url, data={"action": "reject_application", "confirmed": "1", "csrf_token": token},
                          follow_redirects=True)
    assert "S-3" in refused.get_data(as_text=True) and application(number).status == "UNDER_REVIEW"
    client.post(url, data={"action": "approve_application", "opinion": "同意", "csrf_token": token})
    assert application(number).status == "APPROVED" and application(number).customs_opinion == "同意"
    assert db.session.scalars(select(Qualification.qualification_type)).all() == ["IE"]


def test_enterprise_user_cannot_open_the_review_page(client, make, filer):
    assert client.get("/admin/qualification-review/").status_code == 302  # to the login page
    make.login(client, card=filer.card)
    assert client.get("/admin/qualification-review/").status_code == 403
