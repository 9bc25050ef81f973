"""资质审核: staff decide applications and issue certificates by hand, through the same operations (S-3)."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select

from admin_views.base import SecureModelView
from admin_views.decisions import (awaiting_confirmation, decision_buttons, decision_named, decision_violations,
                                   make_decision)
from portal.extensions import db
from portal.i18n import status_names
from portal.identity import current_identity
from portal.models import Application, Certificate
# Imported so that the module Q operations have registered themselves for their moves.
from portal.qualification import certificates, operations, records, uploads  # noqa: F401
from rules.lifecycle import lifecycle_of
from rules.qualification import QUALIFICATION_NAMES
from rules.qualification_types import APPLICATION_TYPE_NAMES, ATTACHMENT_KINDS
from rules.violations import RuleError

APPLICATIONS = lifecycle_of("applications")
CERTIFICATES = lifecycle_of("certificates")
PENDING = APPLICATIONS.decision_statuses()
PAGE_SIZE = 50


class QualificationReviewView(BaseView):
    """Pending applications with their allowed customs actions, and certificate requests to issue."""

    is_accessible = SecureModelView.is_accessible
    inaccessible_callback = SecureModelView.inaccessible_callback

    def _require_staff(self):
        identity = current_identity()
        if identity is None or not identity.is_staff:
            abort(403)
        return identity

    @expose("/")
    def index(self):
        status = request.args.get("status") or ""
        statuses = (status,) if status in APPLICATIONS.codes else PENDING
        stmt = select(Application).where(Application.status.in_(statuses))
        before = request.args.get("before", type=int)
        if before:
            stmt = stmt.where(Application.id < before)
        rows = list(db.session.scalars(stmt.order_by(Application.id.desc()).limit(PAGE_SIZE + 1)))
        more = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
        items = [{"application": a, "buttons": decision_buttons(APPLICATIONS, a.status),
                  "attachments": records.attachments_of(db.session, a)} for a in rows[:PAGE_SIZE]]
        pending_certificates = [{"certificate": c, "buttons": decision_buttons(CERTIFICATES, c.status)}
                                for c in db.session.scalars(select(Certificate).where(
                                    Certificate.status.in_(CERTIFICATES.decision_statuses()))
                                    .order_by(Certificate.id).limit(PAGE_SIZE))]
        identity = current_identity()
        return self.render("admin/qualification_review.html", items=items, more=more, status=status,
                           certificates=pending_certificates, status_names=status_names("applications"),
                           type_names=APPLICATION_TYPE_NAMES, qualification_names=QUALIFICATION_NAMES,
                           attachment_kinds=ATTACHMENT_KINDS, can_act=identity is not None and identity.is_staff)

    @expose("/<int:application_id>/decide", methods=("POST",))
    def decide(self, application_id: int):
        return self._decide(APPLICATIONS, db.session.get(Application, application_id),
                            lambda a: a.application_no)

    @expose("/certificates/<int:certificate_id>/decide", methods=("POST",))
    def decide_certificate(self, certificate_id: int):
        return self._decide(CERTIFICATES, db.session.get(Certificate, certificate_id),
                            lambda c: c.certificate_no or c.enterprise.name_zh)

    def _decide(self, lifecycle, record, number):
        """Make the posted staff decision on `record` (confirmed first when it refuses, S-3); commit once."""
        self._require_staff()
        move = decision_named(lifecycle, request.form.get("action", ""))
        if record is None or move is None:
            abort(404)
        opinion = request.form.get("opinion", "").strip()
        back = url_for(".index", status=request.args.get("status") or None)
        try:
            confirming = awaiting_confirmation(move)
            violations = decision_violations(move, record, opinion or "-" if confirming else opinion)
            if violations:
                raise RuleError(violations, status=409)
            if confirming:
                return self.render("admin/confirm_decision.html", move=move, title=lifecycle.title,
                                   number=number(record), status_name=lifecycle.status_name(record.status),
                                   summary="", opinion=opinion, back=back, field="action")
            make_decision(db.session, move, record, opinion)
            db.session.commit()
            flash(f"{number(record)}：{move.label}", "success")
        except RuleError as exc:
            db.session.rollback()
            flash("；".join(f"[{v.rule}] {v.message}" for v in exc.violations), "error")
        return redirect(back)

    @expose("/attachments/<int:attachment_id>")
    def attachment(self, attachment_id: int):
        try:
            return uploads.send_attachment(db.session, current_identity(), attachment_id)
        except RuleError:
            abort(404)


def register(admin) -> None:
    """Add the review page to the admin."""
    admin.add_view(QualificationReviewView(name="资质审核", category="资质备案", endpoint="qualification_review",
                                           url="/admin/qualification-review"))
