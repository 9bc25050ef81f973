"""The portal home (全部应用): the service catalog as a searchable directory (K-2)."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import CatalogCategory, CatalogItem, CatalogService

bp = Blueprint("home", __name__)


def _service_url(service: CatalogService) -> str | None:
    if not service.endpoint:
        return None
    try:
        return url_for(service.endpoint)
    except Exception:  # endpoint of a module not enabled in this deployment
        return None


@bp.route("/")
def index():
    """Show the catalog: categories, items, services; filter by a search term."""
    q = (request.args.get("q") or "").strip()
    categories = db.session.scalars(select(CatalogCategory).order_by(CatalogCategory.seq).options(
        selectinload(CatalogCategory.items).selectinload(CatalogItem.services))).all()
    view = []
    matched = 0
    for category in categories:
        items = []
        for item in category.items:
            services = [s for s in item.services
                        if not q or q in s.search_text or q in item.name or q in category.name]
            if services:
                items.append((item, [(s, _service_url(s)) for s in services]))
                matched += len(services)
        if items:
            view.append((category, items))
    totals = {"categories": len(categories), "items": sum(len(c.items) for c in categories),
              "services": sum(len(i.services) for c in categories for i in c.items)}
    return render_template("home.html", view=view, q=q, matched=matched, totals=totals)
