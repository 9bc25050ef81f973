"""Module Q pages around the forms: dashboard, 变更申请 list, 证书管理, 申请单查询, 备案信息查询 (seed 000 §5)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.enterprise import bp, forms
from portal.enterprise.views import identity, own_enterprise, pdf_response
from portal.extensions import db
from portal.i18n import refusal_text, status_names
from portal.models import Application, Certificate
from portal.models.qualification import APPLICATION_STATUSES, APPLICATION_TYPES, QUALIFICATION_TYPES
from portal.qualification import certificates, queries
from portal.qualification.details import record_sections
from portal.qualification.state import enterprise_state
from rules.qualification import held_types
from rules.qualification_types import CHANGE, OPEN_STATUSES, TEMP
from rules.violations import RuleError

QUERY_FILTERS = ("enterprise_name", "type", "qualification_type", "status", "from", "to")
ACTIVE_STATUSES = ("DRAFT",) + tuple(sorted(OPEN_STATUSES))


@bp.context_processor
def _page_helpers():
    return {"qualification_status_names": status_names("qualifications"),
            "certificate_status_names": status_names("certificates")}


def _active_applications(enterprise_id: int, application_type: str | None = None) -> list[Application]:
    """Return the enterprise's drafts and applications still with customs, newest first."""
    stmt = select(Application).where(Application.tenant_clause(enterprise_id),
                                     Application.status.in_(ACTIVE_STATUSES))
    if application_type:
        stmt = stmt.where(Application.application_type == application_type)
    return list(db.session.scalars(stmt.order_by(Application.id.desc()).limit(20)))


@bp.route("/")
def dashboard():
    """The enterprise's qualifications, annual-report eligibility (Q-30) and applications in progress."""
    enterprise = own_enterprise()
    return render_template("enterprise/dashboard.html", enterprise=enterprise,
                           qualifications=queries.list_qualifications(db.session, enterprise.id),
                           annual=queries.annual_report_eligibility(db.session, enterprise),
                           active=_active_applications(enterprise.id), active_menu="enterprise.dashboard")


@bp.route("/changes")
def changes():
    """变更申请 list: the qualifications a change or extension can start from (Q-24, Q-25)."""
    return render_changes()


def render_changes(violations=(), target_uscc: str = "") -> str:
    """Render the 变更申请 page; `violations` refused a proxy change's target (Q-23, Q-24)."""
    enterprise = own_enterprise()
    qualification_type = request.args.get("qualification_type") or None
    if qualification_type not in QUALIFICATION_TYPES:
        qualification_type = None
    held = held_types(enterprise_state(db.session, enterprise), clock.today())
    rows = [q for q in queries.list_qualifications(db.session, enterprise.id, qualification_type)
            if q.qualification_type in held and q.status == "VALID"]
    return render_template("enterprise/changes.html", rows=rows, held=held, temp=TEMP,
                           qualification_type=qualification_type or "", qualification_types=QUALIFICATION_TYPES,
                           active=_active_applications(enterprise.id, CHANGE), active_menu="enterprise.changes",
                           is_card=identity().login_mode == "card", proxy_violations=list(violations),
                           proxy_errors=forms.errors_by_input(violations), target_uscc=target_uscc)


@bp.route("/applications")
def applications():
    """申请单查询: filters, keyset pages, status, update time, customs opinion (Q-29)."""
    filters = {name: (request.args.get(name) or "").strip() for name in QUERY_FILTERS}
    violations, rows, next_cursor = [], [], None
    try:
        rows, next_cursor = queries.list_applications(db.session, identity().enterprise_id, filters,
                                                      request.args.get("cursor"), queries.PAGE_SIZE)
    except RuleError as exc:
        if exc.status != 422:
            raise
        violations = exc.violations
    return render_template("enterprise/applications.html", rows=rows, next_cursor=next_cursor, filters=filters,
                           violations=violations, paged=bool(request.args.get("cursor")),
                           query_args={name: value for name, value in filters.items() if value},
                           application_types=APPLICATION_TYPES, application_statuses=APPLICATION_STATUSES,
                           qualification_types=QUALIFICATION_TYPES, active_menu="enterprise.applications")


@bp.route("/filing")
def filing():
    """备案信息查询: qualifications, basic information and every child section of the filed record (Q-29)."""
    enterprise = own_enterprise()
    qualification_type = request.args.get("qualification_type") or None
    if qualification_type not in QUALIFICATION_TYPES:
        qualification_type = None
    record = queries.filing_query(db.session, enterprise, qualification_type)
    return render_template("enterprise/filing.html", record=record, sections=record_sections(record),
                           enterprise=enterprise,
                           qualification_type=qualification_type or "", qualification_types=QUALIFICATION_TYPES,
                           active_menu="enterprise.filing")


@bp.route("/certificates", methods=["GET", "POST"])
def certificate_list():
    """证书管理: request 《报关单位备案证明》 once a day, list requests, download the current one (Q-28)."""
    enterprise = own_enterprise()
    if request.method == "POST":
        try:
            certificates.request_certificate(db.session, identity())
            db.session.commit()
        except RuleError as exc:
            db.session.rollback()
            if exc.status not in (409, 422):
                raise
            flash(refusal_text(exc.violations), "error")
        else:
            flash(_("备案证明申请已提交，请稍后点击“刷新”查看签发状态。"), "success")
        return redirect(url_for("enterprise.certificate_list"))
    rows = db.session.scalars(select(Certificate).where(Certificate.enterprise_id == enterprise.id)
                              .order_by(Certificate.id.desc()).limit(100))
    return render_template("enterprise/certificates.html", rows=list(rows), enterprise=enterprise,
                           active_menu="enterprise.certificate_list")


@bp.route("/certificates/<int:certificate_id>.pdf")
def certificate_pdf(certificate_id: int):
    """Download an issued, current certificate; a superseded one is gone (410, Q-28)."""
    certificate = certificates.find_certificate(db.session, identity(), certificate_id)
    certificates.check_downloadable(certificate)
    from portal.qualification.pdf import render_certificate_pdf
    return pdf_response(render_certificate_pdf(certificate), f"{certificate.certificate_no}.pdf")
