"""Builders for aggregation tests: enterprises (consignee, agent) and cleared lists written directly.

Lists are inserted with Core bulk inserts in status 15 (已结关), so these tests do not depend on
the list operations; `check_invariants` asserts C-22 after every aggregation.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, select

from portal import numbering
from portal.extensions import db
from portal.identity import Identity
from portal.models import (ConsolidationMapping, Declaration, DeclarationItem, ListHead, ListItem)
from rules.aggregation import MAX_DECLARATION_ITEMS

_serial = itertools.count(1)
STAMP = datetime(2026, 3, 20, 9, 0, 0)


@dataclass
class Party:
    """An enterprise with a card-login user, its identity and (when a client was given) API headers."""

    enterprise: object
    user: object
    card: object
    identity: Identity
    headers: dict | None


def party(make, client=None, qualification: str = "IE", auto: bool = False, **values) -> Party:
    """Create an enterprise with a registration code, a valid `qualification` and a card-login admin."""
    n = next(_serial)
    enterprise = make.enterprise(registration_code=values.pop("registration_code", f"4403{n:06d}"),
                                 auto_aggregate=auto, **values)
    if qualification:
        make.qualification(enterprise, qualification)
    user = make.user(enterprise)
    card = make.card(user)
    headers = make.token(client, card=card) if client is not None else None
    return Party(enterprise, user, card, Identity(user=user, login_mode="card", card=card), headers)


def item(hs: str = "0303890000", name: str = "冻鱼", spec: str | None = "品名:冻鱼", unit: str = "035",
         qty: str = "10", price: str = "2.5", currency: str = "USD", country: str = "AUS") -> dict:
    """Return one list item (total = qty × price)."""
    return {"hs_code": hs, "name": name, "spec": spec, "unit": unit, "qty": Decimal(qty),
            "unit_price": Decimal(price), "total": (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01")),
            "currency": currency, "country": country}


def cleared_list(enterprise, items, *, list_type: str = "IMPORT_GENERAL", customs: str = "5300",
                 filing_no: str | None = "B20260010001", transport: str | None = "4", trade_mode: str = "0110",
                 declared: date = date(2026, 3, 5), status: int = 15) -> ListHead:
    """Insert a list in `status` (已结关 by default) with its items; return the head."""
    head_id = db.session.execute(insert(ListHead).values(
        center_no=numbering.next_number(db.session, "list"), enterprise_id=enterprise.id, list_type=list_type,
        customs_code=customs, filing_no=filing_no, transport_mode=transport, trade_mode=trade_mode,
        declare_date=declared, status=status, overdue=False, version=1, created_at=STAMP, updated_at=STAMP,
        status_changed_at=STAMP).returning(ListHead.id)).scalar_one()
    rows = [{"list_id": head_id, "enterprise_id": enterprise.id, "seq": seq, "filing_seq": seq, **row,
             "created_at": STAMP, "updated_at": STAMP} for seq, row in enumerate(items, 1)]
    if rows:
        db.session.execute(insert(ListItem), rows)
    db.session.commit()
    return db.session.get(ListHead, head_id)


def distinct_items(count: int, **values) -> list[dict]:
    """Return `count` items that never merge (different HS codes)."""
    return [item(hs=f"84713{n:05d}", name=f"商品{n}", **values) for n in range(1, count + 1)]


def status_of(head: ListHead) -> int:
    """Re-read a list's status."""
    return db.session.scalar(select(ListHead.status).where(ListHead.id == head.id))


def declarations_of(enterprise) -> list[Declaration]:
    """Return the enterprise's declarations in creation order."""
    return list(db.session.scalars(select(Declaration).where(Declaration.enterprise_id == enterprise.id)
                                   .order_by(Declaration.id)))


def snapshot(enterprise) -> list[tuple]:
    """Return declarations, items and mappings of an enterprise as comparable tuples (no ids)."""
    rows = db.session.execute(
        select(Declaration.unified_no, Declaration.customs_code, Declaration.ie_flag, Declaration.trade_mode,
               Declaration.filing_no, Declaration.transport_mode, Declaration.group_seq, DeclarationItem.item_no,
               DeclarationItem.hs_code, DeclarationItem.name, DeclarationItem.spec, DeclarationItem.qty,
               DeclarationItem.total, ListHead.center_no, ListItem.seq)
        .join(DeclarationItem, DeclarationItem.declaration_id == Declaration.id)
        .join(ConsolidationMapping, ConsolidationMapping.declaration_item_id == DeclarationItem.id)
        .join(ListItem, ListItem.id == ConsolidationMapping.list_item_id)
        .join(ListHead, ListHead.id == ListItem.list_id)
        .where(Declaration.enterprise_id == enterprise.id)).all()
    return sorted(tuple(str(v) for v in row) for row in rows)


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.0001"))


def check_invariants() -> None:
    """Assert C-21/C-22 over the whole database: each aggregated item mapped once, keys and sums agree."""
    session = db.session
    session.expire_all()
    aggregated = select(ListItem.id).join(ListHead, ListHead.id == ListItem.list_id).where(ListHead.status == 13)
    mapped = Counter(session.scalars(select(ConsolidationMapping.list_item_id)))
    assert all(count == 1 for count in mapped.values()), "a list item is mapped twice"
    assert set(mapped) == set(session.scalars(aggregated)), "mapped items differ from the items of lists in 13"
    pairs = session.execute(select(ListItem, ListHead, DeclarationItem, Declaration)
                            .join(ConsolidationMapping, ConsolidationMapping.list_item_id == ListItem.id)
                            .join(ListHead, ListHead.id == ListItem.list_id)
                            .join(DeclarationItem, DeclarationItem.id == ConsolidationMapping.declaration_item_id)
                            .join(Declaration, Declaration.id == DeclarationItem.declaration_id)).all()
    sums: dict[int, list[Decimal]] = {}
    for list_item, head, declaration_item, declaration in pairs:
        assert (declaration.enterprise_id, declaration.customs_code, declaration.ie_flag, declaration.trade_mode,
                declaration.filing_no, declaration.transport_mode) == \
            (head.enterprise_id, head.customs_code, head.ie_flag, head.trade_mode, head.filing_no,
             head.transport_mode), "C-21 group keys differ"
        assert declaration.aggregation_id == head.aggregation_id
        assert (list_item.hs_code, list_item.name, list_item.spec or None, list_item.unit, list_item.country,
                list_item.currency) == (declaration_item.hs_code, declaration_item.name, declaration_item.spec,
                                        declaration_item.unit, declaration_item.country,
                                        declaration_item.currency), "C-21 merge keys differ"
        total = sums.setdefault(declaration_item.id, [Decimal(0), Decimal(0)])
        total[0] += _money(list_item.qty)
        total[1] += _money(list_item.total)
    for declaration_item in session.scalars(select(DeclarationItem)):
        assert [_money(declaration_item.qty), _money(declaration_item.total)] == sums[declaration_item.id], \
            f"C-22 sums differ for declaration item {declaration_item.id}"
    for declaration in session.scalars(select(Declaration)):
        numbers = sorted(i.item_no for i in declaration.items)
        assert numbers == list(range(1, len(numbers) + 1)) and declaration.item_count == len(numbers)
        assert 0 < len(numbers) <= MAX_DECLARATION_ITEMS
    per_enterprise_lists = dict(session.execute(
        select(ListHead.enterprise_id, func.sum(ListItem.total)).join(ListItem, ListItem.list_id == ListHead.id)
        .where(ListHead.status == 13).group_by(ListHead.enterprise_id)).all())
    per_enterprise_declarations = dict(session.execute(
        select(DeclarationItem.enterprise_id, func.sum(DeclarationItem.total)).group_by(DeclarationItem.enterprise_id))
        .all())
    assert {k: _money(v) for k, v in per_enterprise_lists.items()} == \
        {k: _money(v) for k, v in per_enterprise_declarations.items()}, "C-22 enterprise sums differ"
