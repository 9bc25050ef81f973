"""Shared by the module C pages: the card-login guard (U-5), form parsing, refusals, options, paging.

Input names are the violation field paths of the operations (`net_weight`, `items[2].qty`,
`changes.items[0].qty`), so a refusal finds the input it belongs to by name; system-filled
values have no input name and are never posted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.codes import choices, code_labels
from portal.collection.filing_common import plain_amount
from portal.collection.waiting import QUEUE_GROUPS, waiting_queues
from portal.collection.list_values import LABELS as LIST_LABELS
from portal.collection_pages import bp
from portal.enterprise.forms import field_id
from portal.extensions import db
from portal.i18n import LocalizedNames, refusal_text, status_names, translate
from portal.identity import current_identity
from portal.models import Receipt
from rules.collection import GOODS_NATURE_NAMES
from rules.lists import LIST_TYPE_NAMES
from rules.violations import RuleError, Violation

ROW_INPUT = re.compile(r"^(?P<section>[a-z_]+)\[(?P<index>\d{1,5})\]\.(?P<name>[a-z_]+)$")
ROW_FIELD = re.compile(r"^(?P<section>[a-z_]+)\[(?P<index>\d{1,5})\](?:\.(?P<name>[a-z_]+))?$")
MAX_ROWS = 5000
PAGE_SIZE = 20
SHOWN_REFUSALS = (409, 422)


# Field paths of violations in words, for the error summary.
FIELD_LABELS = {**LIST_LABELS, "goods_nature": "集中申报货物性质", "ie_batches": "进出口批次", "guarantee_mode": "担保方式",
                "guarantee_amount": "担保额度（万元）", "guarantee_valid_until": "担保有效期",
                "enterprise_customs_code": "企业海关编码", "enterprise_name": "企业名称", "enterprise": "企业资质",
                "approval_valid_until": "核准有效期", "center_no": "备案企业中心统一编号", "hs_code": "商品编码",
                "name": "商品名称", "unit": "计量单位", "seq": "商品序号", "status": "状态", "trade_mode": "贸易方式",
                "total": "总价", "reason": "修撤原因", "contact": "联系人", "phone": "联系电话", "type": "修撤单类型",
                "list_nos": "所选清单", "agent_code": "报关申报单位代码", "file": "导入文件", "items": "表体",
                "before": "插入位置", "filing": "集报备案", "list": "清单", "changes": "修改内容", "body": "变更内容"}
SECTION_LABELS = {"items": "表体", "add_items": "新增商品", "disable_items": "停用商品"}
# The module C menu (seed 004 左侧菜单): groups of (endpoint, label, url arguments).
MENU = (
    (_l("集报备案"), (("collection.new_filing", _l("企业资质备案"), {}),
                    ("collection.product_entry", _l("企业商品信息备案"), {}),
                    ("collection.filing_changes", _l("企业备案变更"), {}))),
    (_l("集报清单"), (("collection.new_list", _l("进口一般贸易集报清单"), {"list_type": "IMPORT_GENERAL"}),
                    ("collection.new_list", _l("进口保税货物集报清单"), {"list_type": "IMPORT_BONDED"}),
                    ("collection.new_list", _l("出口一般贸易集报清单"), {"list_type": "EXPORT_GENERAL"}),
                    ("collection.new_list", _l("出口保税货物集报清单"), {"list_type": "EXPORT_BONDED"}),
                    ("collection.import_lists", _l("清单导入"), {}))),
    (_l("集报清单修撤单"), (("collection.change_candidates", _l("修改/撤销申请"), {}),
                       ("collection.change_requests_query", _l("修撤状态查询"), {}))),
    (_l("集报清单汇总"), (("collection.aggregation_page", _l("集报清单汇总"), {}),)),
    (_l("数据查询/统计"), (("collection.filings_query", _l("备案表查询"), {}),
                       ("collection.lists_query", _l("集报清单查询"), {}),
                       ("collection.declarations_query", _l("集报报关单查询"), {}),
                       ("collection.mappings", _l("归并关系查询"), {}),
                       ("collection_stats.statistics", _l("集报清单业务统计"), {}))),
)


@dataclass(frozen=True)
class Column:
    """One column of a head/body grid: input name, label, kind and the code table it draws from.

    kind: text | number | select (code table) | datalist (typed code, suggestions from a code
    table) | system (grey, filled by the system, never posted) | total (grey, computed) | check.
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    table: str | None = None
    width: str = ""
    placeholder: str = ""
    maxlength: int | None = None


@bp.before_request
def _card_login_only():
    """Send visitors to the login page; explain card login to anyone else who may not use module C (U-3, U-5)."""
    identity = current_identity()
    if identity is None:
        return redirect(url_for("auth.login", next=request.path))
    try:
        identity.require_module_c()
    except RuleError as exc:
        return render_template("collection/card_required.html", violations=exc.violations), exc.status
    return None


@bp.app_context_processor
def _menu():
    return {"collection_menu": MENU}


@bp.route("/")
def index():
    """集中申报主界面: what waits for the enterprise (bounded counts, each linked to its page; C-19, C-20, C-24)."""
    queues = {queue.key: queue for queue in waiting_queues(db.session, identity())}
    return render_template("collection/index.html", groups=[(title, [queues[key] for key in keys])
                                                            for title, keys in QUEUE_GROUPS],
                           active_menu="collection.index")


def field_label(field: str) -> str:
    """Return a violation's field path in words: 净重, 表体第 3 项 数量, 新增商品第 1 项 商品编码."""
    path = field[len("changes."):] if field.startswith("changes.") else field
    match = ROW_FIELD.match(path)
    if match:
        section = SECTION_LABELS.get(match["section"], FIELD_LABELS.get(match["section"], match["section"]))
        name = FIELD_LABELS.get(match["name"], match["name"]) if match["name"] else ""
        return _("%(section)s第 %(n)s 项 %(name)s", section=translate(section), n=int(match["index"]) + 1,
                 name=translate(name)).strip()
    return translate(FIELD_LABELS.get(path, path))


@bp.context_processor
def _helpers():
    return {"field_id": field_id, "field_label": field_label, "code_options": code_options, "code_label": code_label,
            "first_page_url": first_page_url, "plain": plain_amount,
            "list_status_names": status_names("list_heads"), "list_type_names": LocalizedNames(LIST_TYPE_NAMES),
            "filing_status_names": status_names("collection_filings"),
            "volume_status_names": status_names("product_volumes"),
            "goods_nature_names": LocalizedNames(GOODS_NATURE_NAMES)}


def identity():
    """Return the card-login enterprise user (the blueprint guard ran)."""
    return current_identity()


def text(value) -> str | None:
    """Return posted text stripped, None when blank."""
    result = (value or "").strip()
    return result or None


def posted_fields(form, names) -> dict:
    """Return the named single fields of a posted form (blank as None)."""
    return {name: text(form.get(name)) for name in names}


def posted_rows(form, section: str, names) -> list[dict]:
    """Return the posted rows `section[i].name` in index order, leaving out rows left wholly blank."""
    raw: dict[int, dict] = {}
    for key in form:
        match = ROW_INPUT.match(key)
        if match and match["section"] == section and match["name"] in names:
            raw.setdefault(int(match["index"]), {})[match["name"]] = form.get(key)
    if len(raw) > MAX_ROWS:
        raise RuleError([Violation("A-2", section, f"一次最多提交 {MAX_ROWS} 行")])
    rows = []
    for index in sorted(raw):
        row = {name: text(raw[index].get(name)) for name in names}
        if any(value is not None for value in row.values()):
            rows.append(row)
    return rows


def attempt(action):
    """Run an operation and commit; on a refusal shown on the page (422, 409) roll back and return it.

    Returns (result, None) or (None, RuleError); other errors go to the error page.
    """
    try:
        result = action()
        db.session.commit()
    except RuleError as exc:
        db.session.rollback()
        if exc.status not in SHOWN_REFUSALS:
            raise
        return None, exc
    return result, None


def flash_refusal(error: RuleError) -> None:
    """Show a refusal as a red message (for actions that redirect back)."""
    flash(refusal_text(error.violations), "error")


def errors_by_field(violations) -> dict[str, list]:
    """Group violations by the input (field path) they are shown beside."""
    grouped: dict[str, list] = {}
    for violation in violations or ():
        grouped.setdefault(violation.field, []).append(violation)
    return grouped


def code_options(table: str) -> list[tuple[str, str, str]]:
    """Return (code, "code 名称", pinyin) of a code table, read once per request."""
    cache = g.setdefault("_collection_code_options", {})
    if table not in cache:
        cache[table] = choices(table)
    return cache[table]


def code_label(table: str, code) -> str:
    """Return "code 名称" for a code (the code itself when unknown, '' when blank)."""
    if code in (None, ""):
        return ""
    labels = g.setdefault("_collection_code_labels", {})
    if table not in labels:
        labels[table] = code_labels(table)  # inactive codes too: a record naming one stays readable
    return labels[table].get(str(code), str(code))


def query_date(name: str, label: str) -> tuple[date | None, list[Violation]]:
    """Read a YYYY-MM-DD query argument; a malformed one is a violation shown on the page."""
    value = text(request.args.get(name))
    if value is None:
        return None, []
    try:
        return date.fromisoformat(value), []
    except ValueError:
        return None, [Violation("A-2", name, f"{label}格式应为 YYYY-MM-DD")]


def query_cursor() -> int | None:
    """Read the keyset cursor (the last id of the previous page)."""
    value = request.args.get("cursor") or ""
    return int(value) if value.isdigit() else None


def keyset_page(session, query, model, cursor: int | None, limit: int = PAGE_SIZE):
    """Return one page of `query` newest first, and the cursor of the next page (None on the last)."""
    if cursor is not None:
        query = query.where(model.id < cursor)
    rows = list(session.scalars(query.order_by(model.id.desc()).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def first_page_url() -> str:
    """Return the URL of the current query's first page (the filters without the cursor)."""
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def next_page_url(endpoint: str, cursor: int | None, **values) -> str | None:
    """Return the URL of the next page with the current filters, or None."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return url_for(endpoint, **{**args, **values, "cursor": cursor})


def receipts_of(record) -> list:
    """Return the customs receipts (回执) of a record, oldest first (Q-21, S-3)."""
    return list(db.session.scalars(select(Receipt).where(Receipt.record_type == type(record).__tablename__,
                                                         Receipt.record_id == record.id).order_by(Receipt.id)))


def pdf_response(content: bytes, file_name: str) -> Response:
    """Return a PDF shown inline in the browser."""
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={file_name}", "Cache-Control": "no-store"})
