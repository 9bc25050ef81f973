"""The module Q enterprise forms through the test client, CSRF on (Q-2, Q-3, Q-10, Q-13, Q-14, Q-18, Q-20, U-3, U-5)."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Application, Attachment
from tests.factories import csrf_token
from tests.enterprise.form_helpers import NEW_FILING, Elements, form_fields, only_application, post_form, summary_rules
from tests.qualification.conftest import PDF_BYTES, basic_info, filing_body, manager


def test_filing_form_shows_checklist_states_and_system_fields_Q_2_Q_3_Q_6_Q_13(client, make):
    enterprise = make.enterprise()
    make.qualification(enterprise, "IE")
    db.session.add(Application(application_no="Q20260000000000001", application_type="FILING", status="SUBMITTED",
                               enterprise_id=enterprise.id, login_mode="card", qualification_types="CBEC_PLATFORM"))
    db.session.commit()
    make.login(client, user=make.user(enterprise, "ent_admin"))

    response = client.get(NEW_FILING)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = Elements(html)
    assert "disabled" in page.by_id["qt-IE"] and "已备案" in html
    assert "disabled" in page.by_id["qt-CBEC_PLATFORM"] and "申请中" in html
    assert "disabled" not in page.by_id["qt-CB"]
    assert "qt-DUAL" not in page.by_id
    uscc = page.by_id["sys-uscc"]
    assert uscc["value"] == enterprise.uscc and "readonly" in uscc and "name" not in uscc
    assert not any(name.startswith("enterprise.uscc") or name == "enterprise.org_code" for name in page.names)
    assert "sw-required" in page.by_id["f-enterprise-postal_code"]["class"]
    assert "sw-required" not in page.by_id["f-enterprise-fax"]["class"]
    assert "disabled" in page.by_id["f-enterprise-express_operator"]  # IE held, no CB: 否 and read-only
    assert "btn-proxy" not in page.by_id  # account logins cannot file for others (U-5)


def test_saving_a_bad_postal_code_shows_the_red_error_beside_it_Q_10(client, clerk):
    response = post_form(client, NEW_FILING, filing_body(enterprise=basic_info(postal_code="51800")), "save")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    postal = Elements(html).by_id["f-enterprise-postal_code"]
    assert "is-invalid" in postal["class"] and postal["value"] == "51800"
    beside = html[html.index('id="f-enterprise-postal_code"'):][:600]
    assert 'class="sw-error"' in beside and "Q-10" in beside
    assert summary_rules(html) == {"Q-10"}
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_submitting_an_incomplete_ie_filing_lists_Q_14_and_Q_18_and_keeps_the_draft(client, clerk):
    body = filing_body(management_personnel=[], declaration_personnel=[],
                       enterprise=basic_info(contact_name=""))
    response = post_form(client, NEW_FILING, body, "submit")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert {"Q-14", "Q-18", "Q-20"} <= summary_rules(html)
    draft = only_application()
    assert draft.status == "DRAFT"
    assert f'action="/q/applications/{draft.application_no}/edit"' in html
    assert "is-invalid" in Elements(html).by_id["f-enterprise-contact_name"]["class"]


def test_a_valid_filing_with_its_signed_info_table_submits_Q_18_Q_20(client, clerk):
    response = post_form(client, NEW_FILING, filing_body(), "submit",
                         **{"attachment_file.INFO_TABLE": (BytesIO(PDF_BYTES), "备案信息表.pdf")})
    application = only_application()
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/q/applications/{application.application_no}")
    assert application.status == "SUBMITTED"
    assert application.snapshot["enterprise"]["name_zh"] == "深圳市示例贸易有限公司"
    assert [a.kind for a in db.session.scalars(select(Attachment))] == ["INFO_TABLE"]
    assert len(application.snapshot["management_personnel"]) == 2


def test_submitted_application_is_read_only_and_a_post_is_refused_Q_20(client, clerk):
    post_form(client, NEW_FILING, filing_body(), "submit",
              **{"attachment_file.INFO_TABLE": (BytesIO(PDF_BYTES), "备案信息表.pdf")})
    number = only_application().application_no
    url = f"/q/applications/{number}/edit"
    html = client.get(url).get_data(as_text=True)
    page = Elements(html)
    assert "btn-save" not in page.by_id and "btn-delete" not in page.by_id
    assert "disabled" in page.by_id["f-enterprise-name_zh"]
    assert "申报成功的数据不可修改" in html
    response = post_form(client, url, filing_body(enterprise=basic_info(name_zh="改名")), "save")
    assert response.status_code == 409
    assert "Q-20" in response.get_data(as_text=True)
    assert only_application().data["name_zh"] == "深圳市示例贸易有限公司"


def test_a_form_post_without_csrf_token_is_refused(client, clerk):
    response = client.post(NEW_FILING, data={**form_fields(filing_body()), "action": "save"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_another_enterprises_application_is_not_found_A_2(client, make, clerk):
    other = make.enterprise()
    headers = make.token(client, user=make.user(other, "ent_admin"))
    number = client.post("/api/v1/applications", json=filing_body(), headers=headers).json["application_no"]
    for url in (f"/q/applications/{number}", f"/q/applications/{number}/edit", f"/q/applications/{number}/form.pdf"):
        assert client.get(url).status_code == 404, url
    response = post_form(client, NEW_FILING, filing_body(), "save")  # any page carries a token
    assert response.status_code == 302
    token = csrf_token(client, NEW_FILING)
    assert client.post(f"/q/applications/{number}/delete", data={"csrf_token": token}).status_code == 404


def test_users_without_module_q_permission_are_refused_U_3(client, make):
    enterprise = make.enterprise()
    make.login(client, user=make.user(enterprise, "ent_operator", perm_module_q=False))
    for url in ("/q/", NEW_FILING, "/q/applications", "/q/certificates"):
        response = client.get(url)
        assert response.status_code == 403 and "U-3" in response.get_data(as_text=True), url


def test_uploading_a_file_that_is_not_what_it_says_is_refused_Q_18(client, clerk):
    response = post_form(client, NEW_FILING, filing_body(), "upload",
                         **{"attachment_file.INFO_TABLE": (BytesIO(b"not a pdf at all"), "信息表.pdf")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_rules(html) == {"Q-18"}
    assert "信息表.pdf" in html
    assert only_application().status == "DRAFT"  # the typed data was saved before the upload was refused


def test_change_opens_with_the_filed_data_and_delete_resets_it_Q_24(client, make, clerk):
    make.qualification(clerk.enterprise, "IE")
    filed_name = clerk.enterprise.name_zh
    page = Elements(client.get("/q/changes/new").get_data(as_text=True))
    assert page.by_id["f-enterprise-name_zh"]["value"] == filed_name
    body = {"qualification_types": [], "enterprise": basic_info(name_zh="变更后的名称有限公司"),
            "management_personnel": [manager("CUSTOMS"), manager("FINANCE")]}
    assert post_form(client, "/q/changes/new", body, "save").status_code == 302
    change = only_application()
    assert change.application_type == "CHANGE" and change.data["name_zh"] == "变更后的名称有限公司"
    token = csrf_token(client, f"/q/applications/{change.application_no}/edit")
    response = client.post(f"/q/applications/{change.application_no}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/q/changes/new")
    page = Elements(client.get("/q/changes/new").get_data(as_text=True))
    assert page.by_id["f-enterprise-name_zh"]["value"] == filed_name


@pytest.mark.parametrize("action", ["submit", "save"])


def test_change_refused_by_Q_24_leaves_no_draft_behind(client, make, clerk, action):
    body = {"qualification_types": [], "enterprise": basic_info(name_zh="变更后的名称有限公司"),
            "management_personnel": [manager("CUSTOMS"), manager("FINANCE")]}
    response = post_form(client, "/q/changes/new", body, action)  # nothing filed: no change possible
    assert response.status_code == 422 and summary_rules(response.get_data(as_text=True)) == {"Q-24"}
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_cancellation_reason_99_needs_the_other_reason_Q_26(client, make, clerk):
    make.qualification(clerk.enterprise, "IE")
    url = "/q/cancellations/new"
    data = {"qualification_types": ["IE"], "cancellation.reason_code": "99", "action": "submit",
            "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_rules(html) == {"Q-26"}
    assert "is-invalid" in Elements(html).by_id["f-cancellation-other_reason"]["class"]
    number = only_application().application_no
    data.update({"cancellation.other_reason": "企业经营调整", "csrf_token": csrf_token(client, url)})
    assert client.post(f"/q/applications/{number}/edit", data=data).status_code == 302
    assert only_application().status == "SUBMITTED"


def test_certificate_can_be_requested_once_a_day_Q_28(client, make, clerk):
    make.qualification(clerk.enterprise, "IE")
    token = csrf_token(client, "/q/certificates")
    assert client.post("/q/certificates", data={"csrf_token": token}).status_code == 302
    again = client.post("/q/certificates", data={"csrf_token": token}, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert "Q-28" in html and "已申请，等待签发" in html


def test_application_query_pages_newest_first_Q_29(client, clerk):
    for _ in range(22):
        post_form(client, NEW_FILING, filing_body(), "save")
    db.session.expire_all()
    numbers = [a.application_no for a in db.session.scalars(select(Application).order_by(Application.id.desc()))]
    first = client.get("/q/applications?type=FILING").get_data(as_text=True)
    shown = re.findall(r'href="/q/applications/(\w{18})">\1<', first)
    assert shown == numbers[:20]
    next_url = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert re.findall(r'href="/q/applications/(\w{18})">\1<', second) == numbers[20:]
    assert 'id="next-page"' not in second
    bad = client.get("/q/applications?from=2026-13-01")
    assert bad.status_code == 200 and "Q-29" in bad.get_data(as_text=True)


def test_dashboard_and_filing_query_show_the_qualifications_Q_29_Q_30(client, make, clerk):
    from datetime import date
    make.qualification(clerk.enterprise, "IE", filed=date(2020, 1, 1), code="4403960001")
    html = client.get("/q/").get_data(as_text=True)
    assert "进出口货物收发货人" in html and "4403960001" in html and 'id="annual-report"' in html
    html = client.get("/q/filing").get_data(as_text=True)
    assert "进出口货物收发货人" in html and clerk.enterprise.uscc in html
    assert client.get(NEW_FILING + "?lang=en").status_code == 200  # the English switch renders the same pages


def test_extension_is_refused_before_its_window_and_submits_inside_it_Q_25(client, make, clerk):
    from datetime import date
    from portal import clock
    make.qualification(clerk.enterprise, "TEMP", filed=date(2026, 3, 31), valid_until=date(2027, 3, 31))
    url = "/q/extensions/new"
    with clock.frozen("2027-02-01T09:00:00"):
        html = client.get(url).get_data(as_text=True)
        assert "2027-03-01" in html and "2027-03-31" in html  # the window is shown
        refused = client.post(url, data={"action": "submit", "csrf_token": csrf_token(client, url)})
        assert refused.status_code == 422 and summary_rules(refused.get_data(as_text=True)) == {"Q-25"}
    number = only_application().application_no
    with clock.frozen("2027-03-15T09:00:00"):
        edit = f"/q/applications/{number}/edit"
        response = client.post(edit, data={"action": "submit", "csrf_token": csrf_token(client, edit)})
        assert response.status_code == 302
    assert only_application().status == "SUBMITTED" and only_application().types == ["TEMP"]


def test_receipt_failed_application_is_resubmitted_unchanged_Q_19(client, clerk):
    from portal.qualification import operations
    post_form(client, NEW_FILING, filing_body(), "submit",
              **{"attachment_file.INFO_TABLE": (BytesIO(PDF_BYTES), "备案信息表.pdf")})
    operations.fail_receipt(db.session, only_application(), "海关入库失败")
    db.session.commit()
    url = f"/q/applications/{only_application().application_no}/edit"
    page = Elements(client.get(url).get_data(as_text=True))
    assert "btn-save" not in page.by_id and page.by_id["btn-submit"]["value"] == "submit"
    assert post_form(client, url, filing_body(), "save").status_code == 409
    response = client.post(url, data={"action": "submit", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert only_application().status == "SUBMITTED"


def test_only_the_newest_issued_certificate_downloads_Q_28(client, make, clerk):
    from portal import clock
    from portal.models import Certificate
    from portal.qualification.certificates import issue_certificate
    make.qualification(clerk.enterprise, "IE", code="4403960001")
    for day in ("2026-05-01", "2026-05-02"):
        with clock.frozen(f"{day}T09:00:00"):
            token = csrf_token(client, "/q/certificates")
            assert client.post("/q/certificates", data={"csrf_token": token}).status_code == 302
            issue_certificate(db.session, db.session.scalars(select(Certificate).order_by(Certificate.id.desc())).first())
            db.session.commit()
    older, newer = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    response = client.get(f"/q/certificates/{newer.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/q/certificates/{older.id}.pdf").status_code == 410
    html = client.get("/q/certificates").get_data(as_text=True)
    assert html.count("已失效") == 1 and f"/q/certificates/{older.id}.pdf" not in html


def test_child_row_errors_are_shown_in_their_cell_Q_10(client, clerk):
    body = filing_body(management_personnel=[manager("CUSTOMS"), manager("FINANCE", mobile="12345")])
    response = post_form(client, NEW_FILING, body, "save")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    cell = Elements(html).by_id["f-management_personnel-1-mobile"]
    assert "is-invalid" in cell["class"] and cell["value"] == "12345"
    after = html[html.index('id="f-management_personnel-1-mobile"'):][:500]
    assert "Q-10" in after and "管理人员信息第2行" in after
    assert "is-invalid" not in Elements(html).by_id["f-management_personnel-0-mobile"]["class"]
