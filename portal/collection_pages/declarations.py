"""集报报关单查询 and 归并关系查询 pages (seed 004 §6.5.3, §6.5.4; C-24, C-25).

Declarations are seen by their consignee (收发货人) and their declaring agent (报关申报单位); the
agent — or the consignee when the agent is 不指定 — declares; only the consignee exports the lists.
The pages call the operations of the API (portal/collection/declarations.py, declaration_print.py).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from admin_views.export import csv_stream
from portal.amounts import money_text, quantity_text
from portal.collection import declarations
from portal.collection.declaration_print import render_declaration_pdf, render_receipt_notice_pdf
from portal.collection_pages import bp
from portal.collection_pages.common import (attempt, code_label, flash_refusal, identity, next_page_url, pdf_response,
                                            query_cursor, query_date, receipts_of, text)
from portal.downloads import attachment
from portal.extensions import db
from portal.i18n import LocalizedNames, status_names
from portal.models import Declaration, Enterprise
from portal.models.declaration import DECLARATION_STATUSES
from rules.violations import RuleError, Violation

ROLE_NAMES = {"AGENT": "报关申报单位", "CONSIGNEE": "收发货人"}
IE_NAMES = {"I": "进口", "E": "出口"}
NOTICE_SHOWN = declarations.NOTICE_STATUSES + (declarations.CLEARED,)  # 结关 follows 审结


@bp.context_processor
def _declaration_helpers():
    return {"declaration_status_names": status_names("declarations"), "ie_names": LocalizedNames(IE_NAMES),
            "role_names": LocalizedNames(ROLE_NAMES)}


def _find(unified_no: str) -> Declaration:
    return declarations.find_declaration(db.session, identity(), unified_no)


def _query_filters() -> dict:
    """The query as sent; a first visit opens on the enterprise's own role and both I/E (C-24)."""
    args = request.args
    advanced = args.get("mode") == "advanced"
    role = args.get("role")
    return {"mode": "advanced" if advanced else "basic", "no": text(args.get("no")) or "",
            "role": role if role in ROLE_NAMES or role == "" else declarations.own_role(db.session, identity()),
            "ie": args.get("ie") if args.get("ie") in IE_NAMES else "",
            "cleared": args.get("cleared") if args.get("cleared") in ("1", "0") else "",
            "status": args.get("status") if args.get("status") in DECLARATION_STATUSES else "",
            "from": text(args.get("from")) or "", "to": text(args.get("to")) or ""}


@bp.route("/declarations")
def declarations_query():
    """普通查询 (企业类别, 进出口, 日期, 是否结关) or 高级查询 (统一编号), newest first (C-24)."""
    filters = _query_filters()
    date_from, violations = query_date("from", _("日期起"))
    date_to, more = query_date("to", _("日期止"))
    violations += more
    if filters["mode"] == "advanced" and "no" in request.args and not filters["no"]:
        violations.append(Violation("C-24", "no", "高级查询请输入集报报关单统一编号"))
    rows, cursor = [], None
    if not violations and (filters["mode"] == "basic" or filters["no"]):
        advanced = filters["mode"] == "advanced"
        rows, cursor = declarations.query_declarations(
            db.session, identity(), role=None if advanced else filters["role"] or None,
            ie=None if advanced else filters["ie"] or None, date_from=None if advanced else date_from,
            date_to=None if advanced else date_to,
            cleared=None if advanced or not filters["cleared"] else filters["cleared"] == "1",
            status=None if advanced else filters["status"] or None, unified_no=filters["no"] if advanced else None,
            cursor=query_cursor())
    return render_template("collection/declarations.html", rows=rows, filters=filters, violations=violations,
                           next_url=next_page_url("collection.declarations_query", cursor),
                           me=identity().enterprise_id, declarant_id=declarations.declarant_id,
                           active_menu="collection.declarations_query"), 422 if violations else 200


@bp.route("/declarations/<unified_no>")
def declaration(unified_no: str):
    """报关单详情: head, merged items, receipts; 申报, prints and 列表导出 where allowed (C-24)."""
    found = _find(unified_no)
    me = identity().enterprise_id
    consignee = db.session.get(Enterprise, found.enterprise_id)
    items = [{"item_no": i.item_no, "hs_code": i.hs_code, "name": i.name, "spec": i.spec,
              "unit": code_label("units", i.unit), "qty": quantity_text(i.qty), "total": money_text(i.total),
              "currency": code_label("currencies", i.currency), "country": code_label("countries", i.country)}
             for i in found.items]
    return render_template("collection/declaration.html", declaration=found, items=items, consignee=consignee,
                           receipts=receipts_of(found), is_consignee=found.enterprise_id == me,
                           may_declare=found.status == "DRAFT" and declarations.declarant_id(found) == me,
                           notice=found.status in NOTICE_SHOWN, active_menu="collection.declarations_query")


@bp.route("/declarations/<unified_no>/declare", methods=["POST"])
def declare_declaration(unified_no: str):
    """申报: the declaring agent, or the consignee when 不指定 (C-24)."""
    found = _find(unified_no)
    _done, error = attempt(lambda: declarations.declare_declaration(db.session, identity(), found))
    if error is not None:
        flash_refusal(error)
    else:
        flash(_("集报报关单 %(no)s 已申报", no=unified_no), "success")
    return redirect(url_for("collection.declaration", unified_no=unified_no))


@bp.route("/declarations/<unified_no>/print.pdf")
def declaration_pdf(unified_no: str):
    """打印报关单 (P-3)."""
    found = _find(unified_no)
    return pdf_response(render_declaration_pdf(db.session, found), f"{found.unified_no}.pdf")


@bp.route("/declarations/<unified_no>/receipt-notice.pdf")
def receipt_notice_pdf(unified_no: str):
    """打印回执通知书: 不受理, 查验 or 审结 declarations (C-24)."""
    found = _find(unified_no)
    return pdf_response(render_receipt_notice_pdf(db.session, found), f"{found.unified_no}-notice.pdf")


@bp.route("/declarations/<unified_no>/lists.csv")
def declaration_lists_csv(unified_no: str):
    """列表导出: the lists of the declaration item by item (CSV), for the consignee only (C-24)."""
    found = _find(unified_no)
    batches = declarations.export_rows(db.session, identity(), found)
    return attachment(stream_with_context(csv_stream(declarations.EXPORT_HEADER, batches)),
                      f"{found.unified_no}-lists.csv", "csv")


@bp.route("/mappings")
def mappings():
    """归并关系查询: by 清单中心统一编号 or 报关单统一编号, down to item level (C-25)."""
    by = "declaration" if request.args.get("by") == "declaration" else "list"
    number = text(request.args.get("no")) or ""
    rows, cursor, violations, status = [], None, [], 200
    if "no" in request.args:  # the query form was sent
        try:
            rows, cursor = declarations.query_mappings(
                db.session, identity(), list_no=number if by == "list" else None,
                declaration_no=number if by == "declaration" else None, cursor=request.args.get("cursor") or None)
        except RuleError as exc:
            if exc.status not in (404, 422):
                raise
            violations, status = exc.violations, exc.status
    next_url = url_for("collection.mappings", by=by, no=number, cursor=cursor) if cursor else None
    return render_template("collection/mappings.html", rows=rows, by=by, number=number, violations=violations,
                           next_url=next_url, active_menu="collection.mappings"), status
