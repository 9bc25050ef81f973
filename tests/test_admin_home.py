"""The admin home page: staff and auditors see the work queues with bounded counts; others do not."""
from __future__ import annotations

import re

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
