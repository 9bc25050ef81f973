"""Declarations: who sees and declares them, the simulated customs, prints, export, queries, mappings (C-24, C-25)."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from portal import clock
from portal.collection import aggregation, declarations
from portal.extensions import db
from portal.models import Declaration, WatchListEntry
from scheduler.simulator import customs_tick
from tests.collection import builders_aggregation as b
from tests.test_pdf import assert_cjk_font_embedded, pdf_text

NOW = "2026-04-02T10:00:00"


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def aggregated(make, client, agent=None, lists=None, **list_values) -> tuple[b.Party, list]:
    """Aggregate cleared lists of a new consignee (optionally through a named agent); return it and its numbers."""
    who = b.party(make, client)
    heads = [b.cleared_list(who.enterprise, items, **list_values) for items in (lists or [[b.item(), b.item(qty="2")]])]
    aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in heads],
                                    agent.enterprise.registration_code if agent else None)
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    b.check_invariants()
    return who, [d.unified_no for d in b.declarations_of(who.enterprise)]


def tick(at: str) -> dict:
    return customs_tick(db.session, now=at)


def status(client, who, number) -> str:
    return client.get(f"/api/v1/declarations/{number}", headers=who.headers).json["status"]


def test_named_agent_sees_and_declares_and_a_third_enterprise_gets_404_C_24(make, client):
    agent, stranger = b.party(make, client, qualification="CB"), b.party(make, client)
    who, (number,) = aggregated(make, client, agent)
    seen = client.get(f"/api/v1/declarations/{number}", headers=agent.headers)
    assert seen.status_code == 200 and seen.json["agent_code"] == agent.enterprise.registration_code
    assert seen.json["consignee_name"] == who.enterprise.name_zh and len(seen.json["items"]) == 1
    as_agent = client.get("/api/v1/declarations?role=AGENT", headers=agent.headers).json["items"]
    assert [d["unified_no"] for d in as_agent] == [number]
    assert client.get("/api/v1/declarations?role=CONSIGNEE", headers=agent.headers).json["items"] == []
    for url in (f"/api/v1/declarations/{number}", f"/api/v1/mappings?declaration_no={number}"):
        assert client.get(url, headers=stranger.headers).status_code == 404
    assert client.post(f"/api/v1/declarations/{number}/declare", headers=stranger.headers).status_code == 404
    refused = client.post(f"/api/v1/declarations/{number}/declare", headers=who.headers)
    assert refused.status_code == 403 and refused.json["error"]["violations"][0]["rule"] == "C-24"
    declared = client.post(f"/api/v1/declarations/{number}/declare", headers=agent.headers)
    assert declared.status_code == 200 and declared.json == {"status": "DECLARED"}
    again = client.post(f"/api/v1/declarations/{number}/declare", headers=agent.headers)
    assert again.status_code == 409


def test_without_agent_the_consignee_declares_and_customs_concludes_then_closes_C_24(make, client):
    who, (number,) = aggregated(make, client)
    assert client.post(f"/api/v1/declarations/{number}/declare", headers=who.headers).status_code == 200
    tick("2026-04-02T10:02:00")
    assert status(client, who, number) == "CONCLUDED"
    tick("2026-04-02T10:04:00")
    detail = client.get(f"/api/v1/declarations/{number}", headers=who.headers).json
    assert detail["status"] == "CLOSED" and detail["declare_date"] == "2026-04-02"
    assert [(r["from"], r["to"]) for r in detail["receipts"]] == [
        ("DRAFT", "DECLARED"), ("DECLARED", "CONCLUDED"), ("CONCLUDED", "CLOSED")]
    cleared = client.get("/api/v1/declarations?cleared=true", headers=who.headers).json["items"]
    assert [d["unified_no"] for d in cleared] == [number]
    assert client.get("/api/v1/declarations?cleared=false", headers=who.headers).json["items"] == []


def test_inspection_is_followed_by_conclusion_C_24(make, client):
    who, (number,) = aggregated(make, client)
    client.post(f"/api/v1/declarations/{number}/declare", headers=who.headers)
    declaration = db.session.scalar(select(Declaration).where(Declaration.unified_no == number))
    declarations.inspect_declaration(db.session, declaration, "布控查验")
    db.session.commit()
    tick("2026-04-02T10:02:00")
    assert status(client, who, number) == "CONCLUDED"


def test_watch_listed_consignee_is_not_accepted_and_prints_the_receipt_notice_C_24_P_3(make, client):
    who, (number,) = aggregated(make, client)
    notice_url = f"/api/v1/declarations/{number}/receipt-notice.pdf"
    assert client.get(notice_url, headers=who.headers).status_code == 409  # still 暂存
    db.session.add(WatchListEntry(uscc=who.enterprise.uscc, opinion="申报要素不全，不予受理"))
    db.session.commit()
    client.post(f"/api/v1/declarations/{number}/declare", headers=who.headers)
    tick("2026-04-02T10:02:00")
    assert status(client, who, number) == "NOT_ACCEPTED"
    notice = client.get(notice_url, headers=who.headers)
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    text = pdf_text(notice.data)
    assert "回执通知书" in text and "不受理" in text and "申报要素不全" in text and number in text
    assert_cjk_font_embedded(notice.data)


def test_declaration_prints_with_its_merged_items_P_3(make, client):
    agent = b.party(make, client, qualification="CB")
    who, (number,) = aggregated(make, client, agent, lists=[b.distinct_items(3), [b.item(qty="1")]])
    for headers in (who.headers, agent.headers):
        printed = client.get(f"/api/v1/declarations/{number}/print.pdf", headers=headers)
        assert printed.status_code == 200
    text = pdf_text(printed.data)
    assert "集报报关单" in text and number in text and agent.enterprise.name_zh in text and "商品3" in text
    assert_cjk_font_embedded(printed.data)


def test_only_the_consignee_exports_the_lists_of_a_declaration_C_24(make, client):
    agent = b.party(make, client, qualification="CB")
    who, (number,) = aggregated(make, client, agent, lists=[[b.item(), b.item(qty="3")], [b.item(spec="=1+2")]])
    exported = client.get(f"/api/v1/declarations/{number}/lists.csv", headers=who.headers)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == declarations.EXPORT_HEADER and len(rows) == 4
    assert {row[-2] for row in rows[1:]} == {number} and "'=1+2" in {row[7] for row in rows[1:]}
    refused = client.get(f"/api/v1/declarations/{number}/lists.csv", headers=agent.headers)
    assert refused.status_code == 403 and refused.json["error"]["violations"][0]["rule"] == "C-24"


def test_basic_and_advanced_declaration_queries_C_24(make, client):
    who, numbers = aggregated(make, client, lists=[[b.item()], [b.item(country="USA")]],
                              list_type="EXPORT_GENERAL")
    imported = [b.cleared_list(who.enterprise, [b.item()])]
    aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in imported])
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    exports = client.get("/api/v1/declarations?role=CONSIGNEE&ie=E", headers=who.headers).json
    assert [d["unified_no"] for d in exports["items"]] == numbers and exports["next"] is None
    assert len(client.get("/api/v1/declarations?role=AGENT", headers=who.headers).json["items"]) == 2  # 不指定
    page = client.get("/api/v1/declarations?limit=1", headers=who.headers).json
    assert len(page["items"]) == 1 and page["next"]
    advanced = client.get(f"/api/v1/declarations?no={numbers[0]}", headers=who.headers).json["items"]
    assert [d["unified_no"] for d in advanced] == numbers
    dated = client.get("/api/v1/declarations?from=2026-04-03", headers=who.headers).json["items"]
    assert dated == []
    assert client.get("/api/v1/declarations?role=BROKER", headers=who.headers).status_code == 422


def test_mapping_query_needs_exactly_one_number_and_pages_C_25(make, client):
    who, (number,) = aggregated(make, client, lists=[[b.item(qty=str(n)) for n in range(1, 6)]])
    assert client.get("/api/v1/mappings", headers=who.headers).json["error"]["violations"][0]["rule"] == "C-25"
    first = client.get(f"/api/v1/mappings?declaration_no={number}&limit=3", headers=who.headers).json
    rest = client.get(f"/api/v1/mappings?declaration_no={number}&limit=3&cursor={first['next']}",
                      headers=who.headers).json
    assert [m["list_item_seq"] for m in first["items"] + rest["items"]] == [1, 2, 3, 4, 5] and rest["next"] is None
    other = b.party(make, client)
    foreign = b.cleared_list(other.enterprise, [b.item()])
    assert client.get(f"/api/v1/mappings?list_no={foreign.center_no}", headers=who.headers).status_code == 404
