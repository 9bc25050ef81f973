"""更正（须填写原因）: the explicit staff-correction action of a final record (issue 12).

A record its lifecycle makes read-only in the admin form may still need a staff correction (e.g. a list in
15 已结关 or 13 已汇总). The action shows the fields the register's correction operation accepts and a
required reason, and calls that operation, which re-runs the rules, keeps C-22 and writes the audit rows
with the reason and the field diff. Violations appear next to their fields; the POST carries the CSRF token.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_admin import expose

from admin_views.formrules import input_name, violation_text
from portal.extensions import db
from rules.violations import RuleError


class CorrectionMixin:
    """Mixin of a register view offering 更正: `correction_fields` and `correct(session, record, values, reason)`."""

    correction_fields: tuple = ()
    details_template = "admin/portal_details.html"

    def correct(self, session, record, values: dict, reason: str) -> None:
        raise NotImplementedError

    def may_correct(self) -> bool:
        return bool(self.correction_fields) and self._is_staff

    @expose("/correct/", methods=("GET", "POST"))
    def correct_view(self):
        if not self.may_correct():
            abort(403)
        record = self.get_one(request.values.get("id"))
        values = {name: getattr(record, name) for name in self.correction_fields}
        errors, reason, status = {}, "", 200
        if request.method == "POST":
            values = {name: request.form.get(name, "") for name in self.correction_fields}
            reason = request.form.get("reason", "")
            try:
                self.correct(db.session, record, values, reason)
                db.session.commit()
                flash(f"已更正 {record}", "success")
                return redirect(self.get_url(".details_view", id=record.id))
            except RuleError as exc:
                db.session.rollback()
                status = exc.status
                for violation in exc.violations:
                    name = input_name(violation.field)
                    errors.setdefault(name if name in (*self.correction_fields, "reason") else "", []).append(
                        violation_text([violation]))
                record = self.get_one(record.id)
        fields = [(name, self.column_labels.get(name, name), "" if values[name] is None else values[name])
                  for name in self.correction_fields]
        return self.render("admin/correct_record.html", record=record, fields=fields, errors=errors,
                           reason=reason, back=self.get_url(".details_view", id=record.id)), status
