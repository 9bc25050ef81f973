"""清单导入 page (C-15): upload CSV / XLSX / JSON, download templates, see what was created and every error.

The upload goes to list_import.import_lists, the operation of POST /api/v1/lists/import: each list
is checked with every declare rule and is all-or-nothing; valid lists are created (and declared,
when "导入并申报" is ticked) even when others fail. The error table names each error's list (its
清单标识 as written in the file), file line, column (in the file's header language) and rule.
"""
from __future__ import annotations

from flask import render_template, request

from portal.collection import list_import
from portal.collection.list_import_template import HEADER_LABELS, template_bytes, template_source
from portal.collection_pages import bp
from portal.collection_pages.common import attempt, identity
from portal.downloads import attachment
from portal.extensions import db
from portal.i18n import translate
from rules.violations import Violation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What an error's "field" means when it is not a column of the file.
OTHER_FIELDS = {"row": "整行", "items": "表体（商品）", "trade_mode": "贸易方式", "list": "清单", "declare": "导入并申报"}


@bp.route("/lists/import", methods=["GET", "POST"])
def import_lists():
    """导入: one file, lists grouped by 清单标识 (CSV/XLSX) or the API body (JSON); result table."""
    result, problems, file_name, declare = None, [], None, False
    if request.method == "POST":
        declare = request.form.get("declare") == "1"
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = [Violation("C-15", "file", "请选择要导入的文件（CSV、XLSX 或 JSON）")]
        else:
            file_name = upload.filename
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                problems = [Violation("C-15", "file", "文件不能超过 20 MB，请分批导入")]
            else:
                result, error = attempt(lambda: list_import.import_lists(db.session, identity(), file_name, data,
                                                                          declare=declare))
                problems = error.violations if error is not None else []
    failed = bool(problems) or bool(result and result.violations)
    source = template_source(db.session, identity().enterprise_id)
    labels = {name: translate(label) for name, label in {**HEADER_LABELS, **OTHER_FIELDS}.items()}
    return render_template("collection/list_import.html", result=result, problems=problems, file_name=file_name,
                           declare=declare, template_filing_no=source.filing_no,
                           columns=[(name, labels[name]) for name in list_import.COLUMNS], column_labels=labels,
                           required_columns=list_import.REQUIRED_COLUMNS,
                           active_menu="collection.import_lists"), 422 if failed else 200


@bp.route("/lists/import/template.<kind>")
def import_template(kind: str):
    """Download an import template with Chinese headers and the enterprise's 备案号: csv, xlsx or json (C-15)."""
    return attachment(template_bytes(db.session, identity(), kind), f"lists_import.{kind}", kind)
