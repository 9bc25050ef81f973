"""Modify / revoke requests (修撤单): allowed statuses, one open per list, diffs, approval, revoke (C-16..C-18, C-22)."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.collection import change_requests, lists
from portal.extensions import db
from portal.models import AggregationRequest, ChangeRequest, ListHead
from scheduler.simulator import customs_tick
from tests.collection import builders_lists as b

CONTACT = {"reason": "数量录入错误", "contact": "张三", "phone": "13800138000"}


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now("2026-06-10T09:00:00")


def cleared(client, who, volume, items=None, **values) -> ListHead:
    """Create, declare, accept and clear a list (status 15)."""
    response = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, items, **values),
                           headers=who.headers)
    center_no = response.json["center_no"]
    declared = client.post(f"/api/v1/lists/{center_no}/declare", headers=who.headers)
    assert declared.status_code == 200, declared.get_data(as_text=True)
    head = db.session.scalars(select(ListHead).where(ListHead.center_no == center_no)).one()
    lists.accept_list(db.session, head)
    lists.clear_list(db.session, head)
    db.session.commit()
    return head


def ask(client, who, head, **body):
    return client.post(f"/api/v1/lists/{head.center_no}/change-requests", json={**CONTACT, **body},
                       headers=who.headers)


def declared_request(client, who, head, **body) -> int:
    created = ask(client, who, head, **body)
    assert created.status_code == 201, created.get_data(as_text=True)
    declared = client.post(f"/api/v1/change-requests/{created.json['id']}/declare", headers=who.headers)
    assert declared.status_code == 200 and declared.json["status"] == "DECLARED"
    return created.json["id"]


def test_c17_modify_request_on_cleared_list_records_diffs_and_applies_on_approval(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    created = ask(client, who, head, type="MODIFY", changes={"packages": 4, "items[0].qty": "12", "items[1].spec": "新"})
    assert created.status_code == 201 and created.json["status"] == "ENTERED"
    assert created.json["changes"] == [{"field": "packages", "old": 3, "new": 4},
                                       {"field": "items[0].qty", "old": "10", "new": "12"},
                                       {"field": "items[1].spec", "old": b.LAPTOP[3], "new": "新"}]
    request_id = created.json["id"]
    client.post(f"/api/v1/change-requests/{request_id}/declare", headers=who.headers)
    customs_tick(db.session, now="2026-06-10T09:05:00")
    answer = client.get(f"/api/v1/change-requests/{request_id}", headers=who.headers).json
    assert answer["status"] == "APPROVED"
    detail = client.get(f"/api/v1/lists/{head.center_no}", headers=who.headers).json
    assert (detail["status"], detail["packages"]) == (15, 4)
    assert (detail["items"][0]["qty"], detail["items"][0]["total"], detail["items"][1]["spec"]) == ("12", "30.00", "新")
    assert detail["open_change_request"] is None


def test_c17_modify_failing_the_recheck_is_rejected_and_changes_nothing(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    request_id = declared_request(client, who, head, type="MODIFY", changes={"net_weight": "500"})
    change = db.session.get(ChangeRequest, request_id)
    change_requests.approve_change_request(db.session, change)
    db.session.commit()
    answer = client.get(f"/api/v1/change-requests/{request_id}", headers=who.headers).json
    assert answer["status"] == "REJECTED" and "[C-11]" in answer["receipts"][-1]["message"]
    assert client.get(f"/api/v1/lists/{head.center_no}", headers=who.headers).json["net_weight"] == "100"
    assert ask(client, who, head, type="REVOKE").status_code == 201  # the list is free for a new request


def test_c17_rejection_changes_nothing(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    request_id = declared_request(client, who, head, type="MODIFY", changes={"packages": 9})
    change_requests.reject_change_request(db.session, db.session.get(ChangeRequest, request_id), "不同意")
    db.session.commit()
    assert client.get(f"/api/v1/lists/{head.center_no}", headers=who.headers).json["packages"] == 3
    assert db.session.get(ChangeRequest, request_id).open_marker is None


def test_c17_revoke_moves_list_to_16_and_frees_its_licence_quantity(make, client):
    who, _filing, volume = b.ready(make, client)
    b.licence(who.enterprise, quantity="100")
    head = cleared(client, who, volume, [b.item(3, qty="80")], license_no="4:LIC-1")
    waiting = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, [b.item(3, qty="50")],
                                                       license_no="4:LIC-1"), headers=who.headers).json["center_no"]
    refused = client.post(f"/api/v1/lists/{waiting}/declare", headers=who.headers)
    assert {v["rule"] for v in refused.json["error"]["violations"]} == {"C-12"}
    declared_request(client, who, head, type="REVOKE")
    customs_tick(db.session, now="2026-06-10T09:05:00")
    assert client.get(f"/api/v1/lists/{head.center_no}", headers=who.headers).json["status"] == 16
    assert client.post(f"/api/v1/lists/{waiting}/declare", headers=who.headers).status_code == 200


def test_c22_revoking_a_list_pending_aggregation_takes_it_out_of_the_aggregation(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    aggregation = AggregationRequest(enterprise_id=who.enterprise.id, requested_at=datetime(2026, 6, 10, 9), year=2026)
    db.session.add(aggregation)
    db.session.flush()
    db.session.execute(update(ListHead).where(ListHead.id == head.id).values(status=12, aggregation_id=aggregation.id))
    db.session.commit()
    request_id = declared_request(client, who, head, type="REVOKE")
    change_requests.approve_change_request(db.session, db.session.get(ChangeRequest, request_id))
    db.session.commit()
    db.session.refresh(head)
    assert (head.status, head.aggregation_id) == (16, None)


def test_c16_only_lists_in_7_9_to_12_or_15_and_one_open_request(make, client):
    who, _filing, volume = b.ready(make, client)
    draft = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no), headers=who.headers).json
    draft_head = db.session.scalars(select(ListHead).where(ListHead.center_no == draft["center_no"])).one()
    refused = ask(client, who, draft_head, type="REVOKE")
    assert refused.status_code == 409 and refused.json["error"]["violations"][0]["rule"] == "C-16"
    head = cleared(client, who, volume)
    assert ask(client, who, head, type="REVOKE").status_code == 201
    second = ask(client, who, head, type="MODIFY", changes={"packages": 5})
    assert second.status_code == 409
    assert [(v["rule"], v["field"]) for v in second.json["error"]["violations"]] == [("C-16", "list")]


def test_c16_the_database_keeps_one_open_request_per_list(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    for _ in range(2):
        db.session.add(ChangeRequest(list_id=head.id, enterprise_id=head.enterprise_id, request_type="REVOKE",
                                     reason="r", contact="c", phone="13800138000", open_marker=head.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_c17_reason_contact_phone_and_modifiable_fields_are_checked(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    response = client.post(f"/api/v1/lists/{head.center_no}/change-requests",
                           json={"type": "MODIFY", "phone": "12",
                                 "changes": {"customs_code": "5100", "items[5].qty": "1", "items[0].qty": "abc",
                                             "items[0].hs_code": "1"}},
                           headers=who.headers)
    assert response.status_code == 422
    assert {(v["rule"], v["field"]) for v in response.json["error"]["violations"]} == {
        ("C-17", "reason"), ("C-17", "contact"), ("C-17", "phone"), ("C-17", "changes.customs_code"),
        ("C-17", "changes.items[5].qty"), ("C-11", "changes.items[0].qty"), ("C-17", "changes.items[0].hs_code")}
    same = ask(client, who, head, type="MODIFY", changes={"packages": 3})
    assert same.status_code == 422 and same.json["error"]["violations"][0]["field"] == "changes"


def test_c18_request_query_needs_the_type_and_filters_the_rest(make, client):
    who, _filing, volume = b.ready(make, client)
    first, second = cleared(client, who, volume), cleared(client, who, volume)
    declared_request(client, who, first, type="REVOKE")
    ask(client, who, second, type="MODIFY", changes={"packages": 8})
    missing = client.get("/api/v1/change-requests", headers=who.headers)
    assert missing.status_code == 422 and missing.json["error"]["violations"][0]["rule"] == "C-18"
    revokes = client.get("/api/v1/change-requests?type=REVOKE", headers=who.headers).json["items"]
    assert [r["list_no"] for r in revokes] == [first.center_no]
    by_list = client.get(f"/api/v1/change-requests?type=MODIFY&list_no={second.center_no}&status=ENTERED"
                         "&from=2026-06-10&to=2026-06-10", headers=who.headers).json["items"]
    assert [r["changes"] for r in by_list] == [[{"field": "packages", "old": 3, "new": 8}]]
    none = client.get("/api/v1/change-requests?type=MODIFY&status=DECLARED", headers=who.headers).json
    assert none == {"items": [], "next": None}


def test_u5_and_tenancy_for_change_requests(make, client):
    who, _filing, volume = b.ready(make, client)
    head = cleared(client, who, volume)
    request_id = ask(client, who, head, type="REVOKE").json["id"]
    account = make.token(client, user=who.user)
    assert client.get("/api/v1/change-requests?type=REVOKE", headers=account).status_code == 403
    assert ask(client, SimpleNamespace(headers=account), head, type="REVOKE").status_code == 403
    stranger = b.trader(make, client)
    assert client.get(f"/api/v1/change-requests/{request_id}", headers=stranger.headers).status_code == 404
    assert client.post(f"/api/v1/change-requests/{request_id}/declare", headers=stranger.headers).status_code == 404
    assert ask(client, stranger, head, type="REVOKE").status_code == 404
