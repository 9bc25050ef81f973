"""清单导入 page (C-15): upload CSV / XLSX / JSON, download templates, see what was created and every error.

The upload goes to list_import.import_lists, the operation of POST /api/v1/lists/import: each list
is all-or-nothing, valid lists are created as 暂存 drafts even when others fail.
"""
from __future__ import annotations

from flask import Response, render_template, request

from portal.collection import list_import
from portal.collection.list_values import LABELS
from portal.collection_pages import bp
from portal.collection_pages.common import attempt, identity
from portal.extensions import db
from portal.i18n import translate
from rules.violations import Violation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
COLUMN_LABELS = {"list_ref": "清单标识", **LABELS}


@bp.route("/lists/import", methods=["GET", "POST"])
def import_lists():
    """导入: one file, lists grouped by 清单标识 (CSV/XLSX) or the API body (JSON); result table."""
    result, problems, file_name = None, [], None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = [Violation("C-15", "file", "请选择要导入的文件（CSV、XLSX 或 JSON）")]
        else:
            file_name = upload.filename
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                problems = [Violation("C-15", "file", "文件不能超过 20 MB，请分批导入")]
            else:
                result, error = attempt(lambda: list_import.import_lists(db.session, identity(), file_name, data))
                problems = error.violations if error is not None else []
    failed = bool(problems) or bool(result and result.violations)
    return render_template("collection/list_import.html", result=result, problems=problems, file_name=file_name,
                           columns=[(name, translate(COLUMN_LABELS.get(name, name))) for name in list_import.COLUMNS],
                           required_columns=list_import.REQUIRED_COLUMNS,
                           active_menu="collection.import_lists"), 422 if failed else 200


@bp.route("/lists/import/template.<kind>")
def import_template(kind: str):
    """Download an import template: csv, xlsx or json (C-15)."""
    content, mimetype = list_import.template_bytes(kind)
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=lists_import.{kind}"})
