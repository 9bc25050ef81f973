"""Printing a list (P-3): head, items and receipts as a PDF through portal.pdf.render_pdf."""
from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.codes import code_map
from portal.collection.filing_common import plain_amount
from portal.models import ListHead, Receipt
from portal.pdf import cap_rows, render_pdf
from rules.lifecycle import lifecycle_of
from rules.lists import LIST_TYPE_NAMES


def _named(table: str, code: str | None, names: dict) -> str:
    """Return "code 中文名" for a code (the code alone when unknown)."""
    if not code:
        return ""
    if table not in names:
        names[table] = {c: e.name_zh for c, e in code_map(table).items()}
    name = names[table].get(code)
    return f"{code} {name}" if name else code


def render_list_pdf(session, head: ListHead) -> bytes:
    """Render 集报清单 `head` with its items (capped, P-3) to PDF bytes."""
    names: dict = {}
    items = []
    for item in sorted(head.items, key=lambda i: i.seq):
        items.append({"seq": item.seq, "filing_seq": item.filing_seq, "hs_code": item.hs_code, "name": item.name,
                      "spec": item.spec, "qty": plain_amount(item.qty), "unit": _named("units", item.unit, names),
                      "unit_price": plain_amount(item.unit_price), "total": plain_amount(item.total),
                      "currency": _named("currencies", item.currency, names),
                      "country": _named("countries", item.country, names)})
    receipts = session.scalars(select(Receipt).where(Receipt.record_type == ListHead.__tablename__,
                                                     Receipt.record_id == head.id).order_by(Receipt.id))
    return render_pdf("pdf/list.html", head=head, items=cap_rows(items),
                      type_name=LIST_TYPE_NAMES.get(head.list_type, head.list_type),
                      status_name=lifecycle_of("list_heads").status_name(head.status),
                      enterprise_name=head.enterprise.name_zh if head.enterprise else "",
                      customs=_named("customs", head.customs_code, names),
                      transport=_named("transport_modes", head.transport_mode, names),
                      trade_mode=_named("trade_modes", head.trade_mode, names),
                      gross_weight=plain_amount(head.gross_weight), net_weight=plain_amount(head.net_weight),
                      receipts=[{"at": r.at.strftime("%Y-%m-%d %H:%M:%S"), "to": lifecycle_of("list_heads").status_name(r.to_status),
                          "message": r.message} for r in receipts],
                      printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))
