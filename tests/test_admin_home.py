"""The admin home page: staff and auditors see the work queues with bounded counts; others do not."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from portal import counting
from portal.extensions import db
from portal.models import AggregationRequest, ListHead
from tests.collection import builders_aggregation as agg


def queue_row(html: str, title: str) -> str:
    """Return the table row of the work queue titled `title`."""
    match = re.search(r"<tr>\s*<td>" + re.escape(title) + r"</td>.*?</tr>", html, re.S)
    assert match, f"no work queue {title!r} on the page"
    return match.group(0)


def badge(row: str) -> str:
    return re.search(r'<span class="badge[^"]*">([^<]+)</span>', row).group(1)


@pytest.fixture
def enterprise(make):
    ent = make.enterprise(registration_code="4403990001")
    make.qualification(ent, "IE")
    return ent


def test_staff_home_counts_lists_to_review_and_overdue_lists_C19_C14(client, make, enterprise):
    declared = agg.cleared_list(enterprise, [agg.item()], status=2)
    overdue = agg.cleared_list(enterprise, [agg.item()])
    agg.cleared_list(enterprise, [agg.item()])  # cleared, not overdue: not in the overdue queue
    db.session.execute(ListHead.__table__.update().where(ListHead.id == overdue.id).values(overdue=True))
    db.session.commit()
    make.login(client, user=make.user(None, role="staff"))

    html = client.get("/admin/").get_data(as_text=True)

    lists_row = queue_row(html, "集报清单")
    assert badge(lists_row) == "1" and "/admin/collection-review/?register=lists" in lists_row
    overdue_row = queue_row(html, "逾期未汇总清单")
    assert badge(overdue_row) == "1"
    link = re.search(r'href="([^"]+)"', overdue_row).group(1).replace("&amp;", "&")
    listed = client.get(link).get_data(as_text=True)
    assert overdue.center_no in listed and declared.center_no not in listed  # the link filters overdue lists
    assert declared.status == 2


def test_pending_aggregation_requests_are_counted_for_auditors_C22(client, make, enterprise):
    for _ in range(2):
        db.session.add(AggregationRequest(enterprise_id=enterprise.id, status="PENDING", year=2026,
                                          requested_at=agg.STAMP))
    db.session.add(AggregationRequest(enterprise_id=enterprise.id, status="DONE", year=2026, requested_at=agg.STAMP))
    db.session.commit()
    make.login(client, user=make.user(None, role="auditor"))

    html = client.get("/admin/").get_data(as_text=True)

    assert badge(queue_row(html, "汇总申请")) == "2"
    assert "去处理" in queue_row(html, "汇总申请")


def test_counts_stop_at_the_cap_X1(client, make, enterprise, monkeypatch):
    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    for _ in range(3):
        agg.cleared_list(enterprise, [agg.item()], status=2)
    make.login(client, user=make.user(None, role="staff"))

    html = client.get("/admin/").get_data(as_text=True)

    assert badge(queue_row(html, "集报清单")) == "2+"
    review = client.get("/admin/collection-review/?register=lists").get_data(as_text=True)
    assert "2+" in review  # the review screen's tabs use the same bounded count


def test_enterprise_admin_home_shows_no_work_queues_U5(client, make, enterprise):
    agg.cleared_list(enterprise, [agg.item()], status=2)
    make.login(client, user=make.user(enterprise, role="ent_admin"))

    html = client.get("/admin/").get_data(as_text=True)

    assert 'id="work-queues"' not in html and "待办事项" not in html


def test_admin_menu_categories_follow_the_language_X4(client, make):
    make.login(client, user=make.user(None, role="staff"))

    english = client.get("/admin/?lang=en").get_data(as_text=True)
    chinese = client.get("/admin/?lang=zh").get_data(as_text=True)

    assert "Enterprises and users" in english and "企业与用户" not in english
    assert "Work queues" in english and "Single Window administration" in english
    assert "企业与用户" in chinese and "Enterprises and users" not in chinese


def test_review_screens_are_named_in_the_language_of_the_page_X4(client, make):
    make.login(client, user=make.user(None, role="staff"))

    english = client.get("/admin/collection-review/?lang=en").get_data(as_text=True)

    for name in ("Centralized declaration review", "Qualification review", "Scheduler and simulator",
                 "Register import"):
        assert name in english, name
    assert "集中申报审核" not in english and "登记簿导入" not in english


def test_home_counts_only_records_awaiting_a_decision_and_the_oldest_age_S_3(client, make, enterprise):
    from portal import clock
    from tests.collection import builders_lists as lists
    clock.set_fixed_now("2026-03-10 12:00:00")
    lists.filing(enterprise, status="APPROVED")  # may still be cancelled, but it is not work
    waiting = lists.filing(enterprise, status="DECLARED")
    db.session.execute(waiting.__table__.update().where(waiting.__table__.c.id == waiting.id)
                       .values(status_changed_at=clock.now_naive() - timedelta(days=3, hours=2)))
    db.session.commit()
    make.login(client, user=make.user(None, role="staff"))

    row = queue_row(client.get("/admin/").get_data(as_text=True), "集报备案")

    assert badge(row) == "1"
    assert "3 天" in row  # how long the oldest declared filing has waited
    english = queue_row(client.get("/admin/?lang=en").get_data(as_text=True), "Collection filing")
    assert "3 d" in english


def test_home_chart_counts_work_in_and_out_per_day_from_receipts_S_3(app, ctx):
    from admin_views import dashboard, work_chart
    from portal.models import Receipt
    day = date(2026, 3, 9)

    def receipt(record_type, before, after, hour):
        db.session.add(Receipt(record_type=record_type, record_id=1, at=datetime.combine(day, time(hour)),
                               from_status=before, to_status=after, message="", source="customs"))
    receipt("applications", "DRAFT", "SUBMITTED", 9)        # in: now waits for customs
    receipt("applications", "SUBMITTED", "RECEIVED", 10)    # still waiting: neither in nor out
    receipt("applications", "UNDER_REVIEW", "APPROVED", 11)  # out: decided
    receipt("list_heads", "1", "2", 9)                      # in: a list declared
    receipt("list_heads", "15", "12", 9)                    # not a queue of customs: neither
    db.session.commit()

    flow = work_chart.daily_flow(db.session, dashboard.waiting_statuses(), days=2, today=day)

    assert [(d.day, d.came_in, d.went_out) for d in flow] == [(day - timedelta(days=1), 0, 0), (day, 2, 1)]
    with app.test_request_context():
        drawing = str(work_chart.svg(flow))
    assert drawing.startswith("<svg") and "2026-03-09" in drawing and "03-09" in drawing
