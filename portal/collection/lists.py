"""Lists (集报清单): save, edit, items, copy, delete, declare and the customs decisions (C-8..C-14).

Enterprise operations take (session, identity, …) and need a card login of the owning enterprise
(U-5); another enterprise's list is 404. Only status 1 (暂存) lists can be edited, have items
inserted or deleted, be deleted or be declared (C-14, else 409); any list can be copied into a
new draft. Declaring runs every check at once (list_checks.declare_violations) and answers one
422 with all violations. Customs decisions take (session, head, message) and are called by the
simulator, the staff admin and tests. All flush and never commit; every status change goes
through portal.transitions.transition (receipt + audit, exactly once).
"""
from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, clock, numbering
from portal.collection.filing_common import lock, not_found
from portal.collection.list_checks import declare_violations
from portal.collection.list_values import (HEAD_FIELDS, Lookups, clean_head, clean_items, head_values, item_rows,
                                           item_values, parse_field, refresh_copies)
from portal.models import ListHead, ListItem
from portal.transitions import performs, transition
from rules.collection import renumber_after_delete, renumber_after_insert
from rules.lifecycles_collection import ACCEPT_LIST, CLEAR_LIST, DECLARE_LIST, FAIL_LIST_RECEIPT, LIST_HEADS, RETURN_LIST
from rules.lists import editable_violations
from rules.violations import RuleError, Violation

DRAFT = LIST_HEADS.initial


def find_list(session, identity, center_no: str) -> ListHead:
    """Return the enterprise's own list by center unified no.; others' are 404 (U-5, §0)."""
    identity.require_module_c()
    head = session.scalar(select(ListHead).where(ListHead.center_no == str(center_no or "").strip(),
                                                 ListHead.tenant_clause(identity.enterprise_id)))
    if head is None:
        raise not_found("center_no", "集报清单")
    return head


def _flush(session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise RuleError([Violation("C-14", "status", "清单已被其他操作修改，请刷新后重试")], status=409) from None


def _draft(session, identity, head: ListHead) -> ListHead:
    """Lock an own list and refuse it unless it is still 暂存 (C-14)."""
    identity.require_module_c()
    if head is None or head.enterprise_id != identity.enterprise_id:
        raise not_found("center_no", "集报清单")
    head = lock(session, head)
    if head.status != DRAFT:
        raise RuleError(editable_violations(head.status), status=409)
    return head


def _replace_items(session, head: ListHead, rows: list[dict]) -> None:
    session.execute(delete(ListItem).where(ListItem.list_id == head.id))
    if rows:
        session.execute(insert(ListItem), rows)
    session.expire(head, ["items"])


def save_list(session, identity, body: dict, head: ListHead | None = None) -> ListHead:
    """Save (暂存) a list: needs list type and customs; number on first save; items copy filed data (C-8, C-10)."""
    identity.require_module_c()
    if head is not None:
        head = _draft(session, identity, head)
    return _store_list(session, identity.enterprise_id, dict(body or {}), head)


def _staff_draft(session, head: ListHead) -> ListHead:
    """Lock a list of any enterprise for staff and refuse it unless it is still 暂存 (C-14)."""
    head = lock(session, head)
    if head.status != DRAFT:
        raise RuleError(editable_violations(head.status), status=409)
    return head


def correct_list(session, head: ListHead, body: dict) -> ListHead:
    """Staff correct a 暂存 list of any enterprise (admin): the checks and effects of save_list (C-8, C-10, C-14)."""
    head = _staff_draft(session, head)
    return _store_list(session, head.enterprise_id, dict(body or {}), head)


def correct_list_item(session, item: ListItem, body: dict) -> ListItem:
    """Staff re-classify the spec (申报要素) of an item of a 暂存 list (admin; C-10, C-14); audited here, as list
    items are bulk children the session events skip (X-3)."""
    head = _staff_draft(session, item.head)
    spec, problem = parse_field("spec", body.get("spec"))
    if problem:
        raise RuleError([problem])
    if spec != item.spec:
        audit.record(session, ListItem.__tablename__, item.id, "update", {"spec": (item.spec, spec)})
        item.spec = spec
        head.updated_at = clock.now_naive()
        _flush(session)
    return item


def _store_list(session, enterprise_id: int, body: dict, head: ListHead | None) -> ListHead:
    merged = {**(head_values(head) if head is not None else {}), **{k: body[k] for k in HEAD_FIELDS if k in body}}
    lookups = Lookups(session, enterprise_id)
    values, violations = clean_head(merged, lookups.codes("customs"))
    items, item_problems = clean_items(body.get("items")) if "items" in body else (None, [])
    violations += item_problems
    if violations:
        raise RuleError(violations)
    if head is None:
        head = ListHead(center_no=numbering.next_number(session, "list"), enterprise_id=enterprise_id, status=DRAFT)
        session.add(head)
    for name, value in values.items():
        setattr(head, name, value)
    filing = lookups.filing_for_save(values["list_type"], values["customs_code"])
    head.filing_id = filing.id if filing is not None else None
    head.updated_at = clock.now_naive()  # always an UPDATE, so a concurrent change makes this a 409
    _flush(session)
    book = lookups.book(values["list_type"], values["filing_no"])
    if items is not None:
        _replace_items(session, head, item_rows(items, book, head.id, head.enterprise_id))
    else:
        refresh_copies(head.items, book)
        _flush(session)
    return head


def update_list(session, identity, head: ListHead, body: dict) -> ListHead:
    """Save changes to a 暂存 list; `items`, when given, replace all items (C-14: else 409)."""
    return save_list(session, identity, body, head)


def _shift_items(session, head: ListHead, mapping: dict[int, int]) -> None:
    """Apply old→new seqs through negative values so the unique (list, seq) never clashes."""
    table = ListItem.__table__
    for old, new in mapping.items():
        session.execute(update(table).where(table.c.list_id == head.id, table.c.seq == old).values(seq=-new))
    session.execute(update(table).where(table.c.list_id == head.id, table.c.seq < 0).values(seq=-table.c.seq))
    session.expire(head, ["items"])


def insert_list_item_before(session, identity, head: ListHead, item: dict, before: int | None = None) -> ListHead:
    """Insert an item before item `before` (later items +1), or append it when `before` is None (C-10)."""
    head = _draft(session, identity, head)
    rows, violations = clean_items([item], prefix="item")
    seqs = [i.seq for i in head.items]
    if before is not None and before not in seqs:
        violations.append(Violation("C-10", "before", f"清单表体中没有序号为 {before} 的商品"))
    if violations:
        raise RuleError([Violation(v.rule, v.field.replace("item[0]", "item"), v.message) for v in violations])
    seq = before if before is not None else len(seqs) + 1
    if before is not None:
        _shift_items(session, head, renumber_after_insert(seqs, before))
    book = Lookups(session, head.enterprise_id).book(head.list_type, head.filing_no)
    session.execute(insert(ListItem), item_rows(rows, book, head.id, head.enterprise_id, first_seq=seq))
    head.updated_at = clock.now_naive()
    _flush(session)
    session.expire(head, ["items"])
    return head


def delete_list_item(session, identity, head: ListHead, seq: int, version: int | None = None) -> ListHead:
    """Delete item `seq` of a 暂存 list; later items move −1 so seqs stay 1..n (C-10).

    With `version` (the list's version the caller last read) a retried delete is refused with 409 instead of
    deleting the item renumbered into `seq` by the first attempt."""
    head = _draft(session, identity, head)
    if version is not None and head.version != version:
        raise RuleError([Violation("C-10", "version", f"清单已被修改（当前版本 {head.version}），请刷新后重试")],
                        status=409)
    seqs = [i.seq for i in head.items]
    if seq not in seqs:
        raise RuleError([Violation("C-10", "seq", f"清单表体中没有序号为 {seq} 的商品")])
    session.execute(delete(ListItem).where(ListItem.list_id == head.id, ListItem.seq == seq))
    _shift_items(session, head, renumber_after_delete([s for s in seqs if s != seq], seq))
    head.updated_at = clock.now_naive()
    _flush(session)
    session.expire(head, ["items"])
    return head


def copy_list(session, identity, head: ListHead) -> ListHead:
    """Copy a list in any status into a new 暂存 list with a new center unified no. (C-14)."""
    identity.require_module_c()
    if head is None or head.enterprise_id != identity.enterprise_id:
        raise not_found("center_no", "集报清单")
    values = head_values(head)
    copy = ListHead(center_no=numbering.next_number(session, "list"), enterprise_id=head.enterprise_id,
                    status=DRAFT, **values)
    filing = Lookups(session, head.enterprise_id).filing_for_save(values["list_type"], values["customs_code"])
    copy.filing_id = filing.id if filing is not None else None
    session.add(copy)
    _flush(session)
    rows = item_values(head)
    if rows:
        session.execute(insert(ListItem), [{**row, "list_id": copy.id, "enterprise_id": copy.enterprise_id,
                                            "seq": seq} for seq, row in enumerate(rows, 1)])
    return copy


def delete_list(session, identity, head: ListHead) -> None:
    """Delete a 暂存 list with its items (C-14: other statuses are 409)."""
    _remove_list(session, _draft(session, identity, head))


def discard_list(session, head: ListHead) -> None:
    """Staff delete a 暂存 list of any enterprise with its items (admin; C-14: other statuses are 409)."""
    _remove_list(session, _staff_draft(session, head))


def _remove_list(session, head: ListHead) -> None:
    session.execute(delete(ListItem).where(ListItem.list_id == head.id))
    session.expire(head, ["items"])
    session.delete(head)
    _flush(session)


def declare_list(session, identity, head: ListHead) -> ListHead:
    """Declare (申报) a 暂存 list: every C-3, C-9..C-13 check together, then status 1 → 2 (C-11 fills date, mode)."""
    head = _draft(session, identity, head)
    lookups = Lookups(session, head.enterprise_id)
    checked = declare_violations(session, lookups, head, head_values(head), item_values(head), draft=True)
    if checked.violations:
        raise RuleError(checked.violations)
    refresh_copies(head.items, checked.book)
    _flush(session)
    transition(session, head, DECLARE_LIST, source="enterprise", record_no=head.center_no,
               values={"declare_date": clock.today(), "trade_mode": checked.trade_mode, "filing_id": checked.filing.id})
    return head


def _decide(session, head: ListHead, move, message: str, source: str) -> ListHead:
    transition(session, head, move, source=source, message=message, record_no=head.center_no)
    return head


@performs(ACCEPT_LIST)
def accept_list(session, head: ListHead, message: str = "", source: str = "customs") -> ListHead:
    """Customs accepts a declared list: 2 → 7 海关审批通过."""
    return _decide(session, head, ACCEPT_LIST, message, source)


@performs(FAIL_LIST_RECEIPT)
def fail_list_receipt(session, head: ListHead, message: str = "", source: str = "customs") -> ListHead:
    """Customs could not store a declared list: 2 → 3 海关入库失败 (copy it to declare again)."""
    return _decide(session, head, FAIL_LIST_RECEIPT, message, source)


@performs(RETURN_LIST)
def return_list(session, head: ListHead, message: str = "", source: str = "customs") -> ListHead:
    """Customs returns a declared list: 2 → 4 退单."""
    return _decide(session, head, RETURN_LIST, message, source)


@performs(CLEAR_LIST)
def clear_list(session, head: ListHead, message: str = "", source: str = "customs") -> ListHead:
    """Customs clears an accepted list: 7 (or 9, 10, 11) → 15 已结关."""
    return _decide(session, head, CLEAR_LIST, message, source)
