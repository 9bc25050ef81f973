"""Aggregation requests, declarations, consolidation mappings and statistics API (API.md "Module C"; C-19..C-26).

Every call needs a card-login token (U-5: an account token is 403). Requests and mappings belong
to the consignee; a declaration is seen by its consignee and its declaring agent, anyone else
gets 404 (C-24).
"""
from __future__ import annotations

from flask import Response, request, stream_with_context
from sqlalchemy import select

from admin_views.export import csv_stream
from portal.api import base
from portal.api.aggregation_schemas import (AggregationAccepted, AggregationCreate, AggregationOut, DeclarationOut,
                                            DeclarationPage, DeclarationStatus, MappingPage, StatisticsOut)
from portal.collection import aggregation, declarations, statistics
from portal.collection.declaration_print import render_declaration_pdf, render_receipt_notice_pdf
from portal.collection.filing_common import plain_amount
from portal.downloads import attachment
from portal.extensions import db
from portal.models import Enterprise, Receipt
from portal.models.collection import LIST_TYPES
from rules.lifecycle import lifecycle_of

Param = base.Param
DIMENSION_LIST = "(?:" + "|".join(statistics.DIMENSIONS) + ")"
DECLARATION_FILTERS = {"role": Param("企业类别：AGENT（报关申报单位）| CONSIGNEE（收发货人）", enum=declarations.ROLES,
                                     rule="C-24"),
                       "ie": Param("进出口标志 I | E", enum=("I", "E"), rule="C-24"),
                       "from": base.date_param("生成日期起 YYYY-MM-DD"), "to": base.date_param("生成日期止 YYYY-MM-DD"),
                       "cleared": Param("是否结关：true | false", "boolean"),
                       "status": Param("报关单状态", enum=lifecycle_of("declarations").codes, rule="C-24"),
                       "no": Param("高级查询：统一编号", max_length=64),
                       "cursor": base.cursor_param(), "limit": base.limit_param(20, 100)}
MAPPING_FILTERS = {"list_no": Param("清单中心统一编号（与 declaration_no 二选一，C-25）", max_length=64),
                   "declaration_no": Param("报关单统一编号（与 list_no 二选一，C-25）", max_length=64),
                   "cursor": Param("上一页返回的 next（位置:清单商品 id）", pattern=r"^[0-9]{1,9}:[0-9]{1,9}$"),
                   "limit": base.limit_param(500, 5000)}
STATISTICS_FILTERS = {"from": base.date_param("申报日期起 YYYY-MM-DD（默认近 12 个月；不晚于 to，区间最长三年，C-26）", "C-26"),
                      "to": base.date_param("申报日期止 YYYY-MM-DD", "C-26"),
                      "group_by": Param("统计维度，逗号分隔：period（月）、list_type、customs_code、currency",
                                        pattern=f"^{DIMENSION_LIST}(?:,{DIMENSION_LIST})*$", rule="C-26"),
                      "list_type": Param("清单类型", enum=LIST_TYPES), "customs_code": Param("申报地海关", max_length=10),
                      "measure": Param("图表指标", enum=tuple(statistics.MEASURES), rule="C-26")}


@base.endpoint("/aggregations", methods=("POST",), body=AggregationCreate, response=AggregationAccepted, status=202,
               summary="汇总申请：只能汇总本企业已结关（15）且未汇总的清单，不能跨年度；报关申报单位填 10 位海关编码或"
                       "不指定；受理后清单转为待汇总（12），由定时处理生成报关单 (C-19, C-20)")
def create_aggregation():
    """Request an aggregation of cleared lists."""
    body = base.parse_body(AggregationCreate)
    created = aggregation.request_aggregation(db.session, base.identity(), body.list_nos, body.agent_code)
    db.session.commit()
    return base.ok({"id": created.id, "status": created.status, "message": aggregation.ANSWER}, 202)


@base.endpoint("/aggregations/<int:request_id>", response=AggregationOut,
               summary="汇总申请状态与生成的报关单统一编号 (C-19, C-22)")
def get_aggregation(request_id: int):
    """Return an aggregation request with its declaration numbers."""
    found = aggregation.find_request(db.session, base.identity(), request_id)
    return base.ok(aggregation.request_summary(db.session, found))


def declaration_dict(declaration, items: bool = True) -> dict:
    """Return a declaration as the API shows it."""
    consignee = db.session.get(Enterprise, declaration.enterprise_id)
    answer = {"unified_no": declaration.unified_no, "status": declaration.status,
              "status_name": lifecycle_of("declarations").status_name(declaration.status), "ie": declaration.ie_flag,
              "customs_code": declaration.customs_code, "trade_mode": declaration.trade_mode,
              "filing_no": declaration.filing_no, "transport_mode": declaration.transport_mode,
              "agent_code": declaration.agent_code, "agent_name": declaration.agent_name,
              "consignee_code": consignee.registration_code, "consignee_name": consignee.name_zh,
              "group_seq": declaration.group_seq, "item_count": declaration.item_count,
              "created_at": declaration.created_at.isoformat(timespec="seconds"),
              "declare_date": declaration.declare_date.isoformat() if declaration.declare_date else None}
    if items:
        answer["items"] = [{"item_no": i.item_no, "hs_code": i.hs_code, "name": i.name, "spec": i.spec,
                            "unit": i.unit, "qty": plain_amount(i.qty), "total": format(i.total, "f"),
                            "currency": i.currency, "country": i.country} for i in declaration.items]
        receipts = db.session.scalars(select(Receipt).where(Receipt.record_type == "declarations",
                                                            Receipt.record_id == declaration.id).order_by(Receipt.id))
        answer["receipts"] = [{"at": r.at.isoformat(timespec="seconds"), "from": r.from_status, "to": r.to_status,
                               "message": r.message} for r in receipts]
    return answer


def _declaration(unified_no: str):
    return declarations.find_declaration(db.session, base.identity(), unified_no)


@base.endpoint("/declarations/<unified_no>", response=DeclarationOut,
               summary="集报报关单详情：收发货人或报关申报单位可见，其他企业 404 (C-24)")
def get_declaration(unified_no: str):
    """Return a declaration with its merged items and receipts."""
    return base.ok(declaration_dict(_declaration(unified_no)))


@base.endpoint("/declarations", response=DeclarationPage, query=DECLARATION_FILTERS,
               summary="集报报关单查询：基本查询（企业类别、进出口、日期、是否结关）或高级查询（统一编号）(C-24)")
def list_declarations():
    """Query declarations, newest first, with a keyset cursor."""
    args = base.query_args()
    rows, last = declarations.query_declarations(
        db.session, base.identity(), role=args["role"], ie=args["ie"], date_from=args["from"], date_to=args["to"],
        cleared=args["cleared"], unified_no=args["no"], status=args["status"], cursor=args["cursor"], limit=args["limit"] or 20)
    return base.ok({"items": [declaration_dict(d, items=False) for d in rows],
                    "next": str(last) if last is not None else None})


@base.endpoint("/declarations/<unified_no>/declare", methods=("POST",), response=DeclarationStatus,
               summary="申报集报报关单：报关申报单位申报；不指定时由收发货人申报；暂存 → 已申报 (C-24)")
def declare_declaration(unified_no: str):
    """Declare a 暂存 declaration."""
    declaration = declarations.declare_declaration(db.session, base.identity(), _declaration(unified_no))
    db.session.commit()
    return base.ok({"status": declaration.status})


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={name}.pdf", "Cache-Control": "no-store"})


@base.endpoint("/declarations/<unified_no>/print.pdf", media="application/pdf", summary="打印集报报关单 (C-24, P-3)")
def print_declaration(unified_no: str):
    """Return the declaration as a PDF."""
    declaration = _declaration(unified_no)
    return _pdf(render_declaration_pdf(db.session, declaration), declaration.unified_no)


@base.endpoint("/declarations/<unified_no>/receipt-notice.pdf", media="application/pdf",
               summary="打印回执通知书：不受理、查验或审结的报关单，否则 409 (C-24, P-3)")
def print_receipt_notice(unified_no: str):
    """Return the receipt notice of the declaration as a PDF."""
    declaration = _declaration(unified_no)
    return _pdf(render_receipt_notice_pdf(db.session, declaration), f"{declaration.unified_no}-notice")


@base.endpoint("/declarations/<unified_no>/lists.csv", media="text/csv",
               summary="导出报关单对应的清单列表（逐项，CSV）；仅收发货人，报关申报单位 403 (C-24)")
def export_declaration_lists(unified_no: str):
    """Stream the lists of the declaration item by item as CSV."""
    declaration = _declaration(unified_no)
    batches = declarations.export_rows(db.session, base.identity(), declaration)
    return attachment(stream_with_context(csv_stream(declarations.EXPORT_HEADER, batches)),
                      f"{declaration.unified_no}-lists.csv", "csv")


@base.endpoint("/mappings", response=MappingPage, query=MAPPING_FILTERS,
               summary="归并关系查询：按清单或按报关单，双向到商品项 (C-25)")
def list_mappings():
    """Return the consolidation mappings of a list or of a declaration."""
    args = base.query_args()
    rows, last = declarations.query_mappings(
        db.session, base.identity(), list_no=args["list_no"], declaration_no=args["declaration_no"],
        cursor=args["cursor"], limit=args["limit"] or 500)
    items = [{"list_no": r.center_no, "list_item_seq": r.seq, "declaration_no": r.unified_no,
              "declaration_item_no": r.item_no, "hs_code": r.hs_code, "name": r.name, "spec": r.spec,
              "qty": plain_amount(r.qty), "unit": r.unit, "total": format(r.total, "f"), "currency": r.currency,
              "country": r.country} for r in rows]
    return base.ok({"items": items, "next": last})


@base.endpoint("/statistics", response=StatisticsOut, query=STATISTICS_FILTERS,
               summary="集报清单业务统计：按月、清单类型、海关、币制、计量单位分组的票数、项数，数量按计量单位、"
                       "货值按币制分列（不相加、不折算）(C-26)")
def get_statistics():
    """Count the enterprise's lists over a range, grouped as asked."""
    identity = base.identity()
    identity.require_module_c()
    result = statistics.list_statistics(db.session, identity, statistics.parse_query(request.args))
    query = result.query

    def plain(row: dict) -> dict:  # one quantity per unit and one value per currency, never added together
        return {**{k: v for k, v in row.items() if k not in ("qty", "total")},
                "qty_by_unit": [{"unit": unit, "qty": plain_amount(qty)} for unit, qty in row["qty"]],
                "total_by_currency": [{"currency": currency, "total": format(total, "f")}
                                      for currency, total in row["total"]]}
    return base.ok({"query": {"from": query.date_from.isoformat(), "to": query.date_to.isoformat(),
                              "group_by": list(query.group_by), "list_type": query.list_type,
                              "customs_code": query.customs_code},
                    "rows": [plain(r) for r in result.rows], "totals": plain(result.totals)})
