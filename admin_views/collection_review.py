"""集中申报审核: staff decide module C records by hand through the same customs operations (S-3).

One screen for six registers: each register names its lifecycle table (rules/lifecycle.py), whose
staff decisions are the buttons (admin_views/decisions.py). Every decision calls the operation
registered for its move with source="staff" and commits once; a refusing or destroying decision is
confirmed first and needs an opinion; a refused decision (RuleError) is flashed with its rule id and
nothing changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin_views.base import SecureModelView
from admin_views.listing import list_cursor
from portal.counting import bounded_count, shown_count
from admin_views.decisions import (awaiting_confirmation, decision_buttons, decision_named, decision_violations,
                                   make_decision)
from admin_views.labels import (CHANGE_REQUEST_TYPE_NAMES, COMMON_LABELS, FILING_REQUEST_KIND_NAMES,
                                GOODS_NATURE_NAMES, IE_FLAG_NAMES, LIST_TYPE_NAMES)
# Imported so that every module C operation has registered itself for its move (portal.transitions.performs).
from portal.collection import change_requests, declarations, filing_requests, filings, lists, volumes  # noqa: F401
from portal.extensions import db
from portal.i18n import status_name
from portal.identity import current_identity
from portal.models import (ChangeRequest, CollectionFiling, Declaration, Enterprise, FilingRequest, ListHead,
                           ProductVolume)
from rules.lifecycle import Lifecycle, lifecycle_of
from rules.violations import RuleError

PAGE_SIZE = 50
SHOWN_CHANGES = 5


@dataclass(frozen=True)
class Register:
    """One register of the screen: its lifecycle table (statuses and staff decisions) and how rows are shown."""

    lifecycle: Lifecycle
    model: type
    number: Callable
    summary: Callable
    load: tuple = ()
    rule: Callable | None = None       # the rule id of a record's decisions when it is not the move's

    @property
    def title(self) -> str:
        return self.lifecycle.title

    @property
    def pending(self) -> tuple:
        """Return the statuses in which staff have a decision to take, in table order."""
        return self.lifecycle.decision_statuses()

    def status_name(self, code) -> str:
        return status_name(self.lifecycle.register, code)

    def rule_of(self, record) -> str | None:
        return self.rule(record) if self.rule is not None else None


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
    "filings": Register(lifecycle_of("collection_filings"), CollectionFiling, lambda r: r.center_no, _filing_summary),
    "volumes": Register(lifecycle_of("product_volumes"), ProductVolume, lambda r: r.volume_no,
                        lambda r: f"集报备案 {r.filing.center_no}", load=(selectinload(ProductVolume.filing),)),
    "filing_requests": Register(
        lifecycle_of("filing_requests"), FilingRequest,
        lambda r: f"{r.filing.center_no}（{FILING_REQUEST_KIND_NAMES.get(r.kind, r.kind)}）", _filing_request_summary,
        load=(selectinload(FilingRequest.filing),), rule=lambda r: filing_requests.KIND_RULES[r.kind]),
    "lists": Register(lifecycle_of("list_heads"), ListHead, lambda r: r.center_no, _list_summary),
    "change_requests": Register(lifecycle_of("change_requests"), ChangeRequest, lambda r: f"清单 {r.head.center_no}",
                                _change_request_summary, load=(selectinload(ChangeRequest.head),)),
    "declarations": Register(lifecycle_of("declarations"), Declaration, lambda r: r.unified_no, _declaration_summary),
}


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
                  "buttons": decision_buttons(spec.lifecycle, r.status)} for r in rows]
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
        move = decision_named(spec.lifecycle, request.form.get("action", "")) if spec is not None else None
        record = db.session.get(spec.model, record_id) if move is not None else None
        if record is None:
            abort(404)
        number = spec.number(record)
        opinion = request.form.get("opinion", "").strip()
        back = url_for(".index", register=register, status=request.args.get("status") or None)
        try:
            confirming = awaiting_confirmation(move)
            violations = decision_violations(move, record, opinion or "-" if confirming else opinion,
                                             spec.rule_of(record))
            if violations:
                raise RuleError(violations, status=409)
            if confirming:
                return self.render("admin/confirm_decision.html", move=move, title=spec.title, number=number,
                                   status_name=spec.status_name(record.status), summary=spec.summary(record),
                                   opinion=opinion, back=back, field="action")
            make_decision(db.session, move, record, opinion)
            db.session.commit()
            flash(f"{spec.title} {number}：{move.label}，当前状态：{spec.status_name(record.status)}", "success")
        except RuleError as exc:
            db.session.rollback()
            flash(f"{spec.title} {number}：" + "；".join(f"[{v.rule}] {v.message}" for v in exc.violations), "error")
        return redirect(back)


def register(admin) -> None:
    """Add the module C review page to the admin."""
    admin.add_view(CollectionReviewView(name="集中申报审核", category="集中申报", endpoint="collection_review",
                                        url="/admin/collection-review"))
