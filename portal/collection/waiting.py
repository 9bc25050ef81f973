"""What waits for an enterprise in module C: lists at customs, lists to aggregate, overdue lists (C-19),
pending aggregation requests (C-20) and declarations it has to declare (C-24).

Each queue is a bounded count (portal.counting: at most 1,001 index entries read), so the start page
stays instant for an enterprise with a million lists. Links are page endpoints with their filters;
the page turns them into URLs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_

from portal import clock
from portal.collection.declarations import declares_clause
from portal.counting import bounded_count, shown_count
from portal.models import AggregationRequest, Declaration, ListHead
from rules.aggregation import AGGREGATABLE_STATUS, GENERAL_TRADE_MODE, overdue_before

DRAFT_LIST, DECLARED_LIST, APPROVED_LIST = 1, 2, 7


# Each queue's title and what to do about it (shown through portal.i18n.translate).
QUEUE_TEXTS = {
    "drafts": ("暂存未申报的清单", "录入完成后申报"),
    "declared": ("已申报、等待海关审批的清单", "海关审批后自动变为“海关审批通过”"),
    "approved": ("海关审批通过、等待结关的清单", "结关后可汇总"),
    "ready": ("已结关、可汇总的清单", "选择清单汇总生成集报报关单"),
    "overdue": ("逾期未汇总的清单", "一般贸易清单须在次月 10 日前汇总"),
    "requests": ("待处理的汇总申请", "定时处理程序将生成集报报关单"),
    "to_declare": ("待申报的集报报关单", "本企业为报关申报单位（或不指定）的暂存报关单"),
}

# The start page's columns: the stages of the work, each with its queues.
QUEUE_GROUPS = (("集报清单", ("drafts", "declared", "approved")), ("集报清单汇总", ("ready", "overdue", "requests")),
                ("集报报关单", ("to_declare",)))


@dataclass(frozen=True)
class WaitingQueue:
    """One line of "what waits": the rule, the bounded count and the page (endpoint, arguments) that works it off."""

    key: str
    rule: str | None
    count: int
    endpoint: str
    args: dict = field(default_factory=dict)
    urgent: bool = False

    @property
    def title(self) -> str:
        return QUEUE_TEXTS[self.key][0]

    @property
    def hint(self) -> str:
        return QUEUE_TEXTS[self.key][1]

    @property
    def shown(self) -> str:
        return shown_count(self.count)


def overdue_clause(enterprise_id: int, today):
    """C-19: cleared lists not aggregated past their deadline — flagged on day 11, or due before today."""
    return and_(ListHead.enterprise_id == enterprise_id, ListHead.status == AGGREGATABLE_STATUS,
                ListHead.aggregation_id.is_(None),
                or_(ListHead.overdue.is_(True),
                    and_(ListHead.trade_mode == GENERAL_TRADE_MODE, ListHead.declare_date < overdue_before(today))))


def waiting_queues(session, identity) -> list[WaitingQueue]:
    """Return the enterprise's module C queues in the order of the work: lists, aggregation, declarations."""
    identity.require_module_c()
    me, today = identity.enterprise_id, clock.today()

    def lists(*conditions) -> int:
        return bounded_count(session, ListHead, ListHead.enterprise_id == me, *conditions)

    ready = lists(ListHead.status == AGGREGATABLE_STATUS, ListHead.aggregation_id.is_(None))
    overdue = bounded_count(session, ListHead, overdue_clause(me, today)) if ready else 0  # a subset of ready
    requests = bounded_count(session, AggregationRequest, AggregationRequest.enterprise_id == me,
                             AggregationRequest.status == "PENDING")
    to_declare = bounded_count(session, Declaration, declares_clause(me), Declaration.status == "DRAFT")
    return [
        WaitingQueue("drafts", None, lists(ListHead.status == DRAFT_LIST), "collection.lists_query",
                     {"status": DRAFT_LIST}),
        WaitingQueue("declared", None, lists(ListHead.status == DECLARED_LIST), "collection.lists_query",
                     {"status": DECLARED_LIST}),
        WaitingQueue("approved", None, lists(ListHead.status == APPROVED_LIST), "collection.lists_query",
                     {"status": APPROVED_LIST}),
        WaitingQueue("ready", "C-19", ready, "collection.aggregation_page"),
        WaitingQueue("overdue", "C-19", overdue, "collection.aggregation_page", urgent=True),
        WaitingQueue("requests", "C-20", requests, "collection.aggregation_page", {"_anchor": "aggregation-requests"}),
        WaitingQueue("to_declare", "C-24", to_declare, "collection.declarations_query",
                     {"role": "AGENT", "status": "DRAFT"}, urgent=True),
    ]
