"""Filing through the API: save, submit, every rule at once, Q-13 and proxy filing (Q-1..Q-23)."""
from __future__ import annotations

from rules.identifiers import make_uscc
from tests.qualification.conftest import (application, basic_info, create, filing_body, manager, rules_of, submit,
                                          upload)


def test_valid_ie_filing_by_card_submits_Q_20(client, filer):
    number = create(client, filer.card_login, filing_body())
    assert len(number) == 18
    response = submit(client, filer.card_login, number)
    assert response.status_code == 200, response.json
    assert response.json == {"status": "SUBMITTED"}
    detail = client.get(f"/api/v1/applications/{number}", headers=filer.card_login).json
    assert detail["status"] == "SUBMITTED"
    assert detail["receipts"][0]["from"] == "DRAFT" and detail["receipts"][0]["to"] == "SUBMITTED"
    assert application(number).snapshot["enterprise"]["name_zh"] == "深圳市示例贸易有限公司"


def test_ie_with_cb_branch_names_both_types_Q_4(client, filer):
    body = filing_body(("IE", "CB_BRANCH"), enterprise=basic_info(parent_code=make_uscc("91110000", 7),
                                                                   parent_name="总公司"))
    number = create(client, filer.card_login, body)
    response = submit(client, filer.card_login, number)
    assert response.status_code == 422
    messages = [v["message"] for v in response.json["error"]["violations"] if v["rule"] == "Q-4"]
    assert messages == ["已选择进出口货物收发货人，无法同时备案报关企业分支机构"]


def test_cbec_ecom_alone_needs_ie_Q_5(client, filer):
    number = create(client, filer.card_login, filing_body(("CBEC_ECOM",), management_personnel=[]))
    response = submit(client, filer.card_login, number)
    assert response.status_code == 422
    assert rules_of(response) == ["Q-5"]


def test_ie_without_finance_manager_is_refused_Q_14(client, filer):
    number = create(client, filer.card_login, filing_body(management_personnel=[manager("CUSTOMS")]))
    response = submit(client, filer.card_login, number)
    assert response.status_code == 422
    assert rules_of(response) == ["Q-14"]
    assert "财务负责人" in response.json["error"]["violations"][0]["message"]


def test_account_login_needs_info_table_scan_Q_18(client, filer):
    number = create(client, filer.account, filing_body())
    response = submit(client, filer.account, number)
    assert response.status_code == 422
    assert rules_of(response) == ["Q-18"]
    assert upload(client, filer.account, number).status_code == 201
    assert submit(client, filer.account, number).status_code == 200


def test_submit_reports_every_violation_together_Q_20(client, filer):
    body = filing_body(("IE", "CB_BRANCH", "CBEC_PAYMENT"), management_personnel=[manager("CUSTOMS")],
                       enterprise=basic_info(name_zh=""))
    number = create(client, filer.account, body)
    response = submit(client, filer.account, number)
    assert response.status_code == 422
    rules = set(rules_of(response))
    assert {"Q-4", "Q-11", "Q-14", "Q-17", "Q-18", "Q-20"} <= rules


def test_save_checks_formats_only_Q_20_Q_10(client, filer):
    response = client.post("/api/v1/applications", headers=filer.card_login, json={
        "type": "FILING", "qualification_types": [], "enterprise": {"postal_code": "51800", "email": "x@"}})
    assert response.status_code == 422
    fields = {v["field"] for v in response.json["error"]["violations"]}
    assert fields == {"postal_code", "email"}
    assert set(rules_of(response)) == {"Q-10"}
    incomplete = create(client, filer.card_login, {"type": "FILING", "qualification_types": ["IE"]})
    assert application(incomplete).status == "DRAFT"


def test_uscc_is_filled_from_the_enterprise_Q_7_Q_13(client, filer):
    number = create(client, filer.card_login, filing_body())
    detail = client.get(f"/api/v1/applications/{number}", headers=filer.card_login).json
    assert detail["enterprise"]["uscc"] == filer.enterprise.uscc
    assert detail["enterprise"]["org_code"] == filer.enterprise.uscc[8:17]
    same = client.patch(f"/api/v1/applications/{number}", headers=filer.card_login,
                        json={"enterprise": {"uscc": filer.enterprise.uscc}})
    assert same.status_code == 200


def test_body_setting_another_uscc_is_refused_Q_13(client, filer):
    other = make_uscc("91440300", 99)
    response = client.post("/api/v1/applications", headers=filer.card_login,
                           json=filing_body(enterprise=basic_info(uscc=other)))
    assert response.status_code == 422
    assert rules_of(response) == ["Q-13"]
    number = create(client, filer.card_login, filing_body())
    response = client.patch(f"/api/v1/applications/{number}", headers=filer.card_login,
                            json={"status": "APPROVED", "application_no": number})
    assert response.status_code == 422
    assert [v["field"] for v in response.json["error"]["violations"]] == ["status"]


def test_proxy_filing_from_account_login_is_forbidden_Q_23_U_5(client, filer):
    response = client.post("/api/v1/applications", headers=filer.account,
                           json=filing_body(target_uscc=make_uscc("91440300", 55), commitment=True))
    assert response.status_code == 403
    assert rules_of(response) == ["U-5"]


def test_proxy_filing_for_a_bad_uscc_is_refused_Q_23_Q_7(client, filer):
    good = make_uscc("91440300", 56)
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")  # wrong check character
    response = client.post("/api/v1/applications", headers=filer.card_login,
                           json=filing_body(target_uscc=bad, commitment=True))
    assert response.status_code == 422
    assert rules_of(response) == ["Q-7"]


def test_proxy_filing_needs_commitment_and_creates_the_target_Q_23(client, filer):
    target = make_uscc("91440300", 57)
    response = client.post("/api/v1/applications", headers=filer.card_login,
                           json=filing_body(target_uscc=target))
    assert response.status_code == 422 and rules_of(response) == ["Q-23"]
    number = create(client, filer.card_login, filing_body(target_uscc=target, commitment=True))
    record = application(number)
    assert record.enterprise.uscc == target and record.acting_enterprise_id == filer.enterprise.id
    assert record.data["uscc"] == target
    # Proxy filings need the signed info table even from a card login.
    assert rules_of(submit(client, filer.card_login, number)) == ["Q-18"]
    assert upload(client, filer.card_login, number).status_code == 201
    assert submit(client, filer.card_login, number).status_code == 200


def test_submitted_application_cannot_be_edited_or_deleted_Q_20(client, filer):
    number = create(client, filer.card_login, filing_body())
    assert submit(client, filer.card_login, number).status_code == 200
    response = client.patch(f"/api/v1/applications/{number}", headers=filer.card_login,
                            json={"enterprise": {"name_en": "Changed"}})
    assert response.status_code == 409
    assert rules_of(response) == ["Q-20"]
    assert client.delete(f"/api/v1/applications/{number}", headers=filer.card_login).status_code == 409
    assert upload(client, filer.card_login, number).status_code == 409


def test_draft_can_be_deleted_Q_20(client, filer):
    number = create(client, filer.account, filing_body())
    assert upload(client, filer.account, number).status_code == 201
    assert client.delete(f"/api/v1/applications/{number}", headers=filer.account).status_code == 204
    assert client.get(f"/api/v1/applications/{number}", headers=filer.account).status_code == 404


def test_double_submit_one_succeeds_one_conflicts_Q_19(client, filer):
    number = create(client, filer.card_login, filing_body())
    first = submit(client, filer.card_login, number)
    second = submit(client, filer.card_login, number)
    assert (first.status_code, second.status_code) == (200, 409)
    assert rules_of(second) == ["Q-19"]


def test_another_enterprise_cannot_read_an_application_A_2(client, filer, other_filer):
    number = create(client, filer.card_login, filing_body())
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/applications/{number}", headers=other_filer.account,
                                           **({"json": {}} if method == "patch" else {}))
        assert response.status_code == 404, method
    assert submit(client, other_filer.card_login, number).status_code == 404


def test_staff_token_is_refused_on_enterprise_endpoints(client, make):
    staff = make.user(None, "staff")
    response = client.get("/api/v1/applications", headers=make.token(client, user=staff))
    assert response.status_code == 403


def test_unknown_body_field_is_refused(client, filer):
    response = client.post("/api/v1/applications", headers=filer.card_login,
                           json={**filing_body(), "surprise": 1})
    assert response.status_code == 422


def test_application_query_filters_and_keyset_cursor_Q_29(client, filer):
    numbers = [create(client, filer.card_login, filing_body()) for _ in range(5)]
    cancel = create(client, filer.card_login, {"type": "CANCELLATION", "qualification_types": ["IE"]})
    page = client.get("/api/v1/applications?limit=2&type=FILING", headers=filer.card_login).json
    seen = [item["application_no"] for item in page["items"]]
    while page["next"]:
        page = client.get(f"/api/v1/applications?limit=2&type=FILING&cursor={page['next']}",
                          headers=filer.card_login).json
        seen += [item["application_no"] for item in page["items"]]
    assert seen == list(reversed(numbers))
    by_type = client.get("/api/v1/applications?qualification_type=IE&type=CANCELLATION",
                         headers=filer.card_login).json
    assert [i["application_no"] for i in by_type["items"]] == [cancel]
    by_name = client.get("/api/v1/applications?enterprise_name=不存在的名字", headers=filer.card_login).json
    assert by_name["items"] == []
    assert client.get("/api/v1/applications?cursor=garbage", headers=filer.card_login).status_code == 422
    assert client.get("/api/v1/applications?status=NOPE", headers=filer.card_login).status_code == 422


def test_application_form_pdf_for_a_draft_P_1(client, filer, other_filer):
    number = create(client, filer.card_login, filing_body())
    response = client.get(f"/api/v1/applications/{number}/form.pdf", headers=filer.card_login)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert client.get(f"/api/v1/applications/{number}/form.pdf", headers=other_filer.account).status_code == 404


def test_module_q_endpoints_are_in_the_openapi_document_A_3(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post"} <= set(paths["/api/v1/applications"]) and "get" in paths["/api/v1/applications"]
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/applications/{application_no}"])
    assert "requestBody" in paths["/api/v1/applications/{application_no}"]["patch"]
    for path in ("/api/v1/applications/{application_no}/submit", "/api/v1/applications/{application_no}/attachments",
                 "/api/v1/certificates", "/api/v1/qualifications", "/api/v1/certificates/{certificate_id}.pdf",
                 "/api/v1/applications/{application_no}/form.pdf"):
        assert path in paths, path


def test_staff_edits_of_the_exclusion_table_apply_at_once_Q_4(client, filer):
    from sqlalchemy import or_, select
    from portal.extensions import db
    from portal.models import QualificationExclusion
    pair = db.session.scalar(select(QualificationExclusion).where(or_(
        (QualificationExclusion.type_a == "IE") & (QualificationExclusion.type_b == "CB_BRANCH"),
        (QualificationExclusion.type_a == "CB_BRANCH") & (QualificationExclusion.type_b == "IE"))))
    saved = (pair.type_a, pair.type_b, pair.note)
    body = filing_body(("IE", "CB_BRANCH"), enterprise=basic_info(parent_code=make_uscc("91110000", 8),
                                                                   parent_name="总公司"))
    number = create(client, filer.card_login, body)
    assert "Q-4" in rules_of(submit(client, filer.card_login, number))
    db.session.delete(pair)
    db.session.commit()
    try:
        assert "Q-4" not in rules_of(submit(client, filer.card_login, number))
    finally:
        db.session.add(QualificationExclusion(type_a=saved[0], type_b=saved[1], note=saved[2]))
        db.session.commit()
