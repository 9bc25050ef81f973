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


def _draft_list(make):
    from tests.collection import builders_aggregation as b
    who = b.party(make)
    return b.cleared_list(who.enterprise, [b.item(qty="2", price="3")], status=1)


def test_c11_admin_edit_of_a_draft_list_goes_through_the_save_checks_next_to_the_field(client, make):
    from portal.models import ListHead
    head = _draft_list(make)
    before = _row(ListHead, head.id)
    _staff(client, make)
    url = f"/admin/list_heads/edit/?id={head.id}"
    form = form_values(client.get(url).get_data(as_text=True))
    html = client.post(url, data={**form, "gross_weight": "12.34567", "packages": "-1"}).get_data(as_text=True)
    assert "最多 4 位小数" in field_errors(html, "gross_weight") and "C-11" in field_errors(html, "gross_weight")
    assert "C-11" in field_errors(html, "packages")
    html = client.post(url, data={**form, "transport_mode": "Q"}).get_data(as_text=True)
    assert "不在参数表中" in field_errors(html, "transport_mode") and "C-11" in field_errors(html, "transport_mode")
    db.session.expire_all()
    assert _row(ListHead, head.id) == before


def test_c14_admin_edit_of_a_draft_list_is_saved_by_the_list_operation(client, make):
    from portal.models import AuditLog, ListHead
    head = _draft_list(make)
    _staff(client, make)
    url = f"/admin/list_heads/edit/?id={head.id}"
    form = form_values(client.get(url).get_data(as_text=True))
    response = client.post(url, data={**form, "transport_mode": "5", "gross_weight": "20", "net_weight": "10"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ListHead, head.id)
    assert (saved.transport_mode, saved.gross_weight, saved.status) == ("5", 20, 1)
    (row,) = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "list_heads",
                                                      AuditLog.record_id == head.id))
    assert row.diff["transport_mode"] == ["4", "5"] and row.username.startswith("user")


def test_c10_admin_reclassifies_the_spec_of_an_item_of_a_draft_list_with_an_audit_row(client, make):
    from portal.models import AuditLog, ListItem
    head = _draft_list(make)
    item = db.session.scalar(select(ListItem).where(ListItem.list_id == head.id))
    _staff(client, make)
    url = f"/admin/list_items/edit/?id={item.id}"
    form = form_values(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**form, "spec": "品名:冻鱼|规格:整条"}).status_code == 302
    html = client.post(url, data={**form, "spec": "长" * 501}).get_data(as_text=True)
    assert "C-10" in field_errors(html, "spec")
    db.session.expire_all()
    assert db.session.get(ListItem, item.id).spec == "品名:冻鱼|规格:整条"
    (row,) = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "list_items"))
    assert row.diff == {"spec": ["品名:冻鱼", "品名:冻鱼|规格:整条"]} and row.record_id == item.id


def _person(make, application_status: str | None):
    from portal.models import Application, ManagementPerson
    from tests.admin_rows import make_row
    enterprise = make.enterprise()
    application = make_row(Application.__table__, status=application_status, enterprise_id=enterprise.id) \
        if application_status else None
    return make_row(ManagementPerson.__table__, enterprise_id=enterprise.id, application_id=application,
                    person_type="CUSTOMS", name="张三", id_type="PASSPORT", id_no="E12345678", nationality="CHN",
                    mobile="13800138000")


def test_q10_q14_admin_edit_of_a_section_row_of_a_draft_application_runs_the_row_rules(client, make):
    from portal.models import ManagementPerson
    person = _person(make, "DRAFT")
    _staff(client, make)
    url = f"/admin/management_personnel/edit/?id={person}"
    form = form_values(client.get(url).get_data(as_text=True))
    html = client.post(url, data={**form, "mobile": "12", "nationality": "XXX"}).get_data(as_text=True)
    assert "Q-10" in field_errors(html, "mobile") and "Q-14" in field_errors(html, "nationality")
    assert client.post(url, data={**form, "mobile": "13900139000"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ManagementPerson, person).mobile == "13900139000"


def test_q24_filed_section_rows_change_only_through_a_change_application(client, make):
    person = _person(make, None)
    _staff(client, make)
    response = client.get(f"/admin/management_personnel/edit/?id={person}")
    assert response.status_code == 409 and "Q-24" in response.get_data(as_text=True)


def test_c2_admin_edit_of_an_entered_filing_goes_through_the_filing_save(client, make):
    from portal.models import CollectionFiling
    from tests.collection.builders_lists import filing, trader
    owner = trader(make, client)
    row = filing(owner.enterprise, status="ENTERED")
    _staff(client, make)
    url = f"/admin/collection_filings/edit/?id={row.id}"
    form = form_values(client.get(url).get_data(as_text=True))
    html = client.post(url, data={**form, "ie_batches": "-3", "guarantee_amount": "0"}).get_data(as_text=True)
    assert "C-2" in field_errors(html, "ie_batches") and "C-2" in field_errors(html, "guarantee_amount")
    assert client.post(url, data={**form, "ie_batches": "12"}).status_code == 302
    db.session.expire_all()
    saved = db.session.get(CollectionFiling, row.id)
    assert (saved.ie_batches, saved.status, saved.enterprise_name) == (12, "ENTERED", owner.enterprise.name_zh)


def test_q11_admin_enterprise_edit_checks_the_parent_unit_like_the_filing_form(client, make):
    """A branch (IE_BRANCH held): parent required, not itself, holding a valid IE; a non-branch has none."""
    from portal.models import Enterprise
    branch = make.enterprise(name="分支机构有限公司")
    make.qualification(branch, "IE_BRANCH")
    head_without_ie = make.enterprise(name="无资质总部有限公司")
    head = make.enterprise(name="总部有限公司")
    make.qualification(head, "IE")
    before = _row(Enterprise, branch.id)
    _staff(client, make)
    url = f"/admin/enterprises/edit/?id={branch.id}"
    data = {**form_values(client.get(url).get_data(as_text=True)), "parent_code": "", "parent_name": ""}
    html = client.post(url, data=data).get_data(as_text=True)
    assert "Q-11" in field_errors(html, "parent_code") and "Q-11" in field_errors(html, "parent_name")
    for code, words in ((branch.uscc, "本企业"), (head_without_ie.uscc, "无有效的")):
        data.update(parent_code=code, parent_name="某单位")
        html = client.post(url, data=data).get_data(as_text=True)
        assert words in field_errors(html, "parent_code") and "Q-11" in field_errors(html, "parent_code")
    db.session.expire_all()
    assert _row(Enterprise, branch.id) == before
    data.update(parent_code=head.uscc, parent_name=head.name_zh)
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, branch.id).parent_code == head.uscc
    # A unit without a branch qualification has no parent unit.
    url = f"/admin/enterprises/edit/?id={head.id}"
    data = {**form_values(client.get(url).get_data(as_text=True)), "parent_code": branch.uscc, "parent_name": "x"}
    html = client.post(url, data=data).get_data(as_text=True)
    assert "非分支机构" in field_errors(html, "parent_code")
