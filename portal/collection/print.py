"""Printing a list (P-3): head, every item and the receipts as a PDF through portal.pdf.render_pdf."""
from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.amounts import money_text, quantity_text
from portal.codes import code_map
from portal.models import ListHead, ListItem, Receipt
from portal.pdf import Column, PrintedTable, render_pdf
from rules.lifecycle import lifecycle_of
from rules.lists import LIST_TYPE_NAMES

ITEM_COLUMNS = (Column("序号", "seq", 5, "center"), Column("备案序号", "filing_seq", 6, "center"),
                Column("商品编码", "hs_code", 10), Column("商品名称", "name", 14), Column("规格型号", "spec", 17),
                Column("数量", "qty", 8, "right"), Column("单位", "unit", 7), Column("单价", "unit_price", 8, "right"),
                Column("总价", "total", 9, "right"), Column("币制", "currency", 8), Column("国别（地区）", "country", 8))


def _named(table: str, code: str | None, names: dict) -> str:
    """Return "code 中文名" for a code (the code alone when unknown)."""
    if not code:
        return ""
    if table not in names:
        names[table] = {c: e.name_zh for c, e in code_map(table).items()}
    name = names[table].get(code)
    return f"{code} {name}" if name else code


def render_list_pdf(session, head: ListHead) -> bytes:
    """Render 集报清单 `head` with every item (P-3) to PDF bytes."""
    names: dict = {}
    items = [{"seq": item.seq, "filing_seq": item.filing_seq, "hs_code": item.hs_code, "name": item.name,
              "spec": item.spec or "—", "qty": quantity_text(item.qty), "unit": _named("units", item.unit, names),
              "unit_price": money_text(item.unit_price), "total": money_text(item.total),
              "currency": _named("currencies", item.currency, names),
              "country": _named("countries", item.country, names)}
             for item in session.scalars(select(ListItem).where(ListItem.list_id == head.id).order_by(ListItem.seq))]
    receipts = session.scalars(select(Receipt).where(Receipt.record_type == ListHead.__tablename__,
                                                     Receipt.record_id == head.id).order_by(Receipt.id))
    type_name = LIST_TYPE_NAMES.get(head.list_type, head.list_type)
    return render_pdf("pdf/list.html", tables={"items": PrintedTable("表体", ITEM_COLUMNS, items)}, landscape=True,
                      caption=f"{type_name} {head.center_no}", head=head, type_name=type_name,
                      status_name=lifecycle_of("list_heads").status_name(head.status),
                      enterprise_name=head.enterprise.name_zh if head.enterprise else "",
                      customs=_named("customs", head.customs_code, names),
                      transport=_named("transport_modes", head.transport_mode, names),
                      trade_mode=_named("trade_modes", head.trade_mode, names),
                      gross_weight=quantity_text(head.gross_weight), net_weight=quantity_text(head.net_weight),
                      receipts=[{"at": r.at.strftime("%Y-%m-%d %H:%M:%S"),
                                 "to": lifecycle_of("list_heads").status_name(r.to_status),
                          "message": r.message} for r in receipts],
                      printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))
