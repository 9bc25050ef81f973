"""清单核对登记簿导入: staff upload licences, manifests and bonded books from CSV / XLSX (C-10, C-12, C-13)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from admin_views.base import SecureModelView
from admin_views.collection import REFERENCE_CATEGORY
from portal.collection.references import REGISTERS, import_register, template_csv, template_xlsx
from portal.extensions import db
from portal.identity import current_identity
from rules.violations import RuleError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 500


def _is_staff() -> bool:
    identity = current_identity()
    return identity is not None and identity.is_staff


class ReferenceImportView(BaseView):
    """Staff only: pick a register, upload a file; all rows are imported or none (422 with every problem)."""

    inaccessible_callback = SecureModelView.inaccessible_callback

    def is_accessible(self):
        return _is_staff()

    @expose("/", methods=("GET", "POST"))
    def index(self):
        selected = request.values.get("register") or "licences"
        if request.method == "GET" and selected not in REGISTERS:
            selected = "licences"
        errors, status = [], 200
        if request.method == "POST":
            upload = request.files.get("file")
            if upload is None or not upload.filename or selected not in REGISTERS:
                flash(_("请选择登记簿和要上传的文件"), "error")
                status = 400
            else:
                try:
                    result = import_register(db.session, selected, upload.filename, upload.read())
                except RuleError as exc:
                    db.session.rollback()
                    errors, status = exc.violations, 422
                else:
                    db.session.commit()
                    flash(_("%(label)s导入成功：共 %(rows)s 行，新增 %(created)s 条，更新 %(updated)s 条",
                            label=REGISTERS[selected].label, rows=result["rows"], created=result["created"],
                            updated=result["updated"]), "success")
                    return redirect(url_for(".index", register=selected))
        return self.render("admin/collection_refs.html", registers=REGISTERS, selected=selected,
                           errors=errors[:SHOWN_ERRORS], error_count=len(errors)), status

    @expose("/template/<register>.<ext>")
    def template(self, register: str, ext: str):
        if register not in REGISTERS or ext not in ("csv", "xlsx"):
            abort(404)
        if ext == "csv":
            return Response(template_csv(register), mimetype="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f"attachment; filename={register}.csv"})
        return Response(template_xlsx(register), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={register}.xlsx"})


def add_view(admin) -> None:
    """Add the import page to the reference-register category."""
    admin.add_view(ReferenceImportView(name=lazy_gettext("登记簿导入"), category=REFERENCE_CATEGORY,
                                       endpoint="collection_refs"))
