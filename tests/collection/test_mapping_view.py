"""The 归并关系 view, batches of requests built in one pass, and month-end's single move (C-21..C-23, C-25)."""
from __future__ import annotations

import importlib
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.collection import aggregation, consolidation
from portal.extensions import db
from portal.models import (AggregationRequest, AuditLog, ConsolidationMapping, Declaration, DeclarationItem,
                           ListHead, Receipt)
from rules.aggregation import GROUP_KEYS, MERGE_KEYS
from tests.collection import builders_aggregation as b

VIEW = importlib.import_module("portal.migrations.versions.0002_consolidation_mapping_view")


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now("2026-04-02T10:00:00")


def _request(who, lists):
    aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in lists])
    db.session.commit()


def test_view_joins_on_every_group_and_merge_key_of_the_rule_tables_C_21_C_22():
    sql = " ".join(VIEW.MAPPING_VIEW_SQL.split())
    joined = set(re.findall(r"COALESCE\(d\.(\w+), ''\) = COALESCE\(h\.\1, ''\)", sql))
    joined |= {"ie_flag"} if "d.ie_flag = CASE WHEN h.list_type LIKE 'IMPORT%'" in sql else set()
    # enterprise and agent are one value per request: the view matches them through aggregation_id
    assert "d.aggregation_id = h.aggregation_id" in sql
    assert joined == set(GROUP_KEYS) - set(consolidation.REQUEST_KEYS)
    merged = set(re.findall(r"COALESCE\(di\.(\w+), ''\) = COALESCE\(i\.\1, ''\)", sql))
    assert merged == set(MERGE_KEYS)


def test_items_without_spec_merge_and_map_once_C_21_C_22(make):
    who = b.party(make)
    lists = [b.cleared_list(who.enterprise, [b.item(spec=None), b.item(spec="", qty="2")]),
             b.cleared_list(who.enterprise, [b.item(spec=None, qty="3")])]
    _request(who, lists)
    aggregation.process_pending_aggregations(db.session)
    (declaration_item,) = db.session.scalars(select(DeclarationItem))
    assert (declaration_item.spec, declaration_item.qty) == (None, 15)
    mapped = db.session.scalars(select(ConsolidationMapping.declaration_item_id)).all()
    assert mapped == [declaration_item.id] * 3
    b.check_invariants()


def test_one_batch_keeps_each_request_to_its_own_declarations_C_21(make):
    first, second = b.party(make), b.party(make)
    for who in (first, second):  # identical lists: only the request tells them apart
        _request(who, [b.cleared_list(who.enterprise, b.distinct_items(60))])
    result = aggregation.process_pending_aggregations(db.session)
    assert (result["requests"], result["declarations"], result["declaration_items"]) == (2, 4, 120)
    for who in (first, second):
        declarations = b.declarations_of(who.enterprise)
        assert [d.item_count for d in declarations] == [50, 10]
        owners = db.session.scalars(select(func.distinct(ListHead.enterprise_id))
                                    .join(ConsolidationMapping, ConsolidationMapping.list_id == ListHead.id)
                                    .where(ConsolidationMapping.declaration_id.in_([d.id for d in declarations])))
        assert list(owners) == [who.enterprise.id]
    b.check_invariants()


def test_failing_request_of_a_batch_fails_alone_and_the_others_are_done_C_22(make, monkeypatch):
    parties = [b.party(make) for _ in range(3)]
    for who in parties:
        _request(who, [b.cleared_list(who.enterprise, [b.item()])])
    bad = db.session.scalar(select(AggregationRequest.id).where(AggregationRequest.enterprise_id ==
                                                                parties[1].enterprise.id))
    real = consolidation.insert_declarations

    def failing(session, request_ids, now):
        if bad in request_ids:
            raise RuntimeError("injected failure of one request")
        return real(session, request_ids, now)
    monkeypatch.setattr(consolidation, "insert_declarations", failing)
    with pytest.raises(aggregation.AggregationFailed, match=f"{bad}: RuntimeError"):
        aggregation.process_pending_aggregations(db.session)
    statuses = dict(db.session.execute(select(AggregationRequest.id, AggregationRequest.status)).all())
    assert statuses.pop(bad) == "PENDING" and set(statuses.values()) == {"DONE"}
    assert "injected failure" in db.session.get(AggregationRequest, bad).message
    assert {b.status_of(h) for h in db.session.scalars(select(ListHead).where(
        ListHead.enterprise_id == parties[1].enterprise.id))} == {12}
    assert db.session.scalar(select(func.count()).select_from(Declaration)) == 2
    b.check_invariants()
    monkeypatch.undo()
    assert aggregation.process_pending_aggregations(db.session)["requests"] == 1  # the next run completes it
    b.check_invariants()


def test_month_end_moves_each_list_15_to_13_once_with_its_receipt_and_audit_C_23(make):
    auto = b.party(make, auto=True)
    lists = [b.cleared_list(auto.enterprise, [b.item()], declared=date(2026, 12, day)) for day in (1, 15, 31)]
    counts = aggregation.month_end_aggregation(db.session, "2026-12", clock.parse_now("2027-01-01T02:00:00"))
    assert (counts["requests_created"], counts["lists_selected"], counts["lists"], counts["requests"]) == (1, 3, 3, 1)
    (monthly,) = db.session.scalars(select(AggregationRequest))
    assert (monthly.status, monthly.message) == ("DONE", "汇总完成：3 票清单生成 1 份集报报关单")
    closing = db.session.execute(select(Receipt.from_status, Receipt.to_status, Receipt.message).where(
        Receipt.record_type == "aggregation_requests", Receipt.record_id == monthly.id)).all()
    assert closing == [("PENDING", "DONE", monthly.message)]
    for head in lists:
        receipts = db.session.execute(select(Receipt.from_status, Receipt.to_status).where(
            Receipt.record_type == "list_heads", Receipt.record_id == head.id)).all()
        assert receipts == [("15", "13")]
        (diff,) = db.session.scalars(select(AuditLog.diff).where(AuditLog.table_name == "list_heads",
                                                                 AuditLog.record_id == head.id))
        assert diff == {"status": [15, 13], "move": [None, "month_end_aggregation:system"],
                        "aggregation_id": [None, monthly.id]}
    b.check_invariants()
    again = aggregation.month_end_aggregation(db.session, "2026-12", clock.parse_now("2027-01-01T03:00:00"))
    assert (again["requests_created"], again["lists"]) == (0, 0)


def test_staff_are_asked_to_filter_the_mapping_register_and_get_rows_by_declaration_C_25(make, client):
    who = b.party(make)
    _request(who, [b.cleared_list(who.enterprise, [b.item(), b.item(hs="0304000000")])])
    aggregation.process_pending_aggregations(db.session)
    make.login(client, user=make.user(None, role="staff"))
    page = client.get("/admin/consolidation_mappings/")
    assert page.status_code == 200 and "请先添加" in page.get_data(as_text=True)
    declaration = b.declarations_of(who.enterprise)[0]
    view = next(v for v in client.application.extensions["admin"][0]._views
                if getattr(v, "endpoint", None) == "consolidation_mappings")
    arg = next(arg for arg, (_idx, flt) in view._filter_args.items()
               if flt.column.key == "declaration_id" and type(flt).__name__ == "IntEqualFilter")
    filtered = client.get(f"/admin/consolidation_mappings/?flt0_{arg}={declaration.id}")
    text = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and "请先添加" not in text
    item_ids = db.session.scalars(select(ConsolidationMapping.list_item_id)).all()
    assert len(item_ids) == 2 and all(f">{item_id}<" in text for item_id in item_ids)
