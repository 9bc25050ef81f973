"""更正（须填写原因）: staff correction of a final list in the admin (issue 12, C-17, C-22, X-3).

On a list already aggregated (13) a correction that would change a C-21 grouping or merge key, or a summed
quantity or amount, is refused with C-22 (use a modify/revoke request); one that touches no key is applied.
The C-22 invariant (every aggregated item mapped once, keys and sums agree) holds after both."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import clock
from portal.collection import aggregation
from portal.extensions import db
from portal.models import AuditLog, ListHead, ListItem
from tests.collection import builders_aggregation as b
from tests.collection import builders_lists as lb
from tests.collection.test_change_requests import cleared
from tests.factories import csrf_token


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now("2026-06-10T09:00:00")


@pytest.fixture
def cleared_list(make, client):
    """A trader with an approved filing and volume, and one of its lists cleared (15) by the list operations."""
    who, _filing, volume = lb.ready(make, client)
    return who, volume, cleared(client, who, volume)


@pytest.fixture
def aggregated(client, cleared_list):
    """The cleared list and another one aggregated (13) into declarations."""
    who, volume, head = cleared_list
    other = cleared(client, who, volume, items=[lb.item(1, qty="4")])
    answer = client.post("/api/v1/aggregations", headers=who.headers,
                         json={"list_nos": [head.center_no, other.center_no], "agent_code": None})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()
    assert b.status_of(head) == 13
    b.check_invariants()
    return who, head


def _staff(client, make):
    make.login(client, user=make.user(None, role="staff"))
    return csrf_token(client, "/admin/")


def _item(head, seq=1):
    return db.session.scalars(select(ListItem).where(ListItem.list_id == head.id, ListItem.seq == seq)).one()


def _form(client, url):
    from tests.admin_forms import form_values
    return form_values(client.get(url).get_data(as_text=True))


def test_c22_correcting_the_spec_of_an_item_of_an_aggregated_list_is_refused(client, make, aggregated):
    who, head = aggregated
    before = b.snapshot(who.enterprise)
    _staff(client, make)
    item = _item(head)
    url = f"/admin/list_items/correct/?id={item.id}"
    response = client.post(url, data={**_form(client, url), "spec": "品名:冻鱼|规格:切片", "reason": "申报要素有误"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "C-22" in html and "修撤单" in html
    b.check_invariants()
    assert b.snapshot(who.enterprise) == before and _item(head).spec == lb.FISH[3]


def test_c22_correcting_a_grouping_key_of_an_aggregated_list_is_refused(client, make, aggregated):
    who, head = aggregated
    before = b.snapshot(who.enterprise)
    _staff(client, make)
    url = f"/admin/list_heads/correct/?id={head.id}"
    response = client.post(url, data={**_form(client, url), "transport_mode": "5", "reason": "运输方式有误"})
    assert response.status_code == 409 and "C-22" in response.get_data(as_text=True)
    b.check_invariants()
    assert b.snapshot(who.enterprise) == before


def test_c22_correcting_a_field_outside_the_keys_is_applied_audited_and_keeps_the_mapping(client, make, aggregated):
    who, head = aggregated
    before = b.snapshot(who.enterprise)
    _staff(client, make)
    url = f"/admin/list_heads/correct/?id={head.id}"
    assert "更正（须填写原因）" in client.get(f"/admin/list_heads/details/?id={head.id}").get_data(as_text=True)
    response = client.post(url, data={**_form(client, url), "packages": "4", "reason": "件数录入错误"})
    assert response.status_code == 302, re.findall(r"alert[^>]*>([^<]*)<|d-block\">([^<]+)<", response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(ListHead, head.id).packages == 4
    b.check_invariants()
    assert b.snapshot(who.enterprise) == before
    row = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "list_heads",
                                                    AuditLog.record_id == head.id).order_by(AuditLog.id.desc())).first()
    assert row.diff["packages"] == [3, 4] and row.diff["reason"] == [None, "件数录入错误"]


def test_s3_a_correction_needs_a_reason(client, make, aggregated):
    _who, head = aggregated
    _staff(client, make)
    url = f"/admin/list_heads/correct/?id={head.id}"
    response = client.post(url, data={**_form(client, url), "packages": "4", "reason": " "})
    assert response.status_code == 422 and "S-3" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ListHead, head.id).packages == 3


def test_c10_correcting_the_spec_of_a_cleared_list_item_is_applied_with_an_audit_row(client, make, cleared_list):
    _who, _volume, head = cleared_list
    _staff(client, make)
    item = _item(head)
    url = f"/admin/list_items/correct/?id={item.id}"
    response = client.post(url, data={**_form(client, url), "spec": "品名:冻鱼|规格:整条|产地:澳洲", "reason": "重新归类"})
    assert response.status_code == 302, re.findall(r"alert[^>]*>([^<]*)<|d-block\">([^<]+)<", response.get_data(as_text=True))
    db.session.expire_all()
    assert _item(head).spec == "品名:冻鱼|规格:整条|产地:澳洲"
    row = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "list_items",
                                                    AuditLog.record_id == item.id)).one()
    assert row.diff == {"spec": [lb.FISH[3], "品名:冻鱼|规格:整条|产地:澳洲"], "reason": [None, "重新归类"]}
    b.check_invariants()


def test_c14_a_draft_list_is_not_corrected_but_edited(client, make):
    head = b.cleared_list(b.party(make).enterprise, [b.item()], status=1)
    _staff(client, make)
    url = f"/admin/list_heads/correct/?id={head.id}"
    response = client.post(url, data={**_form(client, url), "vessel_name": "X", "reason": "原因"})
    assert response.status_code == 409 and "C-14" in response.get_data(as_text=True)


def test_correction_without_csrf_token_is_refused(client, make, cleared_list):
    _who, _volume, head = cleared_list
    _staff(client, make)
    response = client.post(f"/admin/list_heads/correct/?id={head.id}", data={"vessel_name": "X", "reason": "原因"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ListHead, head.id).vessel_name != "X"
