"""The admin obeys Q-23 like the pages and the API: a proxy's enterprise user who opens its application in
/admin/applications/ (details or export) never sees the target's filed personal identifiers in full."""
from __future__ import annotations

from portal.extensions import db
from portal.models import Application
from portal.qualification.records import application_snapshot
from rules.masking import mask_value
from tests.security.test_proxy_masking import (DECLARANT_ID, LEGAL_MASKED, LEGAL_REP_ID, MANAGER_ID,  # noqa: F401
                                                target)


def _proxy_application(client, make, target):  # noqa: F811
    user = make.user(make.enterprise("代理企业有限公司"), "ent_admin")
    headers = make.token(client, card=make.card(user))
    response = client.post("/api/v1/applications", headers=headers,
                           json={"type": "CHANGE", "target_uscc": target.uscc, "commitment": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    application = db.session.query(Application).filter_by(application_no=response.json["application_no"]).one()
    application.snapshot = application_snapshot(db.session, application)  # as a submit keeps it
    db.session.commit()
    assert LEGAL_REP_ID in str(application.data) and LEGAL_REP_ID in str(application.snapshot)
    return user, application


def test_admin_details_show_a_proxy_the_target_id_masked_Q_23(client, make, target):  # noqa: F811
    user, application = _proxy_application(client, make, target)
    make.login(client, user=user)
    response = client.get(f"/admin/applications/details/?id={application.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and application.application_no in html
    assert LEGAL_REP_ID not in html and LEGAL_MASKED in html


def test_admin_details_sections_show_a_proxy_the_personnel_ids_masked_Q_23_S_3(client, make, target):  # noqa: F811
    user, application = _proxy_application(client, make, target)
    make.login(client, user=user)
    html = client.get(f"/admin/applications/details/?id={application.id}").get_data(as_text=True)
    managers = html[html.index('id="record-management_personnel"'):html.index('id="record-investors"')]
    declarants = html[html.index('id="record-declaration_personnel"'):html.index('id="record-external_licenses"')]
    assert mask_value("id_no", MANAGER_ID) in managers and "139****6666" in managers
    assert mask_value("id_no", DECLARANT_ID) in declarants and "150****8888" in declarants
    assert MANAGER_ID not in html and DECLARANT_ID not in html and "13955556666" not in html


def test_admin_export_leaves_out_the_target_id_for_a_proxy_Q_23(client, make, target):  # noqa: F811
    user, application = _proxy_application(client, make, target)
    make.login(client, user=user)
    response = client.get("/admin/applications/export/csv/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and application.application_no in body
    assert LEGAL_REP_ID not in body


def test_staff_still_see_and_export_the_whole_application_Q_23(client, make, target):  # noqa: F811
    _user, application = _proxy_application(client, make, target)
    make.login(client, user=make.user(None, role="staff"))
    details = client.get(f"/admin/applications/details/?id={application.id}").get_data(as_text=True)
    assert LEGAL_REP_ID in details and MANAGER_ID in details and DECLARANT_ID in details
    assert LEGAL_REP_ID in client.get("/admin/applications/export/csv/").get_data(as_text=True)

