"""资质审核: staff decide applications and issue certificates by hand, through the same operations (S-3)."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select

from admin_views.base import SecureModelView
from admin_views.listing import list_cursor
from portal.extensions import db
from portal.identity import current_identity
from portal.models import Application, Certificate
from portal.qualification import certificates, operations, records, uploads
from rules.qualification import APPLICATION_TRANSITIONS, QUALIFICATION_NAMES
from rules.qualification_types import APPLICATION_TYPE_NAMES, ATTACHMENT_KINDS, STATUS_NAMES
from rules.violations import RuleError

PENDING = ("SUBMITTED", "RECEIVED", "UNDER_REVIEW")
PAGE_SIZE = 50
# Target status -> (operation, button label, needs an opinion).
ACTIONS = {
    "RECEIVED": (operations.receive_application, "海关入库成功", False),
    "RECEIPT_FAILED": (operations.fail_receipt, "海关入库失败", False),
    "NOT_ACCEPTED": (operations.not_accept_application, "不予受理", True),
    "UNDER_REVIEW": (operations.start_review, "受理（开始审核）", False),
    "APPROVED": (operations.approve_application, "审批通过", False),
    "REJECTED": (operations.reject_application, "审批不通过", True),
}


def decision_buttons(status: str) -> list[tuple[str, str, str]]:
    """Return the (target status, button style, label) of each decision customs may take from `status`."""
    def style(target):
        return "btn-success" if target == "APPROVED" else "btn-outline-danger" if ACTIONS[target][2] \
            else "btn-outline-primary"
    return [(target, style(target), ACTIONS[target][1]) for target in customs_targets(status)]


def customs_targets(status: str) -> list[str]:
    """Return the statuses customs may move an application to from `status` (Q-19)."""
    return [target for target, actor in APPLICATION_TRANSITIONS.get(status, {}).items() if actor == "customs"]


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
        statuses = (status,) if status in STATUS_NAMES else PENDING
        stmt = select(Application).where(Application.status.in_(statuses))
        before = list_cursor("before")
        if before:
            stmt = stmt.where(Application.id < before)
        rows = list(db.session.scalars(stmt.order_by(Application.id.desc()).limit(PAGE_SIZE + 1)))
        more = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
        items = [{"application": a, "buttons": decision_buttons(a.status),
                  "attachments": records.attachments_of(db.session, a)} for a in rows[:PAGE_SIZE]]
        pending_certificates = list(db.session.scalars(select(Certificate).where(Certificate.status == "REQUESTED")
                                                       .order_by(Certificate.id).limit(PAGE_SIZE)))
        identity = current_identity()
        return self.render("admin/qualification_review.html", items=items, more=more, status=status,
                           certificates=pending_certificates, status_names=STATUS_NAMES,
                           type_names=APPLICATION_TYPE_NAMES, qualification_names=QUALIFICATION_NAMES,
                           attachment_kinds=ATTACHMENT_KINDS, can_act=identity is not None and identity.is_staff)

    @expose("/<int:application_id>/decide", methods=("POST",))
    def decide(self, application_id: int):
        self._require_staff()
        application = db.session.get(Application, application_id)
        target = request.form.get("to_status", "")
        if application is None or target not in ACTIONS:
            abort(404)
        operation, label, _ = ACTIONS[target]
        opinion = request.form.get("opinion", "").strip()
        try:
            operation(db.session, application, opinion, source="staff")
            db.session.commit()
            flash(f"{application.application_no}：{label}", "success")
        except RuleError as exc:
            db.session.rollback()
            flash("；".join(f"[{v.rule}] {v.message}" for v in exc.violations), "error")
        return redirect(url_for(".index", status=request.args.get("status") or None))

    @expose("/certificates/<int:certificate_id>/issue", methods=("POST",))
    def issue(self, certificate_id: int):
        self._require_staff()
        certificate = db.session.get(Certificate, certificate_id)
        if certificate is None:
            abort(404)
        try:
            certificates.issue_certificate(db.session, certificate, source="staff")
            db.session.commit()
            flash(f"备案证明 {certificate.certificate_no} 已签发", "success")
        except RuleError as exc:
            db.session.rollback()
            flash("；".join(f"[{v.rule}] {v.message}" for v in exc.violations), "error")
        return redirect(url_for(".index"))

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
