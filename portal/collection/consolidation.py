"""Building the declarations of one aggregation request in SQL (C-21, C-22): group, merge, split, map.

Every step is one set-based statement; Python never iterates over list items:

1. a temporary stage table receives the merged items: list items joined to their heads are
   grouped by the list-level GROUP_KEYS and the MERGE_KEYS (NULL and '' merge, via COALESCE),
   quantities and totals summed, and numbered per group with ROW_NUMBER() OVER (PARTITION BY
   group ORDER BY merge keys); row n goes to declaration part (n-1)/50 as item (n-1)%50+1;
2. one row per (group, part) becomes a declaration; their unified numbers come from one
   numbering call; the stage learns each declaration id (UPDATE … FROM);
3. INSERT … SELECT writes the declaration items, then UPDATE … FROM gives the stage their ids;
4. INSERT … SELECT joins every list item to its stage row and writes its 归并关系; the row
   count must equal the number of items the stage merged, or the whole request rolls back;
5. the lists move 12 → 13 in one conditional UPDATE whose row count must equal the lists counted
   at the start (a list revoked meanwhile makes the whole request roll back and wait for the next run).

Enterprise and agent are GROUP_KEYS too, but they are one value per request. The caller owns
the transaction: any exception leaves nothing of the request behind (C-22).
"""
from __future__ import annotations

from sqlalchemy import (Column, Index, Integer, MetaData, Numeric, Table, Text, and_, case, func, insert, literal,
                        literal_column, select, text, update)

from portal import numbering
from portal.database import is_postgres
from portal.collection.bulk_log import COUNTED, log_transition, write_audit
from portal.models import ConsolidationMapping, Declaration, DeclarationItem, ListHead, ListItem
from rules.aggregation import DONE_STATUS, GROUP_KEYS, MAX_DECLARATION_ITEMS, MERGE_KEYS, PENDING_STATUS
from rules.violations import RuleError, Violation

HEADS = ListHead.__table__
ITEMS = ListItem.__table__
DECLARATIONS = Declaration.__table__
DECLARATION_ITEMS = DeclarationItem.__table__
MAPPINGS = ConsolidationMapping.__table__
REQUEST_KEYS = ("enterprise_id", "agent_code")           # one value per aggregation request
LIST_KEYS = tuple(key for key in GROUP_KEYS if key not in REQUEST_KEYS)
EMPTY = literal_column("''")
STAGE_NAME = "aggregation_stage"


def _head_key(name: str):
    """Return the SQL value of a list-level group key (I/E comes from the list type)."""
    if name == "ie_flag":
        return case((HEADS.c.list_type.startswith("IMPORT"), "I"), else_="E")
    return HEADS.c[name]


def _stage_table() -> Table:
    """Describe the temporary stage: group and merge keys, sums, numbering, the ids it receives."""
    columns = [Column(f"g_{k}", Text, nullable=False) for k in LIST_KEYS]
    columns += [Column(f"m_{k}", Text, nullable=False) for k in MERGE_KEYS]
    columns += [Column("qty", Numeric(18, 4)), Column("total", Numeric(18, 2)), Column("line_count", Integer),
                Column("part", Integer), Column("item_no", Integer), Column("declaration_id", Integer),
                Column("declaration_item_id", Integer)]
    keys = [column.name for column in columns if column.name[:2] in ("g_", "m_")]
    return Table(STAGE_NAME, MetaData(), *columns, Index(f"ix_{STAGE_NAME}_keys", *keys), prefixes=["TEMPORARY"])


STAGE = _stage_table()
GROUP_COLUMNS = [STAGE.c[f"g_{k}"] for k in LIST_KEYS]
MERGE_COLUMNS = [STAGE.c[f"m_{k}"] for k in MERGE_KEYS]


def _reset_stage(session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE_NAME}"))
    STAGE.create(session.connection())  # with the index on the keys the item → stage join probes


def pending_lists(request):
    """Select the request's lists still 待汇总; the enterprise term lets the (enterprise, status) index find them."""
    return and_(HEADS.c.enterprise_id == request.enterprise_id, HEADS.c.status == PENDING_STATUS,
                HEADS.c.aggregation_id == request.id)


def move_lists_to_done(session, request, now, expected: int) -> int:
    """Log and move the request's lists 12 待汇总 → 13 已汇总 in one conditional UPDATE (C-19, C-22).

    A list that left the request meanwhile (an approved revoke) makes the count differ: 409, roll back.
    """
    log_transition(session, HEADS, pending_lists(request), PENDING_STATUS, DONE_STATUS, "已汇总",
                   number_column="center_no")
    moved = session.execute(update(HEADS).where(pending_lists(request))
                            .values(status=DONE_STATUS, version=HEADS.c.version + 1, updated_at=now,
                                    status_changed_at=now)).rowcount
    if moved != expected:
        raise RuleError([Violation("C-22", "lists", "汇总过程中有清单被修改或撤销，本次汇总已回滚，将重新处理")], status=409)
    return moved


def fill_stage(session, request) -> int:
    """Merge the request's list items into the stage, numbered per group (C-21); return the stage rows."""
    keyed = (select(*[func.coalesce(_head_key(k), EMPTY).label(f"g_{k}") for k in LIST_KEYS],
                    *[func.coalesce(ITEMS.c[k], EMPTY).label(f"m_{k}") for k in MERGE_KEYS],
                    ITEMS.c.qty, ITEMS.c.total)
             .select_from(ITEMS.join(HEADS, HEADS.c.id == ITEMS.c.list_id))
             .where(pending_lists(request))).subquery("keyed")
    groups = [keyed.c[f"g_{k}"] for k in LIST_KEYS]
    merges = [keyed.c[f"m_{k}"] for k in MERGE_KEYS]
    merged = (select(*groups, *merges, func.sum(keyed.c.qty).label("qty"), func.sum(keyed.c.total).label("total"),
                     func.count().label("line_count"),
                     func.row_number().over(partition_by=groups, order_by=merges).label("rn"))
              .group_by(*groups, *merges)).subquery("merged")
    position = merged.c.rn - 1
    rows = select(*[merged.c[c.name] for c in GROUP_COLUMNS + MERGE_COLUMNS], merged.c.qty, merged.c.total,
                  merged.c.line_count, position // MAX_DECLARATION_ITEMS, position % MAX_DECLARATION_ITEMS + 1)
    names = [c.name for c in GROUP_COLUMNS + MERGE_COLUMNS] + ["qty", "total", "line_count", "part", "item_no"]
    return session.execute(insert(STAGE).from_select(names, rows), execution_options=COUNTED).rowcount


def _nullable(column):
    return func.nullif(column, EMPTY)


def insert_declarations(session, request, now) -> int:
    """Create one 暂存 declaration per (group, part of ≤ 50 items), numbered in one call (C-21, C-24)."""
    parts = session.execute(select(*GROUP_COLUMNS, STAGE.c.part, func.count().label("items"))
                            .group_by(*GROUP_COLUMNS, STAGE.c.part).order_by(*GROUP_COLUMNS, STAGE.c.part)).all()
    if not parts:
        return 0
    numbers = numbering.next_numbers(session, "declaration", len(parts))
    rows = []
    for number, part in zip(numbers, parts):  # one row per declaration, not per item
        keys = {k: (getattr(part, f"g_{k}") or None) for k in LIST_KEYS}
        rows.append({**keys, "unified_no": number, "aggregation_id": request.id,
                     "enterprise_id": request.enterprise_id, "agent_enterprise_id": request.agent_enterprise_id,
                     "agent_code": request.agent_code, "agent_name": request.agent_name,
                     "group_seq": part.part + 1, "item_count": part.items, "status": "DRAFT", "version": 1,
                     "created_at": now, "updated_at": now, "status_changed_at": now})
    session.execute(insert(DECLARATIONS), rows)
    write_audit(session, DECLARATIONS, DECLARATIONS.c.aggregation_id == request.id, "create",
                {"status": (None, "DRAFT"), "aggregation_id": (None, request.id)})
    match = [func.coalesce(DECLARATIONS.c[k], EMPTY) == STAGE.c[f"g_{k}"] for k in LIST_KEYS]
    session.execute(update(STAGE).where(DECLARATIONS.c.aggregation_id == request.id,
                                        DECLARATIONS.c.group_seq == STAGE.c.part + 1, *match)
                    .values(declaration_id=DECLARATIONS.c.id))
    return len(rows)


def insert_declaration_items(session, request, now) -> int:
    """Write the merged items of every declaration and give the stage their ids (C-21)."""
    merge_values = [_nullable(STAGE.c[f"m_{k}"]) if k == "spec" else STAGE.c[f"m_{k}"] for k in MERGE_KEYS]
    rows = select(STAGE.c.declaration_id, literal(request.enterprise_id, Integer), STAGE.c.item_no, *merge_values,
                  STAGE.c.qty, STAGE.c.total, literal(now), literal(now))
    names = ["declaration_id", "enterprise_id", "item_no", *MERGE_KEYS, "qty", "total", "created_at", "updated_at"]
    statement = insert(DECLARATION_ITEMS).from_select(names, rows)
    count = session.execute(statement, execution_options=COUNTED).rowcount
    session.execute(update(STAGE).where(DECLARATION_ITEMS.c.declaration_id == STAGE.c.declaration_id,
                                        DECLARATION_ITEMS.c.item_no == STAGE.c.item_no)
                    .values(declaration_item_id=DECLARATION_ITEMS.c.id))
    return count


def insert_mappings(session, request, now) -> int:
    """Map every list item of the request to its declaration item (归并关系, C-22)."""
    match = [STAGE.c[f"g_{k}"] == func.coalesce(_head_key(k), EMPTY) for k in LIST_KEYS]
    match += [STAGE.c[f"m_{k}"] == func.coalesce(ITEMS.c[k], EMPTY) for k in MERGE_KEYS]
    rows = (select(ITEMS.c.id, ITEMS.c.list_id, STAGE.c.declaration_item_id, STAGE.c.declaration_id,
                   ITEMS.c.enterprise_id, literal(now), literal(now))
            .select_from(ITEMS.join(HEADS, HEADS.c.id == ITEMS.c.list_id).join(STAGE, and_(*match)))
            .where(pending_lists(request)))
    names = ["list_item_id", "list_id", "declaration_item_id", "declaration_id", "enterprise_id", "created_at",
             "updated_at"]
    return session.execute(insert(MAPPINGS).from_select(names, rows), execution_options=COUNTED).rowcount


def build_declarations(session, request, now) -> dict:
    """Turn the request's pending lists into declarations, items and mappings; return the counts (C-21, C-22)."""
    if is_postgres(session):
        # Foreign-key checks keep their plans per connection: one made while declaration_items was
        # nearly empty scans it sequentially for every mapping row from then on. Plan them afresh.
        session.execute(text("DISCARD PLANS"))
    lists = session.scalar(select(func.count()).select_from(HEADS).where(pending_lists(request)))
    _reset_stage(session)
    fill_stage(session, request)
    items = session.scalar(select(func.coalesce(func.sum(STAGE.c.line_count), 0)))
    declarations = insert_declarations(session, request, now)
    declaration_items = insert_declaration_items(session, request, now)
    mapped = insert_mappings(session, request, now)
    if mapped != items:
        raise RuleError([Violation("C-22", "mappings", f"归并关系数 {mapped} 与清单商品数 {items} 不一致，汇总已回滚")],
                        status=409)
    move_lists_to_done(session, request, now, lists)
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE_NAME}"))  # on failure the rollback removes it
    return {"lists": lists, "items": int(items), "declarations": declarations, "declaration_items": declaration_items}
