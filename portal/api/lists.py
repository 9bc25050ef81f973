"""Lists, bulk import and modify/revoke requests API (API.md "Module C"; C-8..C-18, P-3, U-5).

Every call needs a card-login token of the owning enterprise: an account token is 403 (U-5),
another enterprise's list or request is 404. State conflicts are 409 (C-14, C-16).
"""
from __future__ import annotations

from flask import Response, request
from sqlalchemy import select

from portal.api import base
from portal.api.list_schemas import (ChangeRequestCreate, ChangeRequestOut, ChangeRequestPage, ListCreate,
                                     ListCreated, ListImportAnswer, ListItemInsert, ListOut, ListPage, ListStatus)
from portal.collection import change_requests, list_import, lists
from portal.collection.list_import_template import template_bytes as list_import_template_bytes
from portal.collection.filing_common import plain_amount
from portal.collection.print import render_list_pdf
from portal.downloads import attachment
from portal.errors import envelope
from portal.extensions import db
from portal.models import ChangeRequest, ListHead, Receipt
from portal.models.collection import CHANGE_REQUEST_TYPES, LIST_TYPES
from rules.lifecycle import lifecycle_of
from rules.violations import RuleError, Violation

PAGE_SIZE = 20
Param = base.Param
LIST_FILTERS = {"status": Param("清单状态（数字，C-14）", "integer", enum=lifecycle_of("list_heads").codes, rule="C-14"),
                "list_type": Param("清单类型", enum=LIST_TYPES), "customs_code": Param("申报地海关", max_length=10),
                "from": base.date_param("申报日期起 YYYY-MM-DD"), "to": base.date_param("申报日期止 YYYY-MM-DD"),
                "cursor": base.cursor_param(), "limit": base.limit_param(PAGE_SIZE, 100)}
REQUEST_FILTERS = {"type": Param("修撤单类型 MODIFY|REVOKE（必填，C-18）", enum=CHANGE_REQUEST_TYPES, rule="C-18",
                                 required=True),
                   "status": Param("修撤单状态", enum=lifecycle_of("change_requests").codes, rule="C-18"),
                   "list_no": Param("清单中心统一编号", max_length=64), "from": base.date_param("申请日期起 YYYY-MM-DD"),
                   "to": base.date_param("申请日期止 YYYY-MM-DD"), "cursor": base.cursor_param(),
                   "limit": base.limit_param(PAGE_SIZE, 100)}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _receipts(record_type: str, record_id: int) -> list[dict]:
    rows = db.session.scalars(select(Receipt).where(Receipt.record_type == record_type,
                                                    Receipt.record_id == record_id).order_by(Receipt.id))
    return [{"at": r.at.isoformat(timespec="seconds"), "from": r.from_status, "to": r.to_status,
             "message": r.message} for r in rows]


def list_dict(head: ListHead) -> dict:
    """Return a list with its items and receipts as the API shows it."""
    items = [{"seq": i.seq, "filing_seq": i.filing_seq, "hs_code": i.hs_code, "name": i.name, "spec": i.spec,
              "qty": plain_amount(i.qty), "unit": i.unit, "unit_price": plain_amount(i.unit_price),
              "total": format(i.total, "f"), "currency": i.currency, "country": i.country}
             for i in sorted(head.items, key=lambda i: i.seq)]
    open_request = db.session.scalar(select(ChangeRequest.id).where(ChangeRequest.open_marker == head.id))
    return {"center_no": head.center_no, "version": head.version, "status": head.status, "status_name": lifecycle_of("list_heads").status_name(head.status),
            "list_type": head.list_type, "customs_code": head.customs_code, "filing_no": head.filing_no,
            "transport_mode": head.transport_mode, "vessel_name": head.vessel_name, "voyage_no": head.voyage_no,
            "bill_no": head.bill_no, "packages": head.packages, "gross_weight": plain_amount(head.gross_weight),
            "net_weight": plain_amount(head.net_weight), "license_no": head.license_no,
            "declare_date": _iso(head.declare_date), "trade_mode": head.trade_mode, "overdue": head.overdue,
            "open_change_request": open_request, "items": items,
            "receipts": _receipts(ListHead.__tablename__, head.id)}


def request_dict(change: ChangeRequest, receipts: bool = True) -> dict:
    """Return a modify/revoke request with its field diffs (C-17)."""
    answer = {"id": change.id, "type": change.request_type, "status": change.status,
              "status_name": lifecycle_of("change_requests").status_name(change.status), "list_no": change.head.center_no,
              "changes": change.changes, "reason": change.reason, "contact": change.contact, "phone": change.phone,
              "created_at": change.created_at.isoformat(timespec="seconds")}
    if receipts:
        answer["receipts"] = _receipts(ChangeRequest.__tablename__, change.id)
    return answer


def _list(center_no: str) -> ListHead:
    return lists.find_list(db.session, base.identity(), center_no)


@base.endpoint("/lists", methods=("POST",), body=ListCreate, response=ListCreated, status=201,
               summary="暂存集报清单：只需清单类型与申报地海关，分配中心统一编号；表体取备案商品信息 (C-8, C-10)")
def create_list():
    """Save a new list in status 1 (暂存)."""
    body = base.parse_body(ListCreate).model_dump(exclude_unset=True)
    head = lists.save_list(db.session, base.identity(), body)
    db.session.commit()
    return base.ok({"center_no": head.center_no, "status": head.status}, 201)


@base.endpoint("/lists/<center_no>", methods=("PATCH",), body=ListCreate, response=ListCreated,
               summary="修改暂存清单（仅状态 1，否则 409）；给出 items 则整体替换表体 (C-14)")
def update_list(center_no: str):
    """Save changes to a 暂存 list."""
    body = base.parse_body(ListCreate).model_dump(exclude_unset=True)
    head = lists.update_list(db.session, base.identity(), _list(center_no), body)
    db.session.commit()
    return base.ok({"center_no": head.center_no, "status": head.status})


@base.endpoint("/lists/<center_no>", methods=("DELETE",), status=204, summary="删除暂存清单（仅状态 1，否则 409）(C-14)")
def delete_list(center_no: str):
    """Delete a 暂存 list with its items."""
    lists.delete_list(db.session, base.identity(), _list(center_no))
    db.session.commit()
    return "", 204


@base.endpoint("/lists/<center_no>/copy", methods=("POST",), response=ListCreated, status=201,
               summary="复制任意状态的清单为新的暂存清单 (C-14)")
def copy_list(center_no: str):
    """Copy a list into a new 暂存 list."""
    copy = lists.copy_list(db.session, base.identity(), _list(center_no))
    db.session.commit()
    return base.ok({"center_no": copy.center_no, "status": copy.status}, 201)


@base.endpoint("/lists/<center_no>/declare", methods=("POST",), response=ListStatus,
               summary="申报清单：一次返回 C-3、C-9..C-13 的全部违规，否则状态 1 → 2")
def declare_list(center_no: str):
    """Declare a 暂存 list to customs."""
    head = lists.declare_list(db.session, base.identity(), _list(center_no))
    db.session.commit()
    return base.ok({"status": head.status})


@base.endpoint("/lists/<center_no>/items", methods=("POST",), body=ListItemInsert, response=ListOut, status=201,
               summary="在暂存清单的某项商品前插入商品（其后序号加 1），不填 before 则追加 (C-10)")
def insert_list_item(center_no: str):
    """Insert an item into a 暂存 list."""
    body = base.parse_body(ListItemInsert)
    head = lists.insert_list_item_before(db.session, base.identity(), _list(center_no),
                                         body.item.model_dump(exclude_unset=True), body.before)
    db.session.commit()
    return base.ok(list_dict(head), 201)


@base.endpoint("/lists/<center_no>/items/<int:seq>", methods=("DELETE",), response=ListOut,
               query={"version": Param("清单的 version（上次读取的值）：不符时 409，重试不会删除重新编号后的下一项 (C-10)",
                                       "integer")},
               summary="删除暂存清单的一项商品，其后序号减 1；带 version 可安全重试 (C-10)")
def delete_list_item(center_no: str, seq: int):
    """Delete an item of a 暂存 list."""
    head = lists.delete_list_item(db.session, base.identity(), _list(center_no), seq, base.query_args()["version"])
    db.session.commit()
    return base.ok(list_dict(head))


@base.endpoint("/lists/import", methods=("POST",), response=ListImportAnswer, status=201,
               summary="批量导入清单（multipart：file 为 CSV/XLSX/JSON；declare=true 时导入后逐票申报）；每票清单按申报时"
                       "的全部规则检查（C-9..C-13），全部通过才导入（并申报），有错时 422 列出每个错误（list、row、field、"
                       "rule），有效清单仍导入 (C-15)")
def import_lists():
    """Import lists with items from an uploaded file, and declare them when asked."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise RuleError([Violation("C-15", "file", "请选择要导入的文件")])
    declare = _flag(request.form.get("declare"))
    result = list_import.import_lists(db.session, base.identity(), upload.filename, upload.read(), declare=declare)
    db.session.commit()
    if result.violations:
        message = f"{len(result.violations)} 处错误，已导入 {len(result.created)} 票清单"
        return envelope(422, message, result.violations, created=result.created, declared=result.declared)
    return base.ok({"created": result.created, "declared": result.declared}, 201)


def _flag(value: str | None) -> bool:
    """Read a form flag: true/1/on/yes (any case) is on; absent or false/0/off/no is off; else 422."""
    text = (value or "").strip().lower()
    if text in ("", "false", "0", "off", "no"):
        return False
    if text in ("true", "1", "on", "yes"):
        return True
    raise RuleError([Violation("C-15", "declare", "declare 须为 true 或 false")])


@base.endpoint("/lists/import/template.<kind>", path={"kind": Param("模板格式", enum=("csv", "xlsx", "json"))},
               summary="下载清单导入模板：csv、xlsx 或 json，中文表头，"
                                                        "预填本企业已审批的备案号 (C-15)")
def list_import_template(kind: str):
    """Download an import template."""
    content = list_import_template_bytes(db.session, base.identity(), kind)
    return attachment(content, f"lists_import.{kind}", kind)


@base.endpoint("/lists/<center_no>", response=ListOut, summary="清单详情：表头、表体、回执")
def get_list(center_no: str):
    """Return a list with its items and receipts."""
    return base.ok(list_dict(_list(center_no)))


@base.endpoint("/lists", response=ListPage, query=LIST_FILTERS, summary="本企业集报清单列表（新的在前）")
def list_lists():
    """List the enterprise's lists, newest first, with a keyset cursor."""
    identity = base.identity()
    identity.require_module_c()
    args = base.query_args()
    limit, cursor = args["limit"] or PAGE_SIZE, args["cursor"]
    query = select(ListHead).where(ListHead.tenant_clause(identity.enterprise_id))
    for name in ("status", "list_type", "customs_code"):
        if args[name] is not None:
            query = query.where(getattr(ListHead, name) == args[name])
    if args["from"]:
        query = query.where(ListHead.declare_date >= args["from"])
    if args["to"]:
        query = query.where(ListHead.declare_date <= args["to"])
    if cursor is not None:
        query = query.where(ListHead.id < cursor)
    rows = list(db.session.scalars(query.order_by(ListHead.id.desc()).limit(limit + 1)))
    items = [{"center_no": h.center_no, "status": h.status, "status_name": lifecycle_of("list_heads").status_name(h.status),
              "list_type": h.list_type, "customs_code": h.customs_code, "filing_no": h.filing_no,
              "declare_date": _iso(h.declare_date), "trade_mode": h.trade_mode, "overdue": h.overdue}
             for h in rows[:limit]]
    return base.ok({"items": items, "next": str(rows[limit - 1].id) if len(rows) > limit else None})


@base.endpoint("/lists/<center_no>/print.pdf", media="application/pdf", summary="打印集报清单 (P-3)")
def print_list(center_no: str):
    """Return the list as a PDF."""
    head = _list(center_no)
    return Response(render_list_pdf(db.session, head), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={head.center_no}.pdf",
                             "Cache-Control": "no-store"})


@base.endpoint("/lists/<center_no>/change-requests", methods=("POST",), body=ChangeRequestCreate,
               response=ChangeRequestOut, status=201,
               summary="暂存修撤单：清单状态 7、9–12、15，每票清单仅一个未办结的修撤单（409），"
                       "修改记录字段原值 → 新值，原因、联系人、电话必填 (C-16, C-17)")
def create_change_request(center_no: str):
    """Save a modify or revoke request on a list."""
    body = base.parse_body(ChangeRequestCreate)
    change = change_requests.create_change_request(db.session, base.identity(), _list(center_no), body.type,
                                                   body.changes, body.reason, body.contact, body.phone)
    db.session.commit()
    return base.ok(request_dict(change), 201)


def _request(request_id: int) -> ChangeRequest:
    return change_requests.find_change_request(db.session, base.identity(), request_id)


@base.endpoint("/change-requests/<int:request_id>/declare", methods=("POST",), response=ChangeRequestOut,
               summary="申报修撤单：ENTERED → DECLARED (C-17)")
def declare_change_request(request_id: int):
    """Declare a saved modify/revoke request."""
    change = change_requests.declare_change_request(db.session, base.identity(), _request(request_id))
    db.session.commit()
    return base.ok(request_dict(change))


@base.endpoint("/change-requests/<int:request_id>", response=ChangeRequestOut, summary="修撤单详情：状态、字段修改、回执")
def get_change_request(request_id: int):
    """Return a modify/revoke request."""
    return base.ok(request_dict(_request(request_id)))


@base.endpoint("/change-requests", response=ChangeRequestPage, query=REQUEST_FILTERS,
               summary="修撤状态查询：修撤单类型必填，其他条件可选 (C-18)")
def list_change_requests():
    """Query modify/revoke requests of one type."""
    args = base.query_args()
    rows, last = change_requests.query_change_requests(
        db.session, base.identity(), args["type"], status=args["status"], list_no=args["list_no"],
        date_from=args["from"], date_to=args["to"], cursor=args["cursor"], limit=args["limit"] or PAGE_SIZE)
    return base.ok({"items": [request_dict(r, receipts=False) for r in rows],
                    "next": str(last) if last is not None else None})
