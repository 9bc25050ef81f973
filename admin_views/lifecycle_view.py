"""The base view of registers whose rows move through statuses by operations (admin_views/lifecycles.py
holds the guard that reads the lifecycle tables)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, request
from flask_admin import expose

from admin_views.base import SecureModelView
from admin_views.decisions import OPINION_LENGTH
from admin_views.formrules import violation_text
from admin_views.lifecycles import LifecycleGuard
from portal import audit
from portal.extensions import db
from rules.lifecycle import lifecycle_of, opinion_violations
from rules.violations import RuleError


@dataclass(frozen=True)
class DeleteDecision:
    """删除 as the confirmation page and the opinion check see it (a destroying decision, S-3)."""

    rule: str = "S-3"
    name: str = "delete"
    label: str = "删除"
    opinion: bool = True
    confirm: bool = True


DELETE_DECISION = DeleteDecision()


class LifecycleView(LifecycleGuard, SecureModelView):
    """A register whose rows move through statuses by operations (or a child of one): staff change other
    fields only, and only in a status the register's lifecycle lets staff edit (admin_views/lifecycles.py).

    删除 destroys: it goes through a confirmation step with a required opinion (S-3), which goes into the
    audit row of the deleted record; the bulk delete action is not offered."""

    allow_create = False
    allow_delete = False
    action_disallowed_list = ["delete"]
    # The staff delete of the register, as the pages delete (session, record); None: the row alone.
    delete_operation = None

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        if not self.can_delete:
            abort(403)
        record = self.get_one(request.form.get("id"))  # refused (409) where the lifecycle forbids deleting
        opinion = (request.form.get("opinion") or "").strip()
        problems = opinion_violations(DELETE_DECISION, opinion, OPINION_LENGTH)
        if request.form.get("confirmed") != "1" or problems:
            if request.form.get("confirmed") == "1":
                flash(violation_text(problems), "error")
            lifecycle = lifecycle_of(self.governor.register)
            back = request.form.get("url") or self.get_url(".index_view")
            move = DeleteDecision(rule=lifecycle.rule)
            return self.render("admin/confirm_decision.html", move=move, title=str(self.name), number=str(record),
                               status_name=lifecycle.status_name(getattr(record, "status", None))
                               if self.governor.parent_column is None else "", summary="", opinion=opinion,
                               back=back, field=None, hidden={"id": record.id, "url": back})
        audit.note_opinion(db.session, opinion)
        return super().delete_view()

    def delete_model(self, model):
        if self.delete_operation is None:
            return super().delete_model(model)
        if not self.can_delete:
            abort(403)
        self.refuse_write(model, "delete")
        try:
            self.delete_operation(db.session, model)
            db.session.commit()
        except RuleError as exc:
            db.session.rollback()
            flash(violation_text(exc.violations), "error")
            return False
        return True
