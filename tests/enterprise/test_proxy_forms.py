"""Filing and changing for another enterprise (代理, Q-23, Q-24) through the enterprise forms; account logins refused (U-5)."""
from __future__ import annotations


from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Application
from tests.enterprise.form_helpers import NEW_FILING, Elements, only_application, post_form, summary_rules
from tests.qualification.conftest import basic_info, filing_body, manager

def test_account_login_cannot_open_the_proxy_filing_U_5_Q_23(client, clerk):
    response = client.get(NEW_FILING + "?proxy=1")
    assert response.status_code == 403
    assert "U-5" in response.get_data(as_text=True)


def test_card_login_files_for_another_enterprise_Q_23(client, make):
    from rules.identifiers import make_uscc
    enterprise = make.enterprise()
    make.login(client, card=make.card(make.user(enterprise, "ent_admin")))
    assert 'id="btn-proxy"' in client.get(NEW_FILING).get_data(as_text=True)
    target = make_uscc("91440300", 77)
    url = NEW_FILING + "?proxy=1"
    refused = post_form(client, url, filing_body(), "save", target_uscc=target, commitment_shown="1")
    assert refused.status_code == 422 and summary_rules(refused.get_data(as_text=True)) == {"Q-23"}
    saved = post_form(client, url, filing_body(), "save", target_uscc=target, commitment_shown="1", commitment="1")
    assert saved.status_code == 302
    application = only_application()
    assert application.enterprise.uscc == target and application.acting_enterprise_id == enterprise.id


def test_card_login_changes_another_enterprises_filing_from_its_filed_data_Q_23_Q_24(client, make):
    enterprise = make.enterprise()
    make.login(client, card=make.card(make.user(enterprise, "ent_admin")))
    target = make.enterprise("代理对象贸易有限公司")
    make.qualification(target, "IE")
    changes = client.get("/q/changes").get_data(as_text=True)
    assert 'id="btn-proxy-change"' in changes  # offered to card logins

    url = f"/q/changes/new?proxy=1&target_uscc={target.uscc}"
    page = Elements(client.get(url).get_data(as_text=True))
    assert page.by_id["f-enterprise-name_zh"]["value"] == "代理对象贸易有限公司"  # the target's filed data
    assert page.names["target_uscc"][0]["value"] == target.uscc

    body = {"qualification_types": [], "enterprise": basic_info(name_zh="代理变更后名称有限公司"),
            "management_personnel": [manager("CUSTOMS"), manager("FINANCE")]}
    refused = post_form(client, url, body, "save", target_uscc=target.uscc, commitment_shown="1")
    assert refused.status_code == 422 and summary_rules(refused.get_data(as_text=True)) == {"Q-23"}  # no commitment
    saved = post_form(client, url, body, "save", target_uscc=target.uscc, commitment_shown="1", commitment="1")
    assert saved.status_code == 302
    change = only_application()
    assert (change.application_type, change.enterprise_id, change.acting_enterprise_id) == \
        ("CHANGE", target.id, enterprise.id)
    assert change.data["name_zh"] == "代理变更后名称有限公司"
    edit = client.get(f"/q/applications/{change.application_no}/edit").get_data(as_text=True)
    assert "为其他主体办理变更" in edit and target.uscc in edit


def test_proxy_change_refuses_a_target_without_a_valid_qualification_Q_24(client, make):
    from rules.identifiers import make_uscc
    enterprise = make.enterprise()
    make.qualification(enterprise, "IE")
    make.login(client, card=make.card(make.user(enterprise, "ent_admin")))
    unfiled = make.enterprise("未备案企业有限公司")

    for uscc, rule in ((unfiled.uscc, "Q-24"), (make_uscc("91440300", 991), "Q-24"), ("123", "Q-7"),
                       (enterprise.uscc, "Q-23"), ("", "Q-23")):
        response = client.get(f"/q/changes/new?proxy=1&target_uscc={uscc}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, uscc
        section = html[html.index('id="proxy-change"'):]
        assert f'badge-danger">{rule}<' in section, (uscc, rule)
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_account_login_cannot_open_a_proxy_change_U_5_Q_23(client, make, clerk):
    target = make.enterprise()
    make.qualification(target, "IE")
    make.qualification(clerk.enterprise, "IE")
    assert 'id="btn-proxy-change"' not in client.get("/q/changes").get_data(as_text=True)
    response = client.get(f"/q/changes/new?proxy=1&target_uscc={target.uscc}")
    assert response.status_code == 403 and "U-5" in response.get_data(as_text=True)
