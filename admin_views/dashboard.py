"""The admin home page: what waits for staff today, each queue linked to the screen that works it off.

A queue counts only records waiting for a decision (a filing approved long ago is not work) and shows
how long its oldest record has waited. Counts are bounded (portal/counting.py, shared with the enterprise start
pages): a queue of a million rows shows "1000+" after reading at most 1,001 index entries, never a full count(*).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_admin.helpers import get_current_view
from flask_babel import gettext
from sqlalchemy import func, select, union_all

from admin_views import work_chart
from admin_views.collection_review import REGISTERS
from portal import clock
from portal.counting import bounded_count, shown_count
from portal.models import AggregationRequest, Application, Certificate, CustomsMessage, ListHead
from rules.aggregation import AGGREGATABLE_STATUS
from rules.lifecycle import LIFECYCLES
from rules.lifecycles_messages import CUSTOMS_MESSAGES, FAILED, IN, INVALID, OUT, PARKED

REQUEST_PENDING = "PENDING"  # an aggregation request waiting for the scheduler (C-22)
QUEUE_TITLES = {"applications": "资质申请", "certificates": "备案证明申请", "aggregations": "汇总申请",
                "overdue": "逾期未汇总清单", "FAILED": "发送失败的海关报文", "PARKED": "原报文未知的回执",
                "INVALID": "格式错误的回执"}


@dataclass(frozen=True)
class Queue:
    """One line of the home page: a queue's title, its rule, its bounded count and where to work it."""

    title: str
    rule: str
    count: int
    url: str | None
    oldest: dt.datetime | None = None

    @property
    def shown(self) -> str:
        return shown_count(self.count)

    @property
    def age(self) -> str:
        """How long the oldest record has waited: "3 天", "5 小时", "12 分钟" (empty for an empty queue)."""
        if not self.count or self.oldest is None:
            return ""
        waited = max(clock.now_naive() - self.oldest, dt.timedelta())
        if waited.days:
            return gettext("%(n)s 天", n=waited.days)
        if waited.seconds >= 3600:
            return gettext("%(n)s 小时", n=waited.seconds // 3600)
        return gettext("%(n)s 分钟", n=waited.seconds // 60)


def _since(model):
    """The column that says since when a record waits in its status."""
    moment = getattr(model, "status_changed_at", None) or getattr(model, "requested_at", None)
    return func.coalesce(moment, model.created_at) if moment is not None else model.created_at


def oldest(session, model, *conditions, statuses: tuple = ()) -> dt.datetime | None:
    """Return since when the longest-waiting record matching `conditions` (and in one of `statuses`) waits.

    One `min()` per status: each is the first entry of an index on (status, since) where the register has
    one (list_heads: ix_list_heads_status_since), where a single `status IN (…)` would read every waiting row.
    """
    since = _since(model)
    if not statuses:
        return session.scalar(select(func.min(since)).where(*conditions))
    each = union_all(*(select(func.min(since).label("since")).where(model.status == status, *conditions)
                       for status in statuses)).subquery()
    return session.scalar(select(func.min(each.c.since)))


def _queue(session, title, rule, url, model, *conditions, statuses: tuple = ()) -> Queue:
    waiting = (model.status.in_(statuses),) if statuses else ()
    count = bounded_count(session, model, *waiting, *conditions)
    return Queue(title, rule, count, url, oldest(session, model, *conditions, statuses=statuses) if count else None)


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
    waiting = waiting_statuses()
    queues = [_queue(session, QUEUE_TITLES["applications"], "Q-19", page_url("qualification_review"), Application,
                     statuses=waiting["applications"]),
              _queue(session, QUEUE_TITLES["certificates"], "Q-28", page_url("qualification_review"), Certificate,
                     statuses=waiting["certificates"])]
    for key, register in REGISTERS.items():
        model, lifecycle = register.model, register.lifecycle
        queues.append(_queue(session, register.title, lifecycle.rule, page_url("collection_review", register=key),
                             model, statuses=awaiting(lifecycle)))
    queues += [_queue(session, QUEUE_TITLES["aggregations"], "C-22",
                      filtered_list_url("aggregation_requests", "status", REQUEST_PENDING), AggregationRequest,
                      AggregationRequest.status == REQUEST_PENDING),
               _queue(session, QUEUE_TITLES["overdue"], "C-19", filtered_list_url("list_heads", "overdue", "1"),
                      ListHead, ListHead.overdue == True,  # noqa: E712 (matches the partial index)
                      ListHead.status == AGGREGATABLE_STATUS)]
    return queues + message_queues(session)


def message_queues(session) -> list[Queue]:
    """Messages staff look at (issue 16): those whose publishing failed (重新发送), receipts the portal could
    not apply — answering a message it never sent, or unreadable — each linked to the filtered 海关报文 list."""
    return [_queue(session, QUEUE_TITLES[status], CUSTOMS_MESSAGES.rule,
                   filtered_list_url("customs_messages", "status", status), CustomsMessage,
                   CustomsMessage.direction == direction, CustomsMessage.status == status)
            for direction, status in ((OUT, FAILED), (IN, PARKED), (IN, INVALID))]


def awaiting(lifecycle) -> tuple:
    """Return the statuses in which a record waits for customs' decision: those a customs move (one the
    simulator makes) leaves. A filing approved long ago may still be cancelled, but it is not work."""
    return tuple(code for code in lifecycle.codes
                 if any(code in move.sources and move.simulate and not move.effect for move in lifecycle.moves))


def waiting_statuses() -> dict[str, tuple]:
    """Return, per register, the statuses in which its records wait for a decision (the chart reads them as
    text); an aggregation request waits for the scheduler (C-22)."""
    waiting = {name: awaiting(lifecycle) for name, lifecycle in LIFECYCLES.items()}
    waiting["aggregation_requests"] = (REQUEST_PENDING,)
    return {name: statuses for name, statuses in waiting.items() if statuses}


def home(session) -> dict:
    """Everything the admin home shows staff and auditors: queues, the chart of work per day, recent runs."""
    from admin_views import scheduler
    from scheduler import runs
    return {"queues": work_queues(session), "chart": work_chart.svg(work_chart.daily_flow(session, waiting_statuses())),
            "runs": runs.recent_runs(session, 5), "job_labels": scheduler.job_labels(),
            "scheduler_url": page_url("scheduler")}
