"""Admin forms run the register's rules and answer violations next to the field, with rule id (X-4, Q-9, Q-10)."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from tests.admin_forms import field_errors, form_values


def _staff(client, make):
    make.login(client, user=make.user(None, role="staff"))


def _row(model, record_id):
    table = model.__table__
    return db.session.execute(select(table).where(table.c.id == record_id)).one()


def test_q9_q10_admin_enterprise_edit_answers_region_postal_code_and_mobile_next_to_fields(client, make):
    from portal.models import Enterprise
    enterprise = make.enterprise(postal_code="518000", contact_mobile="13800138000")
    before = _row(Enterprise, enterprise.id)
    _staff(client, make)
    url = f"/admin/enterprises/edit/?id={enterprise.id}"
    data = {**form_values(client.get(url).get_data(as_text=True)), "region_code": "999999", "postal_code": "abc",
            "contact_mobile": "12"}
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "999999" in field_errors(html, "region_code") and "Q-9" in field_errors(html, "region_code")
    assert "邮政编码" in field_errors(html, "postal_code") and "Q-10" in field_errors(html, "postal_code")
    assert "Q-10" in field_errors(html, "contact_mobile")
    assert field_errors(html, "name_zh") == ""
    db.session.expire_all()
    assert _row(Enterprise, enterprise.id) == before


def test_q9_admin_enterprise_region_must_be_a_district_and_customs_serve_it(client, make):
    enterprise = make.enterprise()
    _staff(client, make)
    url = f"/admin/enterprises/edit/?id={enterprise.id}"
    data = {**form_values(client.get(url).get_data(as_text=True)), "region_code": "440000", "customs_code": "0100"}
    html = client.post(url, data=data).get_data(as_text=True)
    assert "第三级" in field_errors(html, "region_code")
    data["region_code"] = "440304"
    html = client.post(url, data=data).get_data(as_text=True)
    assert "不匹配" in field_errors(html, "customs_code") and "Q-9" in field_errors(html, "customs_code")


def test_admin_enterprise_edit_with_valid_values_is_saved(client, make):
    from portal.models import Enterprise
    enterprise = make.enterprise()
    _staff(client, make)
    url = f"/admin/enterprises/edit/?id={enterprise.id}"
    data = {**form_values(client.get(url).get_data(as_text=True)), "postal_code": "518001",
            "contact_mobile": "13900139000", "region_code": "440305"}
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Enterprise, enterprise.id)
    assert (saved.postal_code, saved.contact_mobile, saved.region_code) == ("518001", "13900139000", "440305")


def test_q9_code_fields_are_searchable_selects_over_their_code_table(client, make):
    enterprise = make.enterprise()
    _staff(client, make)
    html = client.get(f"/admin/enterprises/edit/?id={enterprise.id}").get_data(as_text=True)
    for name, table in [("region_code", "regions"), ("customs_code", "customs"), ("industry_code", "industries"),
                        ("legal_rep_nationality", "countries"), ("legal_rep_id_type", "id_types")]:
        assert re.search(rf'<select class="[^"]*sw-search"[^>]*data-code-table="{table}"[^>]*name="{name}"', html), name
    assert re.search(r'<option data-pinyin="ftq" selected value="440304">440304 福田区', html)
    assert "sw-search" in html and "js/portal.js" in html
