"""Building the declarations of a batch of aggregation requests in SQL (C-21, C-22): group, merge, split.

Every step is one set-based statement over the whole batch; Python never iterates over list items:

1. a temporary stage table receives the merged items, in one statement of three steps: the batch's
   lists are numbered by their group (request and the list-level GROUP_KEYS; DENSE_RANK over the
   lists, not the items); their items are grouped by that one number and the MERGE_KEYS (NULL and ''
   merge, via COALESCE), quantities and totals summed; each merged row gets its group's keys back and
   is numbered per group with ROW_NUMBER() OVER (PARTITION BY group ORDER BY merge keys); row n goes
   to declaration part (n-1)/50 as item (n-1)%50+1. Grouping the items by one integer instead of the
   six list-level keys keeps the rows SQLite sorts narrow (it groups by sorting): at 100k items the
   merge takes about 0.6 × the time of a plain GROUP BY of the same items by all twelve keys;
2. one row per (request, group, part) becomes a 暂存 declaration; their unified numbers come from
   one numbering call (a few hundred rows, not items);
3. INSERT … SELECT writes the declaration items from the stage joined to the new declarations;
4. the lists move 12 → 13 in one conditional UPDATE whose row count must equal the lists counted
   at the start (a list revoked meanwhile makes the whole batch roll back and wait for the next run).

The 归并关系 of each list item is then the consolidation_mappings view (migration 0002): it joins
list items to declaration items by the same request, group and merge keys, so it needs no writing.
Enterprise and agent are GROUP_KEYS too; they are one value per request. The caller owns the
transaction: any exception leaves nothing of the batch behind (C-22).
"""
from __future__ import annotations

import contextlib

from sqlalchemy import (Column, Integer, MetaData, Numeric, Table, Text, and_, case, func, insert, literal,
                        literal_column, select, text)

from portal import numbering
from portal.database import is_postgres
from portal.collection.bulk_log import COUNTED, move_rows, write_audit
from portal.models import AggregationRequest, Declaration, DeclarationItem, ListHead, ListItem
from rules.aggregation import GROUP_KEYS, MAX_DECLARATION_ITEMS, MERGE_KEYS, PENDING_STATUS
from rules.lifecycles_collection import AGGREGATE_LIST
from rules.violations import RuleError, Violation

HEADS = ListHead.__table__
ITEMS = ListItem.__table__
REQUESTS = AggregationRequest.__table__
DECLARATIONS = Declaration.__table__
DECLARATION_ITEMS = DeclarationItem.__table__
REQUEST_KEYS = ("enterprise_id", "agent_code")           # one value per aggregation request
LIST_KEYS = tuple(key for key in GROUP_KEYS if key not in REQUEST_KEYS)
EMPTY = literal_column("''")
STAGE_NAME = "aggregation_stage"


def head_key(name: str):
    """Return the SQL value of a list-level group key (I/E comes from the list type)."""
    if name == "ie_flag":
        return case((HEADS.c.list_type.startswith("IMPORT"), "I"), else_="E")
    return HEADS.c[name]


def _stage_table() -> Table:
    """Describe the temporary stage: request, group and merge keys, sums and numbering."""
    columns = [Column("request_id", Integer, nullable=False)]
    columns += [Column(f"g_{k}", Text, nullable=False) for k in LIST_KEYS]
    columns += [Column(f"m_{k}", Text, nullable=False) for k in MERGE_KEYS]
    columns += [Column("qty", Numeric(18, 4)), Column("total", Numeric(18, 2)), Column("line_count", Integer),
                Column("part", Integer), Column("item_no", Integer)]
    return Table(STAGE_NAME, MetaData(), *columns, prefixes=["TEMPORARY"])


STAGE = _stage_table()
GROUP_COLUMNS = [STAGE.c[f"g_{k}"] for k in LIST_KEYS]
MERGE_COLUMNS = [STAGE.c[f"m_{k}"] for k in MERGE_KEYS]


def _reset_stage(session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE_NAME}"))
    STAGE.create(session.connection())


def pending_lists(request_ids):
    """Select the lists of the batch's requests still 待汇总."""
    return and_(HEADS.c.aggregation_id.in_(request_ids), HEADS.c.status == PENDING_STATUS)


def move_lists_to_done(session, request_ids, now, expected: int) -> int:
    """Log and move the batch's lists 12 待汇总 → 13 已汇总 in one conditional UPDATE (C-19, C-22).

    A list that left its request meanwhile (an approved revoke) makes the count differ: 409, roll back.
    """
    moved = move_rows(session, HEADS, pending_lists(request_ids), AGGREGATE_LIST, number_column="center_no", at=now,
                      moved=and_(HEADS.c.aggregation_id.in_(request_ids), HEADS.c.status == AGGREGATE_LIST.target))
    if moved != expected:
        raise RuleError([Violation("C-22", "lists", "汇总过程中有清单被修改或撤销，本次汇总已回滚，将重新处理")], status=409)
    return moved


@contextlib.contextmanager
def _hash_grouping(session):
    """Let PostgreSQL group by hashing: it expects about one group per item (it cannot know how many
    merge), so it would sort every item by its keys instead, several times slower."""
    if not is_postgres(session):
        yield
        return
    settings = ("enable_sort", "enable_incremental_sort", "jit")  # JIT: compiling costs more than it saves here
    for name in settings:
        session.execute(text(f"SET LOCAL {name} = off"))
    try:
        yield
    finally:
        for name in settings:
            session.execute(text(f"SET LOCAL {name} TO DEFAULT"))


def fill_stage(session, lists_where) -> int:
    """Merge the items of the lists `lists_where` selects into the stage, numbered per request and group
    (C-21); return the rows. Each list names its request (aggregation_id).

    Three materialized steps: the lists with their group number, the groups' keys, the items merged per
    group number; so the items are grouped by seven keys (one an integer), not twelve, and the window
    that numbers the merged rows sorts those few rows, not the items.
    """
    keys = [HEADS.c.aggregation_id.label("request_id")]
    keys += [func.coalesce(head_key(k), EMPTY).label(f"g_{k}") for k in LIST_KEYS]
    lists = (select(HEADS.c.id.label("list_id"), func.dense_rank().over(order_by=keys).label("group_no"), *keys)
             .where(lists_where).cte("lists").prefix_with("MATERIALIZED"))
    group_names = [key.name for key in keys]
    groups = (select(lists.c.group_no, *[lists.c[n] for n in group_names]).distinct()
              .cte("groups").prefix_with("MATERIALIZED"))
    merges = [func.coalesce(ITEMS.c[k], EMPTY).label(f"m_{k}") for k in MERGE_KEYS]
    merged = (select(lists.c.group_no, *merges, func.sum(ITEMS.c.qty).label("qty"),
                     func.sum(ITEMS.c.total).label("total"), func.count().label("line_count"))
              .select_from(lists.join(ITEMS, ITEMS.c.list_id == lists.c.list_id))
              .group_by(lists.c.group_no, *merges).cte("merged").prefix_with("MATERIALIZED"))
    merge_names = [c.name for c in MERGE_COLUMNS]
    position = func.row_number().over(partition_by=merged.c.group_no,
                                      order_by=[merged.c[n] for n in merge_names]) - 1
    rows = (select(*[groups.c[n] for n in group_names], *[merged.c[n] for n in merge_names], merged.c.qty,
                   merged.c.total, merged.c.line_count, position // MAX_DECLARATION_ITEMS,
                   position % MAX_DECLARATION_ITEMS + 1)
            .select_from(merged.join(groups, groups.c.group_no == merged.c.group_no)))
    names = group_names + merge_names + ["qty", "total", "line_count", "part", "item_no"]
    with _hash_grouping(session):
        return session.execute(insert(STAGE).from_select(names, rows), execution_options=COUNTED).rowcount


def insert_declarations(session, request_ids, now) -> int:
    """Create one 暂存 declaration per (request, group, part of ≤ 50 items), numbered in one call (C-21, C-24)."""
    parts = session.execute(select(STAGE.c.request_id, *GROUP_COLUMNS, STAGE.c.part, func.count().label("items"))
                            .group_by(STAGE.c.request_id, *GROUP_COLUMNS, STAGE.c.part)
                            .order_by(STAGE.c.request_id, *GROUP_COLUMNS, STAGE.c.part)).all()
    if not parts:
        return 0
    requests = {row.id: row for row in session.execute(
        select(REQUESTS.c.id, REQUESTS.c.enterprise_id, REQUESTS.c.agent_enterprise_id, REQUESTS.c.agent_code,
               REQUESTS.c.agent_name).where(REQUESTS.c.id.in_(request_ids)))}
    numbers = numbering.next_numbers(session, "declaration", len(parts))
    rows = []
    for number, part in zip(numbers, parts):  # one row per declaration, not per item
        owner = requests[part.request_id]
        keys = {k: (getattr(part, f"g_{k}") or None) for k in LIST_KEYS}
        rows.append({**keys, "unified_no": number, "aggregation_id": owner.id, "enterprise_id": owner.enterprise_id,
                     "agent_enterprise_id": owner.agent_enterprise_id, "agent_code": owner.agent_code,
                     "agent_name": owner.agent_name, "group_seq": part.part + 1, "item_count": part.items,
                     "status": "DRAFT", "version": 1, "created_at": now, "updated_at": now, "status_changed_at": now})
    session.execute(insert(DECLARATIONS), rows)
    write_audit(session, DECLARATIONS, DECLARATIONS.c.aggregation_id.in_(request_ids), "create",
                {"status": (None, "DRAFT")})
    return len(rows)


def insert_declaration_items(session, request_ids, now) -> int:
    """Write the merged items of every new declaration: the stage joined to its declaration (C-21)."""
    match = [func.coalesce(DECLARATIONS.c[k], EMPTY) == STAGE.c[f"g_{k}"] for k in LIST_KEYS]
    merge_values = [func.nullif(STAGE.c[f"m_{k}"], EMPTY) if k == "spec" else STAGE.c[f"m_{k}"] for k in MERGE_KEYS]
    rows = (select(DECLARATIONS.c.id, DECLARATIONS.c.enterprise_id, STAGE.c.item_no, *merge_values, STAGE.c.qty,
                   STAGE.c.total, literal(now), literal(now))
            .select_from(STAGE.join(DECLARATIONS, and_(DECLARATIONS.c.aggregation_id == STAGE.c.request_id,
                                                       DECLARATIONS.c.group_seq == STAGE.c.part + 1, *match))))
    names = ["declaration_id", "enterprise_id", "item_no", *MERGE_KEYS, "qty", "total", "created_at", "updated_at"]
    return session.execute(insert(DECLARATION_ITEMS).from_select(names, rows), execution_options=COUNTED).rowcount


def build_declarations(session, request_ids, now, lists_where=None) -> dict:
    """Turn the batch's lists into declarations and items; return the counts (C-21, C-22).

    By default the lists are the requests' lists in 12, moved to 13 here. Month-end passes its own
    condition on list_heads: it has already moved its lists 15 → 13 in this transaction.
    """
    request_ids = list(request_ids)
    move = lists_where is None
    _reset_stage(session)
    fill_stage(session, pending_lists(request_ids) if move else lists_where)
    lists = session.scalar(select(func.count()).select_from(HEADS).where(pending_lists(request_ids))) if move \
        else None
    items = session.scalar(select(func.coalesce(func.sum(STAGE.c.line_count), 0)))
    declarations = insert_declarations(session, request_ids, now)
    declaration_items = insert_declaration_items(session, request_ids, now)
    staged = session.scalar(select(func.count()).select_from(STAGE))
    if declaration_items != staged:
        raise RuleError([Violation("C-22", "declaration_items",
                                   f"报关单表体 {declaration_items} 条与归并结果 {staged} 条不一致，汇总已回滚")], status=409)
    if move:
        move_lists_to_done(session, request_ids, now, lists)
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE_NAME}"))  # on failure the rollback removes it
    return {"lists": lists, "items": int(items), "declarations": declarations, "declaration_items": declaration_items}
