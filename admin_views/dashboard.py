"""The admin home page: what waits for staff today, each queue linked to the screen that works it off.

Counts are bounded (portal/counting.py, shared with the enterprise start pages): a queue of a million rows
shows "1000+" after reading at most 1,001 index entries, never a full count(*).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_admin.helpers import get_current_view

from admin_views.collection_review import REGISTERS
from portal.counting import bounded_count, shown_count
from admin_views.qualification_review import PENDING as APPLICATIONS_PENDING
from portal.models import AggregationRequest, Application, Certificate, ListHead
from rules.aggregation import AGGREGATABLE_STATUS

REQUEST_PENDING = "PENDING"  # an aggregation request waiting for the scheduler (C-22)
QUEUE_TITLES = {"applications": "资质申请", "certificates": "备案证明申请", "aggregations": "汇总申请",
                "overdue": "逾期未汇总清单"}


@dataclass(frozen=True)
class Queue:
    """One line of the home page: a queue's title, its rule, its bounded count and where to work it."""

    title: str
    rule: str
    count: int
    url: str | None

    @property
    def shown(self) -> str:
        return shown_count(self.count)


def _view(endpoint: str):
    view = get_current_view()
    return next((v for v in view.admin._views if v.endpoint == endpoint), None) if view else None


def filtered_list_url(endpoint: str, column: str, value) -> str | None:
    """Return the URL of a register's list filtered by `column` equal to `value` (its "equals" filter)."""
    view = _view(endpoint)
    if view is None or not view.is_accessible():
        return None
    for key, (_, flt) in (view._filter_args or {}).items():
        if getattr(getattr(flt, "column", None), "key", None) == column and "Equal" in type(flt).__name__:
            return url_for(f"{endpoint}.index_view", **{f"flt0_{key}": value})
    return url_for(f"{endpoint}.index_view")


def page_url(endpoint: str, **values) -> str | None:
    view = _view(endpoint)
    return url_for(f"{endpoint}.index", **values) if view is not None and view.is_accessible() else None


def work_queues(session) -> list[Queue]:
    """Return the queues staff work off, in the order of the business: filing, lists, aggregation."""
    applications = bounded_count(session, Application, Application.status.in_(APPLICATIONS_PENDING))
    certificates = bounded_count(session, Certificate, Certificate.status == "REQUESTED")
    queues = [Queue(QUEUE_TITLES["applications"], "Q-19", applications, page_url("qualification_review")),
              Queue(QUEUE_TITLES["certificates"], "Q-28", certificates, page_url("qualification_review"))]
    for key, register in REGISTERS.items():
        count = bounded_count(session, register.model, register.model.status.in_(register.pending))
        queues.append(Queue(register.title, register.rule if isinstance(register.rule, str) else "C-6/C-7",
                            count, page_url("collection_review", register=key)))
    requests = bounded_count(session, AggregationRequest, AggregationRequest.status == REQUEST_PENDING)
    overdue = bounded_count(session, ListHead, ListHead.overdue == True,  # noqa: E712 (matches the partial index)
                            ListHead.status == AGGREGATABLE_STATUS)
    queues += [Queue(QUEUE_TITLES["aggregations"], "C-22", requests,
                     filtered_list_url("aggregation_requests", "status", REQUEST_PENDING)),
               Queue(QUEUE_TITLES["overdue"], "C-19", overdue, filtered_list_url("list_heads", "overdue", "1"))]
    return queues
