"""Staff decide module C records by hand in the admin, through the same operations (S-3)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import numbering
from portal.extensions import db
from portal.models import (AggregationRequest, ChangeRequest, CollectionFiling, Declaration, FilingRequest, ListHead,
                           ListItem, ProductVolume, Receipt)
from tests.collection import builders_aggregation as agg
from tests.collection import builders_lists as lb
from tests.factories import csrf_token

PAGE = "/admin/collection-review/"


@pytest.fixture
def enterprise(make):
    ent = make.enterprise(registration_code="4403990001")
    make.qualification(ent, "IE")
    return ent


@pytest.fixture
def staff(client, make):
    make.login(client, user=make.user(None, role="staff"))
    return csrf_token(client, "/admin/")


def decide(client, token, register, record_id, action, opinion="", status=None, confirmed=True):
    """POST one decision (confirmed, as from the confirmation step) and return the page it lands on."""
    url = f"{PAGE}{register}/{record_id}/decide" + (f"?status={status}" if status else "")
    data = {"action": action, "opinion": opinion, "csrf_token": token}
    return client.post(url, data={**data, "confirmed": "1"} if confirmed else data, follow_redirects=True)


def receipts(table, record_id):
    return db.session.scalars(select(Receipt).where(Receipt.record_type == table, Receipt.record_id == record_id)
                              .order_by(Receipt.id)).all()


def fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def modify_request(head, qty="20") -> ChangeRequest:
    request = ChangeRequest(list_id=head.id, enterprise_id=head.enterprise_id, request_type="MODIFY",
                            status="DECLARED", changes=[{"field": "items[0].qty", "old": "10", "new": qty}],
                            reason="数量录错", contact="张三", phone="13800000000", open_marker=head.id)
    db.session.add(request)
    db.session.commit()
    return request


def test_staff_approves_declared_filing_by_hand_with_staff_receipt_s3(client, staff, enterprise):
    filing = lb.filing(enterprise, status="DECLARED")
    waiting = lb.volume(filing, status="WAITING")
    page = client.get(PAGE + "?register=filings").get_data(as_text=True)
    assert filing.center_no in page and 'value="approve_filing"' in page and 'value="cancel_filing"' not in page
    landed = decide(client, staff, "filings", filing.id, "approve_filing", "同意备案")
    assert landed.status_code == 200 and "海关审批通过" in landed.get_data(as_text=True)
    approved = fresh(CollectionFiling, filing.id)
    assert approved.status == "APPROVED" and approved.approval_valid_until is not None
    (receipt,) = receipts("collection_filings", filing.id)
    assert (receipt.source, receipt.from_status, receipt.to_status, receipt.message) == \
        ("staff", "DECLARED", "APPROVED", "同意备案")
    assert fresh(ProductVolume, waiting.id).status == "DECLARED"  # C-5: the waiting volume is sent


def test_staff_cancels_an_approved_filing_c3(client, staff, enterprise):
    filing = lb.filing(enterprise)
    volume = lb.volume(filing)
    assert 'value="cancel_filing"' in client.get(PAGE + "?register=filings").get_data(as_text=True)
    decide(client, staff, "filings", filing.id, "cancel_filing", "企业申请取消")
    assert fresh(CollectionFiling, filing.id).status == "CANCELLED"
    assert fresh(ProductVolume, volume.id).status == "CANCELLED"
    assert [r.source for r in receipts("collection_filings", filing.id)] == ["staff"]


def test_staff_accepts_then_clears_a_list_by_hand_2_7_15_s3(client, staff, enterprise):
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    assert head.center_no in client.get(PAGE + "?register=lists").get_data(as_text=True)
    decide(client, staff, "lists", head.id, "accept_list")
    assert fresh(ListHead, head.id).status == 7
    decide(client, staff, "lists", head.id, "clear_list")
    assert fresh(ListHead, head.id).status == 15
    assert [(r.from_status, r.to_status, r.source) for r in receipts("list_heads", head.id)] == \
        [("2", "7", "staff"), ("7", "15", "staff")]


def test_staff_rejects_a_modify_request_and_the_list_is_unchanged_c17(client, staff, enterprise):
    head = agg.cleared_list(enterprise, [agg.item(qty="10")], status=7)
    request = modify_request(head)
    page = client.get(PAGE + "?register=change_requests").get_data(as_text=True)
    assert head.center_no in page and "items[0].qty" in page
    decide(client, staff, "change_requests", request.id, "reject_change_request", "修改理由不充分")
    decided = fresh(ChangeRequest, request.id)
    assert decided.status == "REJECTED" and decided.open_marker is None
    assert fresh(ListHead, head.id).status == 7
    item = db.session.scalar(select(ListItem).where(ListItem.list_id == head.id))
    assert item.qty == Decimal("10")
    (receipt,) = receipts("change_requests", request.id)
    assert (receipt.source, receipt.message) == ("staff", "修改理由不充分")


def test_refusal_without_opinion_is_refused_s3(client, staff, enterprise):
    head = agg.cleared_list(enterprise, [agg.item()], status=7)
    request = modify_request(head)
    landed = decide(client, staff, "change_requests", request.id, "reject_change_request", "  ")
    assert "S-3" in landed.get_data(as_text=True)
    assert fresh(ChangeRequest, request.id).status == "DECLARED"
    assert receipts("change_requests", request.id) == []


@pytest.mark.parametrize("register, build, action, rule", [
    ("lists", lambda ent: agg.cleared_list(ent, [agg.item()], status=2), "clear_list", "C-14"),
    ("filings", lambda ent: lb.filing(ent, status="DECLARED"), "cancel_filing", "C-3"),
    ("filings", lambda ent: lb.filing(ent, status="APPROVED"), "refuse_filing", "C-3"),
])
def test_action_not_allowed_in_status_is_flashed_with_rule_id(client, staff, enterprise, register, build, action,
                                                              rule):
    record = build(enterprise)
    before = record.status
    landed = decide(client, staff, register, record.id, action, "意见")
    assert landed.status_code == 200 and f"[{rule}]" in landed.get_data(as_text=True)
    assert fresh(type(record), record.id).status == before
    assert receipts(type(record).__tablename__, record.id) == []


def test_auditor_sees_the_screen_but_every_post_is_403(client, make, enterprise):
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    make.login(client, user=make.user(None, role="auditor"))
    token = csrf_token(client, "/admin/")
    page = client.get(PAGE + "?register=lists")
    assert page.status_code == 200 and head.center_no in page.get_data(as_text=True)
    assert "/decide" not in page.get_data(as_text=True)
    response = client.post(f"{PAGE}lists/{head.id}/decide", data={"action": "accept_list", "csrf_token": token})
    assert response.status_code == 403
    assert fresh(ListHead, head.id).status == 2


def test_post_without_csrf_token_is_400(client, staff, enterprise):
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    response = client.post(f"{PAGE}lists/{head.id}/decide", data={"action": "accept_list"})
    assert response.status_code == 400
    assert fresh(ListHead, head.id).status == 2


def test_enterprise_user_cannot_open_the_screen(client, make, enterprise):
    assert client.get(PAGE).status_code == 302  # to the login page
    make.login(client, card=make.card(make.user(enterprise)))
    assert client.get(PAGE).status_code == 403


def test_unknown_action_or_record_is_404(client, staff, enterprise):
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    for register, record_id, action in [("lists", head.id, "approve_filing"), ("nothing", head.id, "accept_list"),
                                        ("lists", head.id + 1000, "accept_list"),
                                        ("lists", head.id, "aggregate_batch")]:   # an effect is no decision
        response = client.post(f"{PAGE}{register}/{record_id}/decide", data={"action": action, "csrf_token": staff})
        assert response.status_code == 404, action


def test_every_register_lists_its_pending_records_and_decides_them_s3(client, staff, enterprise):
    filing = lb.filing(enterprise, nature="BONDED", valid_until=date(2026, 5, 1))
    volume = lb.volume(lb.filing(enterprise, customs="5301"), status="DECLARED")
    extension = FilingRequest(filing_id=filing.id, enterprise_id=enterprise.id, kind="EXTENSION",
                              status="DECLARED", payload={"valid_until": "2026-05-01"})
    run = AggregationRequest(enterprise_id=enterprise.id, status="DONE", requested_at=datetime(2026, 4, 1), year=2026)
    db.session.add_all([extension, run])
    db.session.flush()
    declaration = Declaration(unified_no=numbering.next_number(db.session, "declaration"), aggregation_id=run.id,
                              enterprise_id=enterprise.id, customs_code="5300", ie_flag="I", trade_mode="0110",
                              item_count=1, status="DECLARED")
    db.session.add(declaration)
    db.session.commit()
    for register, number in [("volumes", volume.volume_no), ("filing_requests", "2026-05-01"),
                             ("declarations", declaration.unified_no)]:
        page = client.get(f"{PAGE}?register={register}").get_data(as_text=True)
        assert number in page and "/decide" in page, register
    decide(client, staff, "volumes", volume.id, "approve_volume")
    approved = fresh(ProductVolume, volume.id)
    assert approved.status == "APPROVED" and len(approved.customs_volume_no) == 12
    decide(client, staff, "filing_requests", extension.id, "approve_filing_request")
    assert fresh(FilingRequest, extension.id).status == "APPROVED"
    assert fresh(CollectionFiling, filing.id).approval_valid_until > date(2026, 5, 1)  # C-7
    for action, status in [("inspect_declaration", "INSPECTION"), ("conclude_declaration", "CONCLUDED"),
                           ("close_declaration", "CLOSED")]:
        decide(client, staff, "declarations", declaration.id, action)
        assert fresh(Declaration, declaration.id).status == status
    assert {r.source for r in receipts("declarations", declaration.id)} == {"staff"}


@pytest.mark.parametrize("register, build, action", [
    ("filings", lambda ent: lb.filing(ent), "cancel_filing"),                                  # 取消资质
    ("filings", lambda ent: lb.filing(ent, status="DECLARED"), "refuse_filing"),                # 核准拒绝
    ("lists", lambda ent: agg.cleared_list(ent, [agg.item()], status=2), "return_list"),        # 退单
    ("change_requests", lambda ent: modify_request(agg.cleared_list(ent, [agg.item()], status=7)),
     "reject_change_request"),                                                                   # 审批不通过
])
def test_refusing_or_destroying_decision_asks_for_confirmation_first_s3(client, staff, enterprise, register, build,
                                                                          action):
    record = build(enterprise)
    before = record.status
    asked = decide(client, staff, register, record.id, action, "理由", confirmed=False)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认决定" in html and 'name="confirmed" value="1"' in html
    assert f'value="{action}"' in html and "required" in html and "理由" in html
    assert fresh(type(record), record.id).status == before
    assert receipts(type(record).__tablename__, record.id) == []


def test_cancel_filing_needs_an_opinion_that_goes_into_receipt_and_audit_c3_s3(client, staff, enterprise):
    from portal.models import AuditLog
    filing = lb.filing(enterprise)
    refused = decide(client, staff, "filings", filing.id, "cancel_filing", "")
    assert "[S-3]" in refused.get_data(as_text=True)
    assert fresh(CollectionFiling, filing.id).status == "APPROVED"
    decide(client, staff, "filings", filing.id, "cancel_filing", "企业已停业")
    assert fresh(CollectionFiling, filing.id).status == "CANCELLED"
    (receipt,) = receipts("collection_filings", filing.id)
    assert (receipt.message, receipt.source) == ("企业已停业", "staff")
    entry = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "collection_filings",
                                                      AuditLog.record_id == filing.id,
                                                      AuditLog.action == "status")).one()
    assert entry.diff["opinion"] == [None, "企业已停业"] and entry.diff["status"] == ["APPROVED", "CANCELLED"]
    assert entry.diff["move"] == [None, "cancel_filing:staff"]


def test_plain_decisions_need_no_confirmation_s3(client, staff, enterprise):
    head = agg.cleared_list(enterprise, [agg.item()], status=2)
    decide(client, staff, "lists", head.id, "accept_list", confirmed=False)
    assert fresh(ListHead, head.id).status == 7


def test_buttons_are_the_staff_decisions_of_the_lifecycle_table_s3(client, staff, enterprise):
    from rules.lifecycle import lifecycle_of
    agg.cleared_list(enterprise, [agg.item()], status=2)
    page = client.get(PAGE + "?register=lists").get_data(as_text=True)
    for move in lifecycle_of("list_heads").decisions_from(2):
        assert f'value="{move.name}"' in page and move.label in page
    assert 'value="clear_list"' not in page   # a decision of status 7, not 2
