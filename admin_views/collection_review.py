"""集中申报审核: staff decide module C records by hand through the same customs operations (S-3).

One screen for six registers, driven by the `REGISTERS` table: each register names its model,
the rule id its decisions belong to, and its actions (button → operation, the statuses it applies
to, whether an opinion is required). Every decision calls the operation with source="staff" and
commits once; a refused decision (RuleError) is flashed with its rule id and nothing changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin_views.base import SecureModelView
from admin_views.listing import bounded_count, list_cursor, shown_count
from admin_views.labels import (CHANGE_REQUEST_STATUS_NAMES, CHANGE_REQUEST_TYPE_NAMES, COMMON_LABELS,
                                DECLARATION_STATUS_NAMES, FILING_REQUEST_KIND_NAMES, FILING_STATUS_NAMES,
                                GOODS_NATURE_NAMES, IE_FLAG_NAMES, LIST_STATUS_NAMES, LIST_TYPE_NAMES,
                                VOLUME_STATUS_NAMES)
from portal.collection import change_requests, declarations, filing_requests, filings, lists, volumes
from portal.extensions import db
from portal.identity import current_identity
from portal.models import (ChangeRequest, CollectionFiling, Declaration, Enterprise, FilingRequest, ListHead,
                           ProductVolume)
from rules.violations import RuleError, Violation

PAGE_SIZE = 50
OPINION_LENGTH = 1000
SHOWN_CHANGES = 5


@dataclass(frozen=True)
class Action:
    """One customs decision: its button, the operation it calls and the statuses it applies to."""

    label: str
    operation: Callable
    statuses: tuple
    opinion: bool = False              # a refusal: the opinion is required (S-3)
    style: str = "btn-outline-primary"


@dataclass(frozen=True)
class Register:
    """One register of the screen: what is pending in it and what staff may decide."""

    title: str
    model: type
    rule: str | Callable
    status_names: dict
    number: Callable
    summary: Callable
    actions: dict
    load: tuple = ()

    @property
    def pending(self) -> tuple:
        """Return the statuses some action applies to, in table order."""
        found = []
        for action in self.actions.values():
            found += [status for status in action.statuses if status not in found]
        return tuple(found)

    def rule_of(self, record) -> str:
        return self.rule(record) if callable(self.rule) else self.rule

    def actions_for(self, status) -> list[str]:
        return [key for key, action in self.actions.items() if status in action.statuses]


def _decisions(approve, refuse, fail) -> dict:
    """The three customs answers to a declared filing, volume or filing request."""
    declared = ("DECLARED",)
    return {"approve": Action("审批通过", approve, declared, style="btn-success"),
            "refuse": Action("核准拒绝", refuse, declared, opinion=True, style="btn-outline-danger"),
            "fail": Action("接受失败", fail, declared)}


def _filing_summary(filing: CollectionFiling) -> str:
    text = f"{GOODS_NATURE_NAMES.get(filing.goods_nature, filing.goods_nature)}；申报地海关 {filing.customs_code}"
    if filing.approval_valid_until:
        text += f"；审批有效期至 {filing.approval_valid_until:%Y-%m-%d}"
    return text


def _filing_request_summary(item: FilingRequest) -> str:
    payload = item.payload or {}
    if item.kind == "EXTENSION":
        return f"延期（现审批有效期至 {payload.get('valid_until') or '—'}）"
    parts = [f"{COMMON_LABELS.get(k, k)}：{v.get('old') or '—'} → {v.get('new') or '—'}"
             for k, v in (payload.get("filing") or {}).items()]
    if payload.get("add_items"):
        parts.append(f"新增商品 {len(payload['add_items'])} 项")
    if payload.get("disable_items"):
        parts.append(f"停用商品 {len(payload['disable_items'])} 项")
    return "备案变更：" + "；".join(parts)


def _list_summary(head: ListHead) -> str:
    text = f"{LIST_TYPE_NAMES.get(head.list_type, head.list_type)}；申报地海关 {head.customs_code}"
    text += f"；备案号 {head.filing_no or '—'}"
    return text + (f"；申报日期 {head.declare_date:%Y-%m-%d}" if head.declare_date else "")


def _change_request_summary(item: ChangeRequest) -> str:
    text = f"{CHANGE_REQUEST_TYPE_NAMES.get(item.request_type, item.request_type)}；原因：{item.reason}"
    changes = [f"{c['field']}：{c.get('old')} → {c.get('new')}" for c in (item.changes or [])[:SHOWN_CHANGES]]
    more = len(item.changes or []) - SHOWN_CHANGES
    return text + ("；" + "；".join(changes) if changes else "") + (f"；另 {more} 项" if more > 0 else "")


def _declaration_summary(item: Declaration) -> str:
    return (f"{IE_FLAG_NAMES.get(item.ie_flag, item.ie_flag)}；监管方式 {item.trade_mode or '—'}；"
            f"{item.item_count} 项商品；报关申报单位 {item.agent_name or '不指定'}")


REGISTERS = {
    "filings": Register(
        "集报备案", CollectionFiling, "C-3", FILING_STATUS_NAMES, lambda r: r.center_no, _filing_summary,
        {**_decisions(filings.approve_filing, filings.refuse_filing, filings.fail_filing_receipt),
         "cancel": Action("取消资质", filings.cancel_filing, ("APPROVED",), style="btn-outline-danger")}),
    "volumes": Register(
        "商品分册", ProductVolume, "C-5", VOLUME_STATUS_NAMES, lambda r: r.volume_no,
        lambda r: f"集报备案 {r.filing.center_no}",
        _decisions(volumes.approve_volume, volumes.refuse_volume, volumes.fail_volume_receipt),
        load=(selectinload(ProductVolume.filing),)),
    "filing_requests": Register(
        "备案变更/延期", FilingRequest, lambda r: filing_requests.KIND_RULES[r.kind], FILING_STATUS_NAMES,
        lambda r: f"{r.filing.center_no}（{FILING_REQUEST_KIND_NAMES.get(r.kind, r.kind)}）", _filing_request_summary,
        _decisions(filing_requests.approve_filing_request, filing_requests.refuse_filing_request,
                   filing_requests.fail_filing_request_receipt),
        load=(selectinload(FilingRequest.filing),)),
    "lists": Register(
        "集报清单", ListHead, "C-14", LIST_STATUS_NAMES, lambda r: r.center_no, _list_summary,
        {"accept": Action("海关审批通过", lists.accept_list, (2,), style="btn-success"),
         "fail": Action("海关入库失败", lists.fail_list_receipt, (2,)),
         "return": Action("退单", lists.return_list, (2,), opinion=True, style="btn-outline-danger"),
         "clear": Action("结关", lists.clear_list, lists.CLEARABLE, style="btn-success")}),
    "change_requests": Register(
        "修撤单", ChangeRequest, "C-17", CHANGE_REQUEST_STATUS_NAMES, lambda r: f"清单 {r.head.center_no}",
        _change_request_summary,
        {"approve": Action("审批通过", change_requests.approve_change_request, ("DECLARED",), style="btn-success"),
         "reject": Action("审批不通过", change_requests.reject_change_request, ("DECLARED",), opinion=True,
                          style="btn-outline-danger")},
        load=(selectinload(ChangeRequest.head),)),
    "declarations": Register(
        "集报报关单", Declaration, "C-24", DECLARATION_STATUS_NAMES, lambda r: r.unified_no, _declaration_summary,
        {"conclude": Action("审结", declarations.conclude_declaration, ("DECLARED", "INSPECTION"), style="btn-success"),
         "inspect": Action("查验", declarations.inspect_declaration, ("DECLARED",)),
         "refuse": Action("不受理", declarations.refuse_declaration, ("DECLARED",), opinion=True,
                          style="btn-outline-danger"),
         "close": Action("结关", declarations.close_declaration, ("CONCLUDED",), style="btn-success")}),
}


def decision_violations(spec: Register, action: Action, record, opinion: str) -> list[Violation]:
    """Refuse an action the record's status does not allow, or a refusal without an opinion (S-3)."""
    if record.status not in action.statuses:
        name = spec.status_names.get(record.status, record.status)
        return [Violation(spec.rule_of(record), "status", f"当前状态为“{name}”，不能{action.label}")]
    if action.opinion and not opinion:
        return [Violation("S-3", "opinion", f"{action.label}须填写海关意见")]
    if len(opinion) > OPINION_LENGTH:
        return [Violation("S-3", "opinion", f"海关意见不能超过 {OPINION_LENGTH} 个字符")]
    return []


class CollectionReviewView(BaseView):
    """Pending module C records of one register with the customs decisions their status allows."""

    is_accessible = SecureModelView.is_accessible
    inaccessible_callback = SecureModelView.inaccessible_callback

    def _require_staff(self) -> None:
        identity = current_identity()
        if identity is None or not identity.is_staff:
            abort(403)

    @expose("/")
    def index(self):
        key = request.args.get("register")
        key = key if key in REGISTERS else next(iter(REGISTERS))
        spec = REGISTERS[key]
        by_text = {str(status): status for status in spec.pending}
        status = request.args.get("status") or ""
        wanted = (by_text[status],) if status in by_text else spec.pending
        stmt = select(spec.model).where(spec.model.status.in_(wanted)).options(*spec.load)
        before = list_cursor("before")
        if before:
            stmt = stmt.where(spec.model.id < before)
        rows = list(db.session.scalars(stmt.order_by(spec.model.id.desc()).limit(PAGE_SIZE + 1)))
        more = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
        rows = rows[:PAGE_SIZE]
        names = dict(db.session.execute(select(Enterprise.id, Enterprise.name_zh).where(
            Enterprise.id.in_({r.enterprise_id for r in rows}))).all()) if rows else {}
        items = [{"record": r, "number": spec.number(r), "summary": spec.summary(r),
                  "enterprise": names.get(r.enterprise_id, ""),
                  "buttons": [(name, spec.actions[name].style, spec.actions[name].label)
                              for name in spec.actions_for(r.status)]} for r in rows]
        counts = {k: shown_count(bounded_count(db.session, r.model, r.model.status.in_(r.pending)))
                  for k, r in REGISTERS.items()}
        identity = current_identity()
        return self.render("admin/collection_review.html", registers=REGISTERS, key=key, spec=spec, items=items,
                           counts=counts, status=status if status in by_text else "", more=more,
                           can_act=identity is not None and identity.is_staff)

    @expose("/<register>/<int:record_id>/decide", methods=("POST",))
    def decide(self, register: str, record_id: int):
        self._require_staff()
        spec = REGISTERS.get(register)
        action = spec.actions.get(request.form.get("action", "")) if spec is not None else None
        record = db.session.get(spec.model, record_id) if action is not None else None
        if record is None:
            abort(404)
        number = spec.number(record)
        opinion = request.form.get("opinion", "").strip()
        try:
            violations = decision_violations(spec, action, record, opinion)
            if violations:
                raise RuleError(violations, status=409)
            action.operation(db.session, record, opinion, source="staff")
            db.session.commit()
            result = spec.status_names.get(record.status, record.status)
            flash(f"{spec.title} {number}：{action.label}，当前状态：{result}", "success")
        except RuleError as exc:
            db.session.rollback()
            flash(f"{spec.title} {number}：" + "；".join(f"[{v.rule}] {v.message}" for v in exc.violations), "error")
        return redirect(url_for(".index", register=register, status=request.args.get("status") or None))


def register(admin) -> None:
    """Add the module C review page to the admin."""
    admin.add_view(CollectionReviewView(name="集中申报审核", category="集中申报", endpoint="collection_review",
                                        url="/admin/collection-review"))
