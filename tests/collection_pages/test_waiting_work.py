"""What a module C clerk sees first: the start page's queues, the declaration query's role, the aggregation answer.

Through the test client with card logins (C-19, C-20, C-24), on SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert

from portal import clock
from portal.collection import aggregation
from portal.counting import COUNT_CAP
from portal.extensions import db
from portal.models import ListHead
from tests.collection import builders_aggregation as agg
from tests.factories import csrf_token

NOW = "2026-04-12T10:00:00"  # past the 10th: general lists of March are overdue (C-19)


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def logged_in(make, client, qualification: str = "IE") -> agg.Party:
    who = agg.party(make, client, qualification=qualification)
    make.login(client, card=who.card)
    return who


def queue_counts(html: str) -> dict[str, str]:
    """Return {queue key: shown count} of the start page."""
    pattern = r'id="waiting-([a-z_]+)" href=.*?<span class="sw-waiting-count"[^>]*>([^<]+)</span>'
    return dict(re.findall(pattern, html, re.S))


def queue_link(html: str, key: str) -> str:
    return re.search(rf'id="waiting-{key}" href="([^"]+)"', html).group(1).replace("&amp;", "&")


def declaration_rows(html: str) -> list[str]:
    """Return the unified numbers of the declaration query's rows."""
    return re.findall(r'<tr><td class="text-nowrap"><a href="/c/declarations/(\w+)"', html)


def aggregate(who, heads, agent_code=None) -> None:
    aggregation.request_aggregation(db.session, who.identity, [h.center_no for h in heads], agent_code)
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()


def test_module_c_home_shows_what_waits_with_counts_and_links_C_19_C_20_C_24(make, client):
    who = logged_in(make, client)
    agg.cleared_list(who.enterprise, [agg.item()], status=2)
    agg.cleared_list(who.enterprise, [agg.item()], status=7)
    agg.cleared_list(who.enterprise, [agg.item()], declared=date(2026, 3, 5))            # overdue since 11 April
    agg.cleared_list(who.enterprise, [agg.item()], declared=date(2026, 4, 1))            # due by 10 May
    agg.cleared_list(who.enterprise, [agg.item()], declared=date(2026, 3, 6), trade_mode="1233")  # bonded: no deadline
    aggregate(who, [agg.cleared_list(who.enterprise, [agg.item()], declared=date(2026, 4, 2))])  # a 暂存 declaration
    pending = agg.cleared_list(who.enterprise, [agg.item()], declared=date(2026, 4, 3))
    aggregation.request_aggregation(db.session, who.identity, [pending.center_no], None)
    db.session.commit()
    agg.cleared_list(agg.party(make).enterprise, [agg.item()], status=2)  # another enterprise's list
    html = client.get("/c/").get_data(as_text=True)
    assert queue_counts(html) == {"drafts": "0", "declared": "1", "approved": "1", "ready": "3", "overdue": "1",
                                  "requests": "1", "to_declare": "1"}
    assert 'class="sw-side-group">' in html and 'sw-index-card' not in html  # the menu is the sidebar's, once
    assert queue_link(html, "declared").endswith("/c/lists?status=2")
    to_declare = client.get(queue_link(html, "to_declare")).get_data(as_text=True)
    assert declaration_rows(to_declare) == [agg.declarations_of(who.enterprise)[0].unified_no]
    assert "申报</a>" in to_declare


def test_module_c_home_counts_are_bounded(make, client):
    who = logged_in(make, client)
    stamp = agg.STAMP
    db.session.execute(insert(ListHead), [
        {"center_no": f"T{who.enterprise.id:05d}{n:012d}", "enterprise_id": who.enterprise.id,
         "list_type": "IMPORT_GENERAL", "customs_code": "5300", "trade_mode": "0110", "status": 2, "overdue": False,
         "version": 1, "created_at": stamp, "updated_at": stamp, "status_changed_at": stamp}
        for n in range(COUNT_CAP + 5)])
    db.session.commit()
    assert queue_counts(client.get("/c/").get_data(as_text=True))["declared"] == f"{COUNT_CAP}+"


def test_c24_declaration_query_opens_on_the_consignees_own_role(make, client):
    consignee = logged_in(make, client)
    agent = agg.party(make, qualification="CB")
    aggregate(consignee, [agg.cleared_list(consignee.enterprise, [agg.item()])], agent.enterprise.registration_code)
    page = client.get("/c/declarations").get_data(as_text=True)
    assert 'value="CONSIGNEE" selected' in page and len(declaration_rows(page)) == 1
    exported = agg.cleared_list(consignee.enterprise, [agg.item()], list_type="EXPORT_GENERAL")
    aggregate(consignee, [exported])
    assert len(declaration_rows(client.get("/c/declarations").get_data(as_text=True))) == 2  # import and export


def test_c24_declaration_query_opens_on_agent_for_a_broker_and_on_both_when_both(make, client):
    owner = agg.party(make)
    broker = logged_in(make, client, qualification="CB")
    aggregate(owner, [agg.cleared_list(owner.enterprise, [agg.item()])], broker.enterprise.registration_code)
    page = client.get("/c/declarations").get_data(as_text=True)
    assert 'value="AGENT" selected' in page and len(declaration_rows(page)) == 1
    aggregate(broker, [agg.cleared_list(broker.enterprise, [agg.item()])])  # its own lists too
    page = client.get("/c/declarations").get_data(as_text=True)
    assert 'selected' not in page.split('id="q-role"')[1].split("</select>")[0]  # 全部
    assert len(declaration_rows(page)) == 2
    empty = client.get("/c/declarations?role=CONSIGNEE&ie=E").get_data(as_text=True)
    assert 'id="no-match"' in empty and "查看全部企业类别" in empty


def test_c20_aggregation_answer_links_to_the_request_and_then_its_declarations(make, client):
    who = logged_in(make, client)
    head = agg.cleared_list(who.enterprise, [agg.item()], declared=date(2026, 4, 1))
    response = client.post("/c/aggregation", data={"list_nos": head.center_no, "agent_mode": "none",
                                                   "csrf_token": csrf_token(client, "/c/aggregation")})
    answer = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'<a href="(/c/aggregation/requests/(\d+))" id="aggregation-request-link">\2</a>', answer)
    assert link and "汇总成功" in answer and "待处理" in answer
    pending = client.get(link.group(1)).get_data(as_text=True)
    assert 'id="pending-note"' in pending and "/c/declarations/" not in pending
    aggregation.process_pending_aggregations(db.session)
    db.session.commit()
    done = client.get(link.group(1)).get_data(as_text=True)
    number = agg.declarations_of(who.enterprise)[0].unified_no
    assert f'href="/c/declarations/{number}"' in done and "已汇总" in done and 'id="pending-note"' not in done
    other = agg.party(make)
    foreign = aggregation.request_aggregation(
        db.session, other.identity, [agg.cleared_list(other.enterprise, [agg.item()]).center_no], None)
    db.session.commit()
    assert client.get(f"/c/aggregation/requests/{foreign.id}").status_code == 404
