"""集报清单汇总 page (seed 004 §6.4): select cleared lists, name the declaring agent or 不指定, 汇总成功 (C-19, C-20).

The selection posts the body of POST /api/v1/aggregations and calls request_aggregation; the lists
move to 待汇总 and the scheduler later builds the declarations. Overdue lists are flagged (C-19).
"""
from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from portal import clock
from portal.collection import aggregation, declarations
from portal.collection_pages import bp
from portal.collection_pages.common import attempt, identity, query_date, text
from portal.extensions import db
from portal.i18n import LocalizedNames, status_name, translate
from portal.models import AggregationRequest, Declaration, ListHead
from rules.aggregation import AGGREGATABLE_STATUS, is_overdue

MAX_SHOWN = 1000
NATURE_LIST_TYPES = {"GENERAL": ("IMPORT_GENERAL", "EXPORT_GENERAL"), "BONDED": ("IMPORT_BONDED", "EXPORT_BONDED")}
NATURE_NAMES = {"GENERAL": "一般贸易", "BONDED": "保税货物"}
IE_PREFIX = {"I": "IMPORT", "E": "EXPORT"}
RECENT_REQUESTS = 10


def _filters() -> dict:
    values = request.values
    return {"goods_nature": values.get("goods_nature") if values.get("goods_nature") in NATURE_LIST_TYPES
            else "GENERAL", "ie": values.get("ie") if values.get("ie") in IE_PREFIX else "",
            "from": text(values.get("from")) or "", "to": text(values.get("to")) or ""}


def _cleared_lists(filters: dict) -> tuple[list[ListHead], bool, list]:
    """Cleared (已结关) lists in no aggregation, by goods nature, I/E and declare date (C-19, C-20)."""
    date_from, violations = query_date("from", _("申报日期起"))
    date_to, more = query_date("to", _("申报日期止"))
    violations += more
    types = [t for t in NATURE_LIST_TYPES[filters["goods_nature"]]
             if not filters["ie"] or t.startswith(IE_PREFIX[filters["ie"]])]
    query = select(ListHead).where(ListHead.tenant_clause(identity().enterprise_id),
                                   ListHead.status == AGGREGATABLE_STATUS, ListHead.aggregation_id.is_(None),
                                   ListHead.list_type.in_(types))
    if date_from:
        query = query.where(ListHead.declare_date >= date_from)
    if date_to:
        query = query.where(ListHead.declare_date <= date_to)
    if violations:
        return [], False, violations
    rows = list(db.session.scalars(query.order_by(ListHead.declare_date, ListHead.id).limit(MAX_SHOWN + 1)))
    return rows[:MAX_SHOWN], len(rows) > MAX_SHOWN, []


def render_aggregation(violations=(), status: int = 200, chosen=(), agent_code: str = "", agent_mode: str = "none"):
    """Show the filters, the cleared lists (overdue flagged) and the recent aggregation requests."""
    filters = _filters()
    rows, truncated, problems = _cleared_lists(filters)
    today = clock.today()
    overdue = {h.id for h in rows if h.overdue or is_overdue(h.declare_date, h.trade_mode, today)}
    recent = db.session.scalars(select(AggregationRequest).where(
        AggregationRequest.tenant_clause(identity().enterprise_id)).order_by(AggregationRequest.id.desc())
        .limit(RECENT_REQUESTS))
    violations = list(violations) + problems
    if problems and status == 200:
        status = 422
    return render_template("collection/aggregation.html", rows=rows, truncated=truncated, overdue=overdue,
                           filters=filters, natures=LocalizedNames(NATURE_NAMES), chosen=set(chosen), agent_code=agent_code,
                           agent_mode=agent_mode, violations=violations,
                           recent=[aggregation.request_summary(db.session, r) for r in recent],
                           max_shown=MAX_SHOWN, active_menu="collection.aggregation_page"), status


@bp.route("/aggregation", methods=["GET", "POST"])
def aggregation_page():
    """汇总: the chosen lists with an agent's 10-digit customs code, or 不指定 (C-19, C-20)."""
    if request.method == "GET":
        return render_aggregation()
    chosen = request.form.getlist("list_nos")
    agent_mode = "agent" if request.form.get("agent_mode") == "agent" else "none"
    agent_code = text(request.form.get("agent_code")) if agent_mode == "agent" else None
    created, error = attempt(lambda: aggregation.request_aggregation(db.session, identity(), chosen, agent_code))
    if error is not None:
        return render_aggregation(error.violations, error.status, chosen, agent_code or "", agent_mode)
    link = Markup('<a href="{}" id="aggregation-request-link">{}</a>').format(
        url_for("collection.aggregation_request", request_id=created.id), created.id)
    flash(Markup(_("%(answer)s：汇总申请 %(link)s 已受理（状态：%(status)s），%(n)s 票清单转为待汇总。定时处理程序生成"
                   "集报报关单后，打开该汇总申请即可看到并申报。")) % {
        "answer": translate(aggregation.ANSWER), "link": link, "n": len(set(chosen)),
        "status": status_name("aggregation_requests", created.status)}, "success")
    return redirect(url_for("collection.aggregation_page", **{k: v for k, v in _filters().items() if v}))


@bp.route("/aggregation/requests/<int:request_id>")
def aggregation_request(request_id: int):
    """汇总申请: its status and, once the scheduler has built them, its declarations (C-20, C-22, C-24)."""
    found = aggregation.find_request(db.session, identity(), request_id)
    shown = list(db.session.scalars(select(Declaration).where(Declaration.aggregation_id == found.id)
                                    .order_by(Declaration.id).limit(MAX_SHOWN + 1)))
    return render_template("collection/aggregation_request.html", request_row=found,
                           summary=aggregation.request_summary(db.session, found), declarations=shown[:MAX_SHOWN],
                           truncated=len(shown) > MAX_SHOWN, me=identity().enterprise_id,
                           declarant_id=declarations.declarant_id,
                           tick_seconds=current_app.config.get("SCHEDULER_TICK_SECONDS"),
                           active_menu="collection.aggregation_page")


@bp.route("/aggregation/agent")
def agent_lookup():
    """Look up a declaring agent by its 10-digit customs code: its name, or why it cannot declare (C-20)."""
    agent, violations = aggregation.find_agent(db.session, request.args.get("code"))
    if violations or agent is None:
        return jsonify({"found": False, "messages": [f"{v.message}（{v.rule}）" for v in violations]
                        or [_("请输入 10 位海关编码")]})
    return jsonify({"found": True, "name": agent.name_zh, "code": agent.registration_code})
