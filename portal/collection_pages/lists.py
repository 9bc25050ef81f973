"""集报清单 pages (seed 004 §6.2, §6.5.2): the head/body form, 集报清单查询, copy, delete, print (C-8..C-14).

The form posts the body of POST/PATCH /api/v1/lists (head fields and every item; the items replace
the stored ones) and calls save_list / update_list, then declare_list for 申报. HS code, name and
unit of an item are copied from the filed item by the operation (grey here); the spec may be
re-classified. Only status 1 (暂存) is editable; other lists are read-only with 复制 and 打印 (C-14).
"""
from __future__ import annotations

from decimal import Decimal

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.amounts import money_text, quantity_text
from portal.collection import lists
from portal.collection.filing_common import plain_amount
from portal.collection.list_values import HEAD_FIELDS, ITEM_FIELDS, Lookups, head_values
from portal.collection.print import render_list_pdf
from portal.collection_pages import bp
from portal.collection_pages.common import (Column, attempt, code_label, errors_by_field, flash_refusal, identity,
                                            keyset_page, next_page_url, pdf_response, posted_fields, posted_rows,
                                            query_cursor, query_date, receipts_of, text)
from portal.extensions import db
from portal.i18n import LocalizedNames
from portal.models import BondedBook, ChangeRequest, ListHead, ProductVolume
from portal.models.collection import LIST_TYPES
from rules.lists import CHANGE_REQUEST_STATUSES, EDITABLE_STATUSES, LIST_TYPE_NAMES, item_total

ITEM_COLUMNS = (Column("filing_seq", "备案序号", "number", required=True, width="4.5rem"),
                Column("hs_code", "商品编码", "system", width="6.5rem"),
                Column("name", "商品名称", "system", width="6.5rem"),
                Column("spec", "规格型号（申报要素）", width="9rem", placeholder="默认取备案，可重新归类"),
                Column("unit", "单位", "system", table="units", width="4.5rem"),
                Column("qty", "数量", "number", required=True, width="4.5rem"),
                Column("unit_price", "单价", "number", required=True, width="4.5rem"),
                Column("total", "总价", "total", width="5rem"),
                Column("currency", "币制", "datalist", required=True, table="currencies", width="4rem"),
                Column("country", "国别（地区）", "datalist", required=True, table="countries", width="4.5rem"))
QUERY_FILTERS = ("status", "list_type", "customs_code")
CHANGEABLE = CHANGE_REQUEST_STATUSES


def find(center_no: str) -> ListHead:
    """Return the enterprise's own list (another enterprise's is 404)."""
    return lists.find_list(db.session, identity(), center_no)


def _seq(value) -> int | None:
    text_value = str(value or "").strip()
    return int(text_value) if text_value.isdigit() else None


def with_filed_copies(rows: list[dict], list_type, filing_no) -> list[dict]:
    """Show posted rows with what a save copies from the filed item (HS code, name, unit) and the total."""
    book = Lookups(db.session, identity().enterprise_id).book(list_type, filing_no)
    shown = []
    for row in rows:
        filed = book.items.get(_seq(row.get("filing_seq"))) if book is not None else None
        try:
            total = item_total(row["qty"], row["unit_price"]) if row.get("qty") and row.get("unit_price") else None
        except (ArithmeticError, ValueError):
            total = None
        shown.append({**row, "hs_code": filed.hs_code if filed else "", "name": filed.name if filed else "",
                      "unit": filed.unit if filed else "", "total": money_text(total)})
    return shown


def saved_rows(head: ListHead) -> list[dict]:
    """Return a stored list's items as the grid shows them."""
    return [{"filing_seq": i.filing_seq, "hs_code": i.hs_code, "name": i.name, "spec": i.spec, "unit": i.unit,
             "qty": quantity_text(i.qty), "unit_price": money_text(i.unit_price), "total": money_text(i.total),
             "currency": i.currency, "country": i.country} for i in sorted(head.items, key=lambda i: i.seq)]


def _filed_numbers() -> list[tuple[str, str]]:
    """The 备案号 the enterprise may use: approved volumes' customs numbers and its bonded books (C-10)."""
    me = identity().enterprise_id
    volumes = db.session.scalars(select(ProductVolume.customs_volume_no).where(
        ProductVolume.enterprise_id == me, ProductVolume.status == "APPROVED",
        ProductVolume.customs_volume_no.is_not(None)).order_by(ProductVolume.id.desc()).limit(200))
    books = db.session.scalars(select(BondedBook.book_no).where(BondedBook.enterprise_id == me)
                               .order_by(BondedBook.id.desc()).limit(200))
    return [(n, _("一般贸易备案分册")) for n in volumes] + [(n, _("保税账册/手册")) for n in books]


def open_request(head: ListHead) -> ChangeRequest | None:
    """Return the list's open modify/revoke request (C-16)."""
    return db.session.scalar(select(ChangeRequest).where(ChangeRequest.open_marker == head.id))


def render_list(head: ListHead | None, values: dict | None = None, rows: list[dict] | None = None, violations=(),
                status: int = 200, refusal: str = "save"):
    """Show the list form: head, body grid, refusals beside their fields and summarised on top."""
    if values is None:
        values = head_values(head) if head else {"list_type": _list_type(request.args.get("list_type"))}
    values = {name: plain_amount(value) if isinstance(value, Decimal) else value for name, value in values.items()}
    if rows is None:
        rows = saved_rows(head) if head else [{}] * 3
    editable = head is None or head.status in EDITABLE_STATUSES
    pending = open_request(head) if head else None
    return render_template(
        "collection/list_form.html", head=head, values=values, rows=rows, editable=editable,
        violations=list(violations), errors=errors_by_field(violations), refusal=refusal, item_columns=ITEM_COLUMNS,
        list_types=LocalizedNames(LIST_TYPE_NAMES), filed_numbers=_filed_numbers(), receipts=receipts_of(head) if head else [],
        open_request=pending, may_change=bool(head and head.status in CHANGEABLE and pending is None),
        trade_mode=code_label("trade_modes", head.trade_mode) if head else "",
        active_menu=f"collection.new_list:{values.get('list_type')}"), status


def _list_type(value) -> str:
    return value if value in LIST_TYPES else "IMPORT_GENERAL"


def _save(head: ListHead | None):
    """暂存 / 申报 a posted form: save head and items first (the draft is kept), then declare (C-8, C-14)."""
    body = posted_fields(request.form, HEAD_FIELDS)
    body["items"] = posted_rows(request.form, "items", ITEM_FIELDS)
    if head is None:
        saved, error = attempt(lambda: lists.save_list(db.session, identity(), body))
    else:
        saved, error = attempt(lambda: lists.update_list(db.session, identity(), head, body))
    if error is not None:
        if head is not None:
            db.session.refresh(head)
        return render_list(head, body, with_filed_copies(body["items"], body["list_type"], body["filing_no"]),
                           error.violations, error.status)
    if request.form.get("action") == "declare":
        _done, error = attempt(lambda: lists.declare_list(db.session, identity(), saved))
        if error is not None:
            db.session.refresh(saved)
            return render_list(saved, violations=error.violations, status=error.status, refusal="declare")
        flash(_("申报成功：集报清单 %(no)s 已发往海关", no=saved.center_no), "success")
    else:
        flash(_("暂存成功，清单中心统一编号：%(no)s", no=saved.center_no), "success")
    return redirect(url_for("collection.list_form", center_no=saved.center_no))


@bp.route("/lists/new", methods=["GET", "POST"])
def new_list():
    """清单新增: ?list_type= one of the four list types (C-8)."""
    if request.method == "POST":
        return _save(None)
    return render_list(None)


@bp.route("/lists/<center_no>", methods=["GET", "POST"])
def list_form(center_no: str):
    """One list: editable in status 1, read-only otherwise (C-14)."""
    head = find(center_no)
    if request.method == "POST":
        return _save(head)
    return render_list(head)


@bp.route("/lists/<center_no>/copy", methods=["POST"])
def copy_list(center_no: str):
    """清单复制: any status into a new 暂存 list (C-14)."""
    copy, error = attempt(lambda: lists.copy_list(db.session, identity(), find(center_no)))
    if error is not None:
        flash_refusal(error)
        return redirect(url_for("collection.list_form", center_no=center_no))
    flash(_("已复制为新的暂存清单 %(no)s", no=copy.center_no), "success")
    return redirect(url_for("collection.list_form", center_no=copy.center_no))


@bp.route("/lists/<center_no>/delete", methods=["POST"])
def delete_list(center_no: str):
    """清单删除: 暂存 lists only (C-14)."""
    _done, error = attempt(lambda: lists.delete_list(db.session, identity(), find(center_no)))
    if error is not None:
        flash_refusal(error)
        return redirect(url_for("collection.list_form", center_no=center_no))
    flash(_("已删除暂存清单 %(no)s", no=center_no), "success")
    return redirect(url_for("collection.lists_query"))


@bp.route("/lists/<center_no>/print.pdf")
def list_pdf(center_no: str):
    """清单打印 (P-3)."""
    head = find(center_no)
    return pdf_response(render_list_pdf(db.session, head), f"{head.center_no}.pdf")


@bp.route("/lists/filed-item")
def filed_item():
    """The filed item a 备案序号 names (HS code, name, unit, spec), for the grid to show before saving (C-10)."""
    book = Lookups(db.session, identity().enterprise_id).book(text(request.args.get("list_type")),
                                                              text(request.args.get("filing_no")))
    filed = book.items.get(_seq(request.args.get("seq"))) if book is not None else None
    if filed is None:
        return jsonify({"found": False})
    return jsonify({"found": True, "hs_code": filed.hs_code, "name": filed.name, "spec": filed.spec or "",
                    "unit": code_label("units", filed.unit), "active": filed.active})


@bp.route("/lists")
def lists_query():
    """集报清单查询: status, list type, customs, declare date range; keyset pages, newest first."""
    filters = {name: text(request.args.get(name)) or "" for name in QUERY_FILTERS + ("from", "to")}
    date_from, problems = query_date("from", _("申报日期起"))
    date_to, more = query_date("to", _("申报日期止"))
    violations = problems + more
    query = select(ListHead).where(ListHead.tenant_clause(identity().enterprise_id))
    if filters["status"].isdigit():
        query = query.where(ListHead.status == int(filters["status"]))
    for name in ("list_type", "customs_code"):
        if filters[name]:
            query = query.where(getattr(ListHead, name) == filters[name])
    if date_from:
        query = query.where(ListHead.declare_date >= date_from)
    if date_to:
        query = query.where(ListHead.declare_date <= date_to)
    rows, cursor = ([], None) if violations else keyset_page(db.session, query, ListHead, query_cursor())
    return render_template("collection/lists.html", rows=rows, filters=filters, violations=violations,
                           next_url=next_page_url("collection.lists_query", cursor), paged=query_cursor() is not None,
                           changeable=CHANGEABLE, active_menu="collection.lists_query"), 422 if violations else 200
