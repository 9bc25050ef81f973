"""Aggregation of cleared lists into declarations, exactly once, done by the database (C-19..C-23, S-4)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock, numbering
from portal.collection import aggregation, consolidation
from portal.extensions import db
from portal.models import (AggregationRequest, AuditLog, ConsolidationMapping, Declaration, DeclarationItem, ListHead,
                           Receipt)
from tests.collection import builders_aggregation as b

NOW = "2026-04-02T10:00:00"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def request(client, who, lists, agent_code=None):
    return client.post("/api/v1/aggregations", headers=who.headers,
                       json={"list_nos": [h.center_no for h in lists], "agent_code": agent_code})


def rules_of(response) -> set[str]:
    return {v["rule"] for v in response.json["error"]["violations"]}


def run() -> dict:
    result = aggregation.process_pending_aggregations(db.session)
    b.check_invariants()
    return result


def test_three_lists_without_agent_match_the_hand_calculation_C_21_C_22(make, client):
    who = b.party(make, client)
    first = b.cleared_list(who.enterprise, [b.item(qty="10"), b.item("8471300000", "笔记本电脑", "型号:A1", "001", "3",
                                                                      "1000")])
    second = b.cleared_list(who.enterprise, [b.item(qty="4"), b.item(qty="2", country="USA"),
                                             b.item("8471300000", "笔记本电脑", "型号:A1", "001", "1", "1000")])
    third = b.cleared_list(who.enterprise, [b.item("7208100000", "热轧钢板", None, "035", "5", "100"),
                                            b.item("7208100000", "热轧钢板", None, "035", "7", "100")],
                           list_type="EXPORT_GENERAL")
    answer = request(client, who, [first, second, third])
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.json["status"] == "PENDING" and answer.json["message"] == "汇总成功"
    assert [b.status_of(h) for h in (first, second, third)] == [12, 12, 12]

    assert run()["declarations"] == 2
    detail = client.get(f"/api/v1/aggregations/{answer.json['id']}", headers=who.headers).json
    assert detail["status"] == "DONE" and len(detail["declaration_nos"]) == 2
    assert [b.status_of(h) for h in (first, second, third)] == [13, 13, 13]
    by_flag = {d["ie"]: d for d in (client.get(f"/api/v1/declarations/{no}", headers=who.headers).json
                                    for no in detail["declaration_nos"])}
    imported, exported = by_flag["I"], by_flag["E"]
    assert (imported["ie"], imported["agent_code"], imported["status"]) == ("I", None, "DRAFT")
    assert [(i["item_no"], i["hs_code"], i["country"], i["qty"], i["total"]) for i in imported["items"]] == [
        (1, "0303890000", "AUS", "14", "35.00"), (2, "0303890000", "USA", "2", "5.00"),
        (3, "8471300000", "AUS", "4", "4000.00")]
    assert [(i["hs_code"], i["spec"], i["qty"], i["total"]) for i in exported["items"]] == [
        ("7208100000", None, "12", "1200.00")]  # NULL spec merges with NULL spec
    mappings = client.get(f"/api/v1/mappings?list_no={second.center_no}", headers=who.headers).json["items"]
    assert [(m["list_item_seq"], m["declaration_no"], m["declaration_item_no"]) for m in mappings] == [
        (1, imported["unified_no"], 1), (2, imported["unified_no"], 2), (3, imported["unified_no"], 3)]
    back = client.get(f"/api/v1/mappings?declaration_no={exported['unified_no']}", headers=who.headers).json
    assert [(m["list_no"], m["list_item_seq"], m["declaration_item_no"]) for m in back["items"]] == [
        (third.center_no, 1, 1), (third.center_no, 2, 1)]

    again = request(client, who, [first])
    assert again.status_code == 422 and rules_of(again) == {"C-19"}


def test_lists_differing_only_in_transport_mode_make_two_declarations_C_21(make):
    who = b.party(make)
    road = b.cleared_list(who.enterprise, [b.item()], transport="4")
    air = b.cleared_list(who.enterprise, [b.item()], transport="5")
    aggregation.request_aggregation(db.session, who.identity, [road.center_no, air.center_no])
    db.session.commit()
    run()
    assert sorted(d.transport_mode for d in b.declarations_of(who.enterprise)) == ["4", "5"]


def test_120_distinct_items_in_one_group_split_into_50_50_20_C_21(make):
    who = b.party(make)
    lists = [b.cleared_list(who.enterprise, b.distinct_items(120)[n * 40:(n + 1) * 40]) for n in range(3)]
    aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in lists])
    db.session.commit()
    assert run()["declaration_items"] == 120
    declarations = b.declarations_of(who.enterprise)
    assert [(d.group_seq, d.item_count) for d in declarations] == [(1, 50), (2, 50), (3, 20)]
    assert len({d.unified_no for d in declarations}) == 3 and all(len(d.unified_no) == 18 for d in declarations)


def test_equal_items_merge_with_summed_quantity_and_total_C_21(make):
    who = b.party(make)
    lists = [b.cleared_list(who.enterprise, [b.item(qty="1.5", price="3"), b.item(qty="2", price="3")]),
             b.cleared_list(who.enterprise, [b.item(qty="0.25", price="3")])]
    aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in lists])
    db.session.commit()
    run()
    (declaration,) = b.declarations_of(who.enterprise)
    (merged,) = declaration.items
    assert (merged.qty, merged.total) == (Decimal("3.75"), Decimal("11.25"))
    assert db.session.scalar(select(func.count()).select_from(ConsolidationMapping)) == 3


def test_only_own_cleared_lists_of_one_year_C_19(make, client):
    who, other = b.party(make, client), b.party(make)
    accepted = b.cleared_list(who.enterprise, [b.item()], status=7)
    assert rules_of(request(client, who, [accepted])) == {"C-19"}
    foreign = b.cleared_list(other.enterprise, [b.item()])
    refused = request(client, who, [foreign])
    assert refused.status_code == 422 and "不存在" in refused.json["error"]["violations"][0]["message"]
    december = b.cleared_list(who.enterprise, [b.item()], declared=date(2025, 12, 31))
    january = b.cleared_list(who.enterprise, [b.item()], declared=date(2026, 1, 2))
    mixed = request(client, who, [december, january])
    assert mixed.status_code == 422 and "跨年度" in mixed.json["error"]["message"]
    assert rules_of(request(client, who, [])) == {"C-19"}
    assert b.status_of(december) == 15 and db.session.scalar(select(func.count()).select_from(AggregationRequest)) == 0


def test_agent_must_be_a_customs_broker_C_20(make, client):
    who = b.party(make, client)
    trader = b.party(make, qualification="IE")
    broker = b.party(make, qualification="CB_BRANCH")
    head = b.cleared_list(who.enterprise, [b.item()])
    for code in (trader.enterprise.registration_code, "9999999999", "12345"):
        refused = request(client, who, [head], code)
        assert refused.status_code == 422 and rules_of(refused) == {"C-20"}, code
    accepted = request(client, who, [head], broker.enterprise.registration_code)
    assert accepted.status_code == 202
    stored = db.session.get(AggregationRequest, accepted.json["id"])
    assert (stored.agent_code, stored.agent_name) == (broker.enterprise.registration_code, broker.enterprise.name_zh)


def test_account_token_is_refused_U_5(make, client):
    who = b.party(make)
    headers = make.token(client, user=who.user)
    head = b.cleared_list(who.enterprise, [b.item()])
    refused = client.post("/api/v1/aggregations", json={"list_nos": [head.center_no]}, headers=headers)
    assert refused.status_code == 403 and rules_of(refused) == {"U-5"}
    for url in ("/api/v1/declarations", "/api/v1/mappings?list_no=x", "/api/v1/statistics", "/api/v1/aggregations/1"):
        assert client.get(url, headers=headers).status_code == 403, url


def _crash_after_declarations(session, request, now):
    raise RuntimeError("injected crash after the declarations were inserted")


def test_crash_mid_run_leaves_nothing_and_rerun_equals_clean_run_C_22(make, monkeypatch):
    crashed, clean = b.party(make), b.party(make)
    for who in (crashed, clean):
        lists = [b.cleared_list(who.enterprise, b.distinct_items(60) + [b.item()]),
                 b.cleared_list(who.enterprise, [b.item(qty="3")], transport="5")]
        aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in lists])
        db.session.commit()
    monkeypatch.setattr(consolidation, "insert_declaration_items", _crash_after_declarations)
    with pytest.raises(aggregation.AggregationFailed, match="injected crash"):
        aggregation.process_pending_aggregations(db.session)
    assert db.session.scalar(select(func.count()).select_from(Declaration)) == 0
    assert db.session.scalar(select(func.count()).select_from(ConsolidationMapping)) == 0
    assert set(db.session.scalars(select(ListHead.status))) == {12}
    assert set(db.session.scalars(select(AggregationRequest.status))) == {"PENDING"}
    assert numbering.peek(db.session, "declaration") == 0  # the reserved numbers were rolled back too
    monkeypatch.undo()
    assert run()["requests"] == 2
    shape = [[row[1:13] for row in b.snapshot(who.enterprise)] for who in (crashed, clean)]
    assert shape[0] == shape[1] and len(shape[0]) == 62
    assert numbering.peek(db.session, "declaration") == db.session.scalar(select(func.count()).select_from(Declaration))
    assert run()["requests"] == 0  # a rerun finds nothing to do and duplicates nothing


def _aggregate_process(app, now: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=app.config["TEST_DATABASE_URI"], SECRET_KEY="test-secret",
               PORTAL_ENV="development")
    env.pop("PORTAL_NOW", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "aggregate", "--now", now], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.postgres
def test_two_processes_aggregating_at_once_take_each_request_once_S_4(app, make, is_postgres):
    if not is_postgres:
        pytest.skip("SELECT … FOR UPDATE SKIP LOCKED is tested on PostgreSQL")
    parties = [b.party(make) for _ in range(12)]
    for who in parties:
        lists = [b.cleared_list(who.enterprise, b.distinct_items(120)[n * 30:(n + 1) * 30]) for n in range(4)]
        aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in lists])
        db.session.commit()
    processes = [_aggregate_process(app, "2026-04-02T10:05:00") for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    counts = [json.loads(out)["pending"]["counts"] for out, _ in outputs]
    assert sum(c["requests"] for c in counts) == 12 and sum(c["lists"] for c in counts) == 48
    db.session.expire_all()
    assert set(db.session.scalars(select(AggregationRequest.status))) == {"DONE"}
    done = Counter(db.session.scalars(select(Receipt.record_id).where(Receipt.record_type == "aggregation_requests",
                                                                      Receipt.to_status == "DONE")))
    assert len(done) == 12 and set(done.values()) == {1}
    moved = Counter(db.session.scalars(select(Receipt.record_id).where(Receipt.record_type == "list_heads",
                                                                       Receipt.to_status == "13")))
    assert len(moved) == 48 and set(moved.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(DeclarationItem)) == 12 * 120
    b.check_invariants()


def _month_end_lists(make):
    auto, manual = b.party(make, auto=True), b.party(make)
    lists = {
        "dec_road": b.cleared_list(auto.enterprise, [b.item()], declared=date(2026, 12, 1)),
        "dec_air": b.cleared_list(auto.enterprise, [b.item(qty="4")], declared=date(2026, 12, 31), transport="5"),
        "jan": b.cleared_list(auto.enterprise, [b.item()], declared=date(2027, 1, 1)),
        "nov": b.cleared_list(auto.enterprise, [b.item()], declared=date(2026, 11, 30)),
        "dec_bonded": b.cleared_list(auto.enterprise, [b.item()], declared=date(2026, 12, 5),
                                     list_type="IMPORT_BONDED", trade_mode="1233"),
        "manual_dec": b.cleared_list(manual.enterprise, [b.item()], declared=date(2026, 12, 10)),
    }
    return auto, manual, lists


def _cli(app, now: str) -> dict:
    result = app.test_cli_runner().invoke(args=["aggregate", "--now", now])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_month_end_on_1_january_aggregates_december_only_and_day_11_flags_the_rest_C_23(app, make):
    auto, _manual, lists = _month_end_lists(make)
    report = _cli(app, "2027-01-01T02:00:00")
    assert (report["month_end"]["period"], report["month_end"]["outcome"]) == ("2026-12", "DONE")
    assert report["month_end"]["counts"]["requests_created"] == 1
    assert (report["overdue"]["period"], report["overdue"]["counts"]) == ("2026-11", {"flagged": 1})  # catch-up
    statuses = {name: b.status_of(head) for name, head in lists.items()}
    assert statuses == {"dec_road": 13, "dec_air": 13, "jan": 15, "nov": 15, "dec_bonded": 15, "manual_dec": 15}
    (monthly,) = db.session.scalars(select(AggregationRequest))
    assert (monthly.period, monthly.year, monthly.agent_code, monthly.status) == ("2026-12", 2026, None, "DONE")
    assert {d.declare_date for d in b.declarations_of(auto.enterprise)} == {None}
    assert sorted(d.transport_mode for d in b.declarations_of(auto.enterprise)) == ["4", "5"]
    b.check_invariants()
    _one_receipt_and_audit_row_per_moved_list(lists, monthly.id)

    later = _cli(app, "2027-01-11T02:00:00")
    assert later["month_end"]["outcome"] == "ALREADY_RUN"
    assert (later["overdue"]["period"], later["overdue"]["counts"]) == ("2026-12", {"flagged": 1})
    overdue = {name for name, head in lists.items()
               if db.session.scalar(select(ListHead.overdue).where(ListHead.id == head.id))}
    assert overdue == {"nov", "manual_dec"}


def _one_receipt_and_audit_row_per_moved_list(lists: dict, request_id: int) -> None:
    """C-19, C-22: the month-end's set-based move wrote exactly one 15 → 13 receipt and one audit row (with
    the list's request) for each list it moved, and none for the others."""
    moved = {head.id for name, head in lists.items() if name.startswith("dec_") and name != "dec_bonded"}
    receipts = db.session.execute(select(Receipt.record_id, Receipt.from_status, Receipt.to_status, Receipt.source,
                                         Receipt.record_no, Receipt.enterprise_id)
                                  .where(Receipt.record_type == "list_heads", Receipt.to_status == "13")).all()
    assert sorted(r.record_id for r in receipts) == sorted(moved)
    heads = {head.id: head for head in lists.values()}
    assert {(r.from_status, r.source) for r in receipts} == {("15", "system")}
    assert all((r.record_no, r.enterprise_id) == (heads[r.record_id].center_no, heads[r.record_id].enterprise_id)
               for r in receipts)
    rows = db.session.execute(select(AuditLog.record_id, AuditLog.diff).where(
        AuditLog.table_name == "list_heads", AuditLog.action == "status")).all()
    assert sorted(r.record_id for r in rows) == sorted(moved)
    for row in rows:
        diff = row.diff if isinstance(row.diff, dict) else json.loads(row.diff)
        assert diff["status"] == [15, 13] and diff["aggregation_id"] == [None, request_id]
        assert diff["move"] == [None, "month_end_aggregation:system"]


def test_overdue_waits_until_after_the_tenth_C_19(make):
    who = b.party(make)
    head = b.cleared_list(who.enterprise, [b.item()], declared=date(2026, 3, 31))
    assert aggregation.flag_overdue(db.session, "2026-03", clock.parse_now("2026-04-10T23:00:00")) == {"flagged": 0}
    assert aggregation.flag_overdue(db.session, "2026-03", clock.parse_now("2026-04-11T01:00:00")) == {"flagged": 1}
    db.session.commit()
    assert db.session.scalar(select(ListHead.overdue).where(ListHead.id == head.id)) is True
