"""集报清单业务统计 page for enterprise users (C-26): range and grouping form, table, chart, print (P-3)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required

from portal.codes import choices, code_labels
from portal.collection.statistics import DIMENSIONS, MEASURES, list_statistics, parse_query
from portal.collection.statistics_chart import chart_svg_data_uri, render_statistics_pdf, unit_names
from portal.extensions import db
from portal.i18n import LocalizedNames
from portal.identity import require_identity
from rules.lists import LIST_TYPE_NAMES
from rules.violations import RuleError

bp = Blueprint("collection_stats", __name__, url_prefix="/collection")


def _run():
    """Check the card login (U-5), parse the form and count; violations are shown on the page."""
    identity = require_identity()
    identity.require_module_c()
    try:
        query = parse_query(request.args)
    except RuleError as exc:
        return identity, None, exc.violations
    return identity, list_statistics(db.session, identity, query), []


@bp.route("/statistics")
@login_required
def statistics():
    """Show the statistics form and, for the chosen range and grouping, the table and the chart."""
    identity, result, violations = _run()
    print_url = url_for(".statistics_pdf", **request.args.to_dict(flat=False)) if result else None
    return render_template("collection/statistics.html", result=result, violations=violations,
                           chart=chart_svg_data_uri(result, for_page=True) if result else None, print_url=print_url,
                           dimensions=LocalizedNames(DIMENSIONS), measures=LocalizedNames(MEASURES),
                           list_types=LocalizedNames(LIST_TYPE_NAMES), units=unit_names() if result else {},
                           currencies=code_labels("currencies") if result else {},
                           customs=choices("customs"), args=request.args), 422 if violations else 200


@bp.route("/statistics/print.pdf")
@login_required
def statistics_pdf():
    """Return the statistics with their chart as a PDF (P-3)."""
    identity, result, violations = _run()
    if violations:
        raise RuleError(violations)
    pdf = render_statistics_pdf(result, identity.user.enterprise.name_zh)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": "inline; filename=statistics.pdf",
                                                              "Cache-Control": "no-store"})
