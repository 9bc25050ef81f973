"""集报清单修撤单 pages (seed 004 §6.3): choose a list, modify (old → new) or revoke, declare, 修撤状态查询 (C-16..C-18).

The form posts the body of POST /api/v1/lists/<center_no>/change-requests: `changes` keyed by the
field path (`packages`, `items[0].qty`), reason, contact and phone; the operation keeps only the
fields whose value really changed and records old → new.
"""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.collection import change_requests
from portal.collection.list_values import LABELS
from portal.collection_pages import bp
from portal.collection_pages.common import (attempt, errors_by_field, flash_refusal, identity, keyset_page,
                                            next_page_url, query_cursor, query_date, receipts_of, text)
from portal.collection_pages.lists import find, open_request, saved_rows
from portal.extensions import db
from portal.i18n import LocalizedNames, status_names, translate
from portal.models import ChangeRequest, ListHead
from portal.models.collection import CHANGE_REQUEST_STATUSES as REQUEST_STATUSES
from rules.lists import CHANGE_REQUEST_STATUSES, MODIFIABLE_HEAD_FIELDS, MODIFIABLE_ITEM_FIELDS
from rules.violations import RuleError

TYPE_NAMES = change_requests.REQUEST_TYPE_NAMES
ITEM_KEY = re.compile(r"^items\[(\d{1,5})\]\.(\w+)$")
CONTACT_FIELDS = ("reason", "contact", "phone")


@bp.context_processor
def _change_helpers():
    return {"request_type_names": LocalizedNames(TYPE_NAMES),
            "request_status_names": status_names("change_requests")}


def _find(request_id) -> ChangeRequest:
    return change_requests.find_change_request(db.session, identity(), request_id)


@bp.route("/change-requests/new")
def change_candidates():
    """修改申请 / 撤销申请: lists in 7, 9–12 or 15 the enterprise may modify or revoke (C-16)."""
    filters = {name: text(request.args.get(name)) or "" for name in ("center_no", "list_type", "from", "to")}
    date_from, violations = query_date("from", _("申报日期起"))
    date_to, more = query_date("to", _("申报日期止"))
    violations += more
    query = select(ListHead).where(ListHead.tenant_clause(identity().enterprise_id),
                                   ListHead.status.in_(CHANGE_REQUEST_STATUSES))
    for name in ("center_no", "list_type"):
        if filters[name]:
            query = query.where(getattr(ListHead, name) == filters[name])
    if date_from:
        query = query.where(ListHead.declare_date >= date_from)
    if date_to:
        query = query.where(ListHead.declare_date <= date_to)
    rows, cursor = ([], None) if violations else keyset_page(db.session, query, ListHead, query_cursor())
    pending = set(db.session.scalars(select(ChangeRequest.open_marker).where(
        ChangeRequest.open_marker.in_([h.id for h in rows])))) if rows else set()
    return render_template("collection/change_candidates.html", rows=rows, pending=pending, filters=filters,
                           violations=violations, next_url=next_page_url("collection.change_candidates", cursor),
                           active_menu="collection.change_candidates"), 422 if violations else 200


def _posted_changes(form) -> dict:
    """Return the posted new values keyed by field path (only modifiable fields, C-17)."""
    changes = {}
    for key in form:
        if not key.startswith("changes."):
            continue
        field = key[len("changes."):]
        match = ITEM_KEY.match(field)
        if field in MODIFIABLE_HEAD_FIELDS or (match and match[2] in MODIFIABLE_ITEM_FIELDS):
            changes[field] = (form.get(key) or "").strip()
    return changes


@bp.route("/lists/<center_no>/change-request", methods=["GET", "POST"])
def new_change_request(center_no: str):
    """修改 (field by field, old → new) or 撤销 a list; reason, contact, phone required (C-16, C-17)."""
    head = find(center_no)
    request_type = request.values.get("type") if request.values.get("type") in TYPE_NAMES else "MODIFY"
    pending = open_request(head)
    if pending is not None:
        flash(_("该清单已有未办结的修撤单 %(id)s（C-16）", id=pending.id), "error")
        return redirect(url_for("collection.change_request", request_id=pending.id))
    values, violations, status = {}, [], 200
    if request.method == "POST":
        changes = _posted_changes(request.form) if request_type == "MODIFY" else None
        contact = {name: request.form.get(name) or "" for name in CONTACT_FIELDS}

        def create():
            created = change_requests.create_change_request(db.session, identity(), head, request_type, changes,
                                                            **contact)
            if request.form.get("action") == "declare":
                change_requests.declare_change_request(db.session, identity(), created)
            return created
        created, error = attempt(create)
        if error is None:
            done = _("%(kind)s %(id)s 已申报") if created.status == "DECLARED" else _("%(kind)s %(id)s 已暂存")
            flash(done % {"kind": translate(TYPE_NAMES[request_type]), "id": created.id}, "success")
            return redirect(url_for("collection.change_request", request_id=created.id))
        db.session.refresh(head)
        values = {**{f"changes.{k}": v for k, v in (changes or {}).items()}, **contact}
        violations, status = error.violations, error.status
    old_values = {name: change_requests.plain(getattr(head, name)) for name in MODIFIABLE_HEAD_FIELDS}
    return render_template("collection/change_form.html", head=head, request_type=request_type, values=values,
                           rows=saved_rows(head), head_fields=MODIFIABLE_HEAD_FIELDS, editable=True,
                           old_values=old_values,
                           item_fields=MODIFIABLE_ITEM_FIELDS, labels=LABELS, violations=violations,
                           errors=errors_by_field(violations), active_menu="collection.change_candidates"), status


@bp.route("/change-requests/<int:request_id>")
def change_request(request_id: int):
    """修撤单详情: field diffs old → new, reason, status, receipts; 申报 while 暂存."""
    found = _find(request_id)
    return render_template("collection/change_request.html", change=found, receipts=receipts_of(found),
                           active_menu="collection.change_requests")


@bp.route("/change-requests/<int:request_id>/declare", methods=["POST"])
def declare_change_request(request_id: int):
    """申报 a saved modify/revoke request (C-17)."""
    _done, error = attempt(lambda: change_requests.declare_change_request(db.session, identity(),
                                                                           _find(request_id)))
    if error is not None:
        flash_refusal(error)
    else:
        flash(_("修撤单已申报，等待海关审批"), "success")
    return redirect(url_for("collection.change_request", request_id=request_id))


@bp.route("/change-requests")
def change_requests_query():
    """修撤状态查询: 修撤单类型 is required, other filters optional (C-18)."""
    filters = {name: text(request.args.get(name)) or "" for name in ("type", "status", "list_no", "from", "to")}
    rows, cursor, violations = [], None, []
    if "type" in request.args:  # the query form was sent
        date_from, violations = query_date("from", _("申请日期起"))
        date_to, more = query_date("to", _("申请日期止"))
        violations += more
        if not violations:
            try:
                rows, cursor = change_requests.query_change_requests(
                    db.session, identity(), filters["type"] or None, status=filters["status"] or None,
                    list_no=filters["list_no"] or None, date_from=date_from, date_to=date_to, cursor=query_cursor())
            except RuleError as exc:
                if exc.status != 422:
                    raise
                violations = exc.violations
    next_url = next_page_url("collection.change_requests_query", cursor)
    return render_template("collection/change_requests.html", rows=rows, filters=filters, violations=violations,
                           statuses=REQUEST_STATUSES, next_url=next_url, errors=errors_by_field(violations),
                           active_menu="collection.change_requests_query"), 422 if violations else 200
