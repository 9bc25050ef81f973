"""Staff correction of a final list (更正, issue 12): a list in 15 已结关 or 13 已汇总 that staff must correct.

The correction asks for a reason, takes the fields a modify request may change (C-17), re-runs the declare
checks of a modify request's approval (C-9..C-13) and keeps C-22: on a list already aggregated, a change of a
C-21 grouping or merge key, or of a quantity or amount the declaration sums, is refused (409 C-22) — that
takes a modify/revoke request. The audit rows carry the field diff and the reason; the caller commits.
"""
from __future__ import annotations

from portal import audit
from portal.collection.change_requests import ITEM_KEY, apply_values, field_diffs, modified_values
from portal.collection.filing_common import lock
from portal.collection.list_checks import declare_violations
from portal.collection.list_values import Lookups
from portal.models import ListHead, ListItem
from rules.aggregation import AGGREGATABLE_STATUS, DONE_STATUS, GROUP_KEYS, MERGE_KEYS
from rules.lifecycles_collection import LIST_HEADS
from rules.violations import RuleError, Violation

CORRECTABLE = (AGGREGATABLE_STATUS, DONE_STATUS)
SUMMED = ("qty", "unit_price", "total")   # C-22: the declaration items' quantities and amounts
REASON_LENGTH = 1000


def _aggregated_key(diff: dict) -> bool:
    match = ITEM_KEY.fullmatch(diff["field"])
    return match[2] in (*MERGE_KEYS, *SUMMED) if match else diff["field"] in GROUP_KEYS


def correct_final_list(session, head: ListHead, changes: dict, reason: str) -> ListHead:
    """Apply a staff correction to a list in 15 or 13 (changes: head field or items[i].field → new text)."""
    reason = (reason or "").strip()
    head = lock(session, head)
    if head.status not in CORRECTABLE:
        raise RuleError([Violation("C-14", "status", f"清单处于“{LIST_HEADS.status_name(head.status)}”状态，"
                                                     "不能更正（仅已结关、已汇总的清单可由工作人员更正）")], status=409)
    violations = [] if reason else [Violation("S-3", "reason", "更正须填写原因")]
    if len(reason) > REASON_LENGTH:
        violations.append(Violation("S-3", "reason", f"原因不能超过 {REASON_LENGTH} 个字符"))
    diffs, found = field_diffs(head, changes)
    violations += found
    if not diffs and not found:
        violations.append(Violation("C-17", "changes", "没有需要更正的字段"))
    if head.status == DONE_STATUS:
        keys = [d for d in diffs if _aggregated_key(d)]
        if keys:
            raise RuleError([Violation("C-22", d["field"], "清单已汇总，更正该字段会改变归并关系或汇总的数量、金额，"
                                                            "请通过修撤单（修改/撤销申请）办理") for d in keys], status=409)
    if violations:
        raise RuleError(violations)
    values, items = modified_values(head, diffs)
    checked = declare_violations(session, Lookups(session, head.enterprise_id), head, values, items, draft=False)
    if checked.violations:
        raise RuleError(checked.violations)
    stored = sorted(head.items, key=lambda i: i.seq)
    for diff in diffs:
        match = ITEM_KEY.fullmatch(diff["field"])
        if match:  # list items are bulk children the session events skip
            audit.record(session, ListItem.__tablename__, stored[int(match[1])].id, "update",
                         {match[2]: (diff["old"], diff["new"]), "reason": (None, reason)})
    audit.note_opinion(session, reason, key="reason")
    apply_values(session, head, values, items)
    session.info.pop("audit_opinion", None)
    return head
