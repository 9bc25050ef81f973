"""Every page of the product, listed from the URL map and the admin's views (so a new page is covered).

Portal pages: every GET rule outside /admin, /api and /static; an argument is filled from the demo data
by the register the URL names (`ARGUMENT_SOURCES`) — a page whose argument no source fills fails the test,
asking for a source. Files (PDF, CSV, templates) and JSON look-ups are not pages. Admin pages: every
view's list, the details, edit form and create form of its first record when the view offers them, and
the index of every screen that is not a register.
"""
from __future__ import annotations

from flask import g, url_for
from sqlalchemy import select

from portal import models as m
from portal.extensions import db
from portal.identity import Identity

# The register and column an argument of a portal URL comes from, by the URL segment before it.
ARGUMENT_SOURCES = {
    ("applications", "application_no"): (m.Application, "application_no"),
    ("filings", "center_no"): (m.CollectionFiling, "center_no"),
    ("lists", "center_no"): (m.ListHead, "center_no"),
    ("declarations", "unified_no"): (m.Declaration, "unified_no"),
    ("volumes", "volume_no"): (m.ProductVolume, "volume_no"),
    ("change-requests", "request_id"): (m.ChangeRequest, "id"),
    ("requests", "request_id"): (m.AggregationRequest, "id"),
    ("messages", "message_id"): (m.CustomsMessage, "message_id"),
}
NOT_PAGES = (".pdf", ".csv", ".xml", "template.", "/regions/", "/agent", "/filed-item", "/logout", "/attachments/")
# Opened before logging in (a logged-in user is sent on from them).
PUBLIC_PAGES = ("auth.login", "auth.register")


def _first(model, column: str, enterprise_id: int | None):
    query = select(getattr(model, column)).order_by(model.id).limit(1)
    if enterprise_id is not None and hasattr(model, "enterprise_id"):
        query = query.where(model.enterprise_id == enterprise_id)
    return db.session.scalar(query)


def portal_pages(app, enterprise_id: int, only: list[str] | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """Return ((rule, page) pairs to open, rules no argument source fills) for an enterprise's user;
    `only`: just these rules."""
    pages, unfilled = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        path = rule.rule
        if "GET" not in rule.methods or path.startswith(("/admin", "/api", "/static")) or \
                rule.endpoint in PUBLIC_PAGES or any(part in path for part in NOT_PAGES) or \
                (only is not None and path not in only):
            continue
        values = {}
        for argument in rule.arguments:
            segments = path.split("/")
            before = next((segments[i - 1] for i, s in enumerate(segments) if s.endswith(f"{argument}>")), None)
            source = ARGUMENT_SOURCES.get((before, argument))
            value = _first(*source, enterprise_id) if source else None
            if value is None:
                unfilled.append(path)
                break
            values[argument] = value
        else:
            with app.test_request_context():
                pages.append((path, url_for(rule.endpoint, **values)))
    return pages, unfilled


def admin_pages(app, staff) -> list[str]:
    """Return every admin page `staff` can open: lists, the first record's details and edit form, create
    forms, and the screens that are not registers."""
    pages = []
    admin = app.extensions["admin"][0]
    with app.test_request_context():
        g.identity = Identity(user=staff, login_mode="account")
        for view in admin._views:
            model = getattr(view, "model", None)
            if model is None:
                pages.append(url_for(f"{view.endpoint}.index"))
                continue
            pages.append(url_for(f"{view.endpoint}.index_view"))
            first = view.get_query().with_entities(model.id).order_by(model.id).limit(1).scalar()
            if first is not None and view.can_view_details:
                pages.append(url_for(f"{view.endpoint}.details_view", id=first))
            if first is not None and view.can_edit:
                pages.append(url_for(f"{view.endpoint}.edit_view", id=first))
            if view.can_create:
                pages.append(url_for(f"{view.endpoint}.create_view"))
    return pages


def page_path(entry) -> str:
    """The path of a page list entry: a path, or a (URL rule, path) pair."""
    return entry[1] if isinstance(entry, tuple) else entry


def read_only_form(path: str, status: int) -> bool:
    """Whether the answer is an admin edit form refused because its record is read-only in its status
    (its lifecycle table): the walks open the first record of each register, whatever its status."""
    return status == 409 and "/edit/" in path
