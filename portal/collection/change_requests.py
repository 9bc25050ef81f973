"""Modify / revoke requests (修撤单) on declared lists (C-16..C-18, C-22).

A request is saved (ENTERED) with field-level old → new values, declared (DECLARED), and decided
by customs: approving a modify request re-checks the changed list against C-9..C-13 and applies
it, or rejects the request with the violations as its message and changes nothing; approving a
revoke request moves the list to 16 已撤销 (which uses no licence quantity, C-12) and takes a
list pending aggregation (12) out of its aggregation request first (C-22). One open request per
list is enforced by the unique ChangeRequest.open_marker (= list id while the request is open).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.collection.filing_common import lock, not_found, plain_amount
from portal.collection.list_checks import declare_violations
from portal.collection.list_values import LABELS, Lookups, head_values, item_values, parse_field
from portal.inputs import parse_id
from portal.models import ChangeRequest, ListHead
from portal.models.collection import CHANGE_REQUEST_TYPES
from portal.transitions import performs, transition
from rules.lifecycles_collection import (APPROVE_CHANGE_REQUEST, DECLARE_CHANGE_REQUEST, LIST_HEADS, REJECT_CHANGE_REQUEST,
                                         REVOKE_LIST)
from rules.lists import (CHANGE_REQUEST_STATUSES, MODIFIABLE_HEAD_FIELDS, MODIFIABLE_ITEM_FIELDS,
                         change_request_violations, item_total)
from rules.violations import RuleError, Violation

OPEN = ("ENTERED", "DECLARED")
REQUEST_TYPE_NAMES = {"MODIFY": "修改申请", "REVOKE": "撤销申请"}
ITEM_KEY = re.compile(r"items\[(\d+)\]\.(\w+)")
REQUIRED_ITEM_FIELDS = ("qty", "unit_price")
PENDING_AGGREGATION = 12


def find_change_request(session, identity, request_id) -> ChangeRequest:
    """Return the enterprise's own request by id; others' are 404 (U-5, §0)."""
    identity.require_module_c()
    key = parse_id(request_id)
    request = session.get(ChangeRequest, key) if key is not None else None
    if request is None or request.enterprise_id != identity.enterprise_id:
        raise not_found("id", "修撤单")
    return request


def plain(value):
    """Return a stored value in the JSON shape of a field diff (decimals without trailing zeros)."""
    return plain_amount(value) if isinstance(value, Decimal) else value


def field_diffs(head: ListHead, changes: dict) -> tuple[list[dict], list[Violation]]:
    """C-17: the [{field, old, new}] of a modify request; unchanged fields are dropped."""
    items = sorted(head.items, key=lambda i: i.seq)
    diffs, found = [], []
    for key, new in changes.items():
        match = ITEM_KEY.fullmatch(key)
        if match and match[2] in MODIFIABLE_ITEM_FIELDS:
            index, name = int(match[1]), match[2]
            if index >= len(items):
                found.append(Violation("C-17", f"changes.{key}", f"清单没有第 {index + 1} 项商品"))
                continue
            old = getattr(items[index], name, None)
        elif key in MODIFIABLE_HEAD_FIELDS:
            name, old = key, getattr(head, key)
        else:
            continue  # change_request_violations names fields that cannot be modified
        parsed, problem = parse_field(name, new)
        if problem is not None:
            found.append(Violation(problem.rule, f"changes.{key}", problem.message))
            continue
        if match and name in REQUIRED_ITEM_FIELDS and parsed is None:
            found.append(Violation("C-11", f"changes.{key}", f"{LABELS[name]}不能为空"))
            continue
        if plain(parsed) != plain(old):
            diffs.append({"field": key, "old": plain(old), "new": plain(parsed)})
    return sorted(diffs, key=_diff_order), found


def _diff_order(diff: dict) -> tuple:
    """Head fields first in form order, then items by index and field."""
    match = ITEM_KEY.fullmatch(diff["field"])
    if match is None:
        return (0, MODIFIABLE_HEAD_FIELDS.index(diff["field"]), 0)
    return (1, int(match[1]), MODIFIABLE_ITEM_FIELDS.index(match[2]))


def create_change_request(session, identity, head: ListHead, request_type: str, changes: dict | None,
                          reason: str | None, contact: str | None, phone: str | None) -> ChangeRequest:
    """Save (暂存) a modify or revoke request on a list in 7, 9–12 or 15; one open request per list (C-16, C-17)."""
    identity.require_module_c()
    if head is None or head.enterprise_id != identity.enterprise_id:
        raise not_found("center_no", "集报清单")
    head = lock(session, head)
    has_open = session.scalar(select(ChangeRequest.id).where(ChangeRequest.open_marker == head.id)) is not None
    changes = dict(changes or {})
    violations = change_request_violations(head.status, has_open, request_type, reason, contact, phone,
                                           changes if request_type == "MODIFY" else None)
    if any(v.rule == "C-16" for v in violations):
        raise RuleError([v for v in violations if v.rule == "C-16"], status=409)
    diffs = []
    if request_type == "MODIFY" and changes:
        diffs, problems = field_diffs(head, changes)
        violations += problems
        if not diffs and not violations:
            violations.append(Violation("C-17", "changes", "修改内容与清单现有数据相同"))
    elif request_type == "REVOKE" and changes:
        violations.append(Violation("C-17", "changes", "撤销申请不能修改字段"))
    if violations:
        raise RuleError(violations)
    request = ChangeRequest(list_id=head.id, enterprise_id=head.enterprise_id, request_type=request_type,
                            status="ENTERED", changes=diffs, reason=reason.strip(), contact=contact.strip(),
                            phone=phone.strip(), open_marker=head.id)
    session.add(request)
    try:
        session.flush()
    except IntegrityError:
        raise RuleError([Violation("C-16", "list", "该清单已有未办结的修撤单")], status=409) from None
    return request


def declare_change_request(session, identity, request: ChangeRequest) -> ChangeRequest:
    """Declare a saved request to customs: ENTERED → DECLARED (C-17)."""
    identity.require_module_c()
    if request is None or request.enterprise_id != identity.enterprise_id:
        raise not_found("id", "修撤单")
    transition(session, request, DECLARE_CHANGE_REQUEST, source="enterprise", record_no=request.head.center_no)
    return request


def _close(session, request: ChangeRequest, move, message: str, source: str) -> ChangeRequest:
    """Decide a declared request and free its list for a new one."""
    transition(session, request, move, source=source, message=message, record_no=request.head.center_no,
               values={"open_marker": None})
    return request


def modified_values(head: ListHead, diffs: list[dict]) -> tuple[dict, list[dict]]:
    """Return the list's head values and items with a modify request's new values applied."""
    values, items = head_values(head), item_values(head)
    for diff in diffs:
        match = ITEM_KEY.fullmatch(diff["field"])
        name = match[2] if match else diff["field"]
        target = items[int(match[1])] if match else values
        target[name] = parse_field(name, diff["new"])[0]
    for item in items:
        item["total"] = item_total(item["qty"], item["unit_price"])
    return values, items


def apply_values(session, head: ListHead, values: dict, items: list[dict]) -> None:
    for name in MODIFIABLE_HEAD_FIELDS:
        if getattr(head, name) != values[name]:
            setattr(head, name, values[name])
    for item, new in zip(sorted(head.items, key=lambda i: i.seq), items):
        for name in ("qty", "unit_price", "currency", "country", "spec", "total"):
            if getattr(item, name) != new[name]:
                setattr(item, name, new[name])
    head.updated_at = clock.now_naive()
    session.flush()


@performs(APPROVE_CHANGE_REQUEST)
def approve_change_request(session, request: ChangeRequest, message: str = "",
                           source: str = "customs") -> ChangeRequest:
    """Customs approves: modify → re-check C-9..C-13 and apply (or reject with the violations); revoke → 16."""
    head = lock(session, request.head)
    if head.status not in CHANGE_REQUEST_STATUSES:
        return _close(session, request, REJECT_CHANGE_REQUEST,
                      f"[C-16] 清单当前状态为“{LIST_HEADS.status_name(head.status)}”，不能修撤", source)
    if request.request_type == "REVOKE":
        values = {"aggregation_id": None} if head.status == PENDING_AGGREGATION else None
        transition(session, head, REVOKE_LIST, source=source, message=message or "撤销申请审批通过，清单已撤销",
                   record_no=head.center_no, values=values)
        return _close(session, request, APPROVE_CHANGE_REQUEST, message or "撤销申请审批通过", source)
    values, items = modified_values(head, request.changes)
    checked = declare_violations(session, Lookups(session, head.enterprise_id), head, values, items, draft=False)
    if checked.violations:
        opinion = "修改后的清单未通过校验：" + "；".join(f"[{v.rule}] {v.field}：{v.message}" for v in checked.violations)
        return _close(session, request, REJECT_CHANGE_REQUEST, opinion, source)
    apply_values(session, head, values, items)
    return _close(session, request, APPROVE_CHANGE_REQUEST, message or "修改申请审批通过，清单已按申请修改", source)


@performs(REJECT_CHANGE_REQUEST)
def reject_change_request(session, request: ChangeRequest, message: str = "",
                          source: str = "customs") -> ChangeRequest:
    """Customs rejects a declared request; the list is unchanged (C-17)."""
    return _close(session, request, REJECT_CHANGE_REQUEST, message, source)


def query_change_requests(session, identity, request_type: str | None, status: str | None = None,
                          list_no: str | None = None, date_from: date | None = None, date_to: date | None = None,
                          cursor: int | None = None, limit: int = 20) -> tuple[list[ChangeRequest], int | None]:
    """C-18: the enterprise's requests of one type (required), optionally by status, list no. and date range."""
    identity.require_module_c()
    if not request_type:
        raise RuleError([Violation("C-18", "type", "修撤单类型为必选项")])
    if request_type not in CHANGE_REQUEST_TYPES:
        raise RuleError([Violation("C-18", "type", "修撤单类型必须为 MODIFY（修改）或 REVOKE（撤销）")])
    query = select(ChangeRequest).where(ChangeRequest.tenant_clause(identity.enterprise_id),
                                        ChangeRequest.request_type == request_type)
    if status:
        query = query.where(ChangeRequest.status == status)
    if list_no:
        query = query.join(ListHead, ListHead.id == ChangeRequest.list_id).where(ListHead.center_no == list_no)
    if date_from:
        query = query.where(ChangeRequest.created_at >= date_from)
    if date_to:
        query = query.where(ChangeRequest.created_at < date_to + timedelta(days=1))
    if cursor is not None:
        query = query.where(ChangeRequest.id < cursor)
    rows = list(session.scalars(query.order_by(ChangeRequest.id.desc()).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)
