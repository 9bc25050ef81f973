"""Printing a declaration and its receipt notice (回执通知书) through portal.pdf.render_pdf (C-24, P-3)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import clock
from portal.amounts import money_text, quantity_text
from portal.codes import code_map
from portal.collection.declarations import NOTICE_STATUSES
from portal.models import ConsolidationMapping, Declaration, Enterprise, Receipt
from portal.pdf import Column, PrintedTable, render_pdf
from rules.lifecycles_collection import DECLARATIONS
from rules.violations import RuleError, Violation

IE_NAMES = {"I": "进口", "E": "出口"}
ITEM_COLUMNS = (Column("项号", "item_no", 6, "center"), Column("商品编码", "hs_code", 11), Column("商品名称", "name", 15),
                Column("规格型号", "spec", 22), Column("数量", "qty", 10, "right"), Column("单位", "unit", 8),
                Column("总价", "total", 10, "right"), Column("币制", "currency", 8),
                Column("原产国（地区）/ 目的国", "country", 10))


def _named(table: str, code: str | None, names: dict) -> str:
    """Return "code 中文名" (code tables read once per document)."""
    if not code:
        return ""
    if table not in names:
        names[table] = {key: row.name_zh for key, row in code_map(table).items()}
    return f"{code} {names[table][code]}" if code in names[table] else code


def _receipts(session, declaration: Declaration, statuses=None) -> list[dict]:
    query = select(Receipt).where(Receipt.record_type == Declaration.__tablename__,
                                  Receipt.record_id == declaration.id)
    if statuses is not None:
        query = query.where(Receipt.to_status.in_(statuses))
    return [{"at": r.at.strftime("%Y-%m-%d %H:%M:%S"), "to": DECLARATIONS.status_name(r.to_status),
             "code": r.to_status, "message": r.message} for r in session.scalars(query.order_by(Receipt.id))]


def _head(session, declaration: Declaration, names: dict) -> dict:
    """Return the printed head fields of a declaration."""
    consignee = session.get(Enterprise, declaration.enterprise_id)
    lists = session.scalar(select(func.count(func.distinct(ConsolidationMapping.list_id)))
                           .where(ConsolidationMapping.declaration_id == declaration.id))
    return {"unified_no": declaration.unified_no, "consignee": consignee.name_zh,
            "consignee_code": consignee.registration_code or "", "agent_code": declaration.agent_code,
            "agent_name": declaration.agent_name, "customs": _named("customs", declaration.customs_code, names),
            "ie": IE_NAMES.get(declaration.ie_flag, declaration.ie_flag),
            "trade_mode": _named("trade_modes", declaration.trade_mode, names), "filing_no": declaration.filing_no,
            "transport": _named("transport_modes", declaration.transport_mode, names),
            "status": DECLARATIONS.status_name(declaration.status),
            "declare_date": declaration.declare_date.isoformat() if declaration.declare_date else None,
            "created": declaration.created_at.strftime("%Y-%m-%d"), "group_seq": declaration.group_seq,
            "item_count": declaration.item_count, "list_count": lists}


def render_declaration_pdf(session, declaration: Declaration) -> bytes:
    """Render 集报报关单 with its merged items and receipts (P-3)."""
    names: dict = {}
    items = [{"item_no": i.item_no, "hs_code": i.hs_code, "name": i.name, "spec": i.spec or "—",
              "qty": quantity_text(i.qty), "unit": _named("units", i.unit, names), "total": money_text(i.total),
              "currency": _named("currencies", i.currency, names), "country": _named("countries", i.country, names)}
             for i in declaration.items]
    return render_pdf("pdf/declaration.html", tables={"items": PrintedTable("商品信息（归并后）", ITEM_COLUMNS, items)},
                      landscape=True, caption=f"集报报关单 {declaration.unified_no}",
                      head=_head(session, declaration, names),
                      receipts=_receipts(session, declaration),
                      printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))


def render_receipt_notice_pdf(session, declaration: Declaration) -> bytes:
    """Render the 回执通知书 of a declaration that customs did not accept, inspected or concluded (C-24, P-3)."""
    receipts = _receipts(session, declaration, NOTICE_STATUSES)
    if not receipts:
        raise RuleError([Violation("C-24", "status", "只有不受理、查验或审结的报关单可以打印回执通知书")], status=409)
    return render_pdf("pdf/receipt_notice.html", head=_head(session, declaration, {}), notice=receipts[-1],
                      receipts=receipts, printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))
