"""Application forms of module Q: 备案申请, 变更申请, 延续申请, 注销申请 (seed 000 §5.1).

Every form posts the same body the JSON API takes and calls the same operations: 暂存 is
`save_application` (formats only, Q-20), 提交 saves then `submit_application` (every rule), 删除 is
`delete_application`; chosen files are stored with `store_attachment` after the save, so nothing
typed is lost when a rule refuses the submit.
"""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import clock
from portal.enterprise import bp, form_context, forms, options
from portal.extensions import db
from portal.i18n import LocalizedNames, status_names, translate
from portal.identity import current_identity
from portal.models import Enterprise
from portal.qualification import masking, operations, records, uploads
from portal.qualification.records import SECTIONS
from portal.qualification.state import enterprise_state
from rules.qualification import (APPLICATION_TYPE_NAMES, QUALIFICATION_NAMES, held_types)
from rules.qualification_types import (ATTACHMENT_KINDS, CANCELLATION, CHANGE, EXTENSION,
                                       FILING)
from rules.violations import RuleError, Violation

TEMPLATES = {FILING: "enterprise/application_form.html", CHANGE: "enterprise/application_form.html",
             EXTENSION: "enterprise/extension_form.html", CANCELLATION: "enterprise/cancellation_form.html"}
NEW_ENDPOINTS = {FILING: "enterprise.new_filing", CHANGE: "enterprise.new_change",
                 EXTENSION: "enterprise.new_extension", CANCELLATION: "enterprise.new_cancellation"}
MENU = {FILING: "enterprise.new_filing", CHANGE: "enterprise.changes", EXTENSION: "enterprise.new_extension",
        CANCELLATION: "enterprise.new_cancellation"}
@bp.before_request
def _module_q_only():
    """Send visitors to the login page; refuse users without the module Q permission (U-3, U-5)."""
    identity = current_identity()
    if identity is None:
        return redirect(url_for("auth.login", next=request.path))
    identity.require_module_q()
    return None


@bp.context_processor
def _helpers():
    return {"field_id": forms.field_id, "input_path": forms.input_path, "status_names": status_names("applications"),
            "type_names": LocalizedNames(APPLICATION_TYPE_NAMES),
            "qualification_names": LocalizedNames(QUALIFICATION_NAMES),
            "code_options": options.code_options, "code_label": options.code_label,
            "attachment_names": LocalizedNames(ATTACHMENT_KINDS), "type_list": type_list}


def type_list(codes) -> str:
    """Return qualification types as names in the page's language joined by 、."""
    return _("、").join(translate(QUALIFICATION_NAMES.get(code, code)) for code in codes)


def identity():
    """Return the logged-in enterprise user (the blueprint guard ran)."""
    return current_identity()


def own_enterprise() -> Enterprise:
    """Return the logged-in user's enterprise."""
    return db.session.get(Enterprise, identity().enterprise_id)


def pdf_response(content: bytes, file_name: str) -> Response:
    """Return a PDF shown inline in the browser."""
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={file_name}", "Cache-Control": "no-store"})


def _find(application_no: str):
    return operations.find_application(db.session, identity(), application_no)


def _is_editor(application) -> bool:
    try:
        operations.require_editor(identity(), application)
    except RuleError:
        return False
    return True


def _may_edit(application) -> bool:
    """Tell whether the form is editable: a new form, or a DRAFT of the enterprise that files it (Q-20, Q-23)."""
    return application is None or (application.status == "DRAFT" and _is_editor(application))


def _may_resubmit(application) -> bool:
    """Tell whether 重新提交 is offered: after 海关入库失败, to the enterprise that filed it (Q-19)."""
    return application is not None and application.status == "RECEIPT_FAILED" and _is_editor(application)


def _new_values(application_type: str, proxy: bool, proxy_target: Enterprise | None = None) -> dict:
    """Return what a new form opens with: the filed record (Q-9 prefill, Q-24) — the proxy target's for
    a proxy change — or nothing for a proxy filing."""
    if proxy and proxy_target is not None:
        return {**operations.prefill_body(db.session, application_type, proxy_target), "type": application_type,
                "target_uscc": proxy_target.uscc, "commitment": False}
    if proxy:
        return {"type": FILING, "enterprise": {}, "qualification_types": [], "target_uscc": "", "commitment": False,
                **{section: [] for section in SECTIONS}}
    # The operations module owns the prefill; the form shows exactly what a save would start from.
    return {**operations.prefill_body(db.session, application_type, own_enterprise()), "type": application_type}


def _current_values(application_type: str, application, proxy: bool, proxy_target: Enterprise | None) -> dict:
    """Return what the form shows before any input: the stored draft or the prefill, with another
    enterprise's personal identifiers masked for a proxy (Q-23)."""
    if application is not None:
        return masking.shown_to(identity(), records.application_body(db.session, application), application)
    values = _new_values(application_type, proxy, proxy_target)
    return masking.shown_to(identity(), values, target=proxy_target) if proxy else values


def _summary_title(refusal: str | None, application) -> str:
    """Tell the clerk, above the refusals, whether what they typed is saved."""
    if refusal == "submit":
        return _("提交未通过校验，录入的数据已暂存（申请统一编号 %(no)s）。", no=application.application_no)
    if refusal == "upload":
        return _("附件未能上传，其他录入的数据已暂存。")
    if refusal == "save":
        return _("暂存未通过格式校验，本次录入的数据尚未保存。")
    return ""


def render_form(application_type: str, application=None, values: dict | None = None, violations=(),
                status: int = 200, proxy: bool = False, refusal: str | None = None,
                proxy_target: Enterprise | None = None):
    """Render an application form: editable while DRAFT for its filer, read-only otherwise."""
    session = db.session
    if application is not None:
        proxy = bool(application.acting_enterprise_id)
        target = application.enterprise
    else:
        target = proxy_target if proxy else own_enterprise()
    values = values or _current_values(application_type, application, proxy, proxy_target)
    held = held_types(enterprise_state(session, target), clock.today()) if target is not None else frozenset()
    attachments = records.attachments_of(session, application) if application else []
    action = url_for("enterprise.edit_application", application_no=application.application_no) if application \
        else url_for(NEW_ENDPOINTS[application_type], proxy="1" if proxy else None)
    context = {
        "application": application, "application_type": application_type, "values": values,
        "enterprise": values.get("enterprise") or {}, "target": target, "proxy": proxy, "held": held,
        "editable": _may_edit(application), "may_resubmit": _may_resubmit(application),
        "violations": list(violations), "errors": forms.errors_by_input(violations),
        "summary_title": _summary_title(refusal, application), "form_action": action,
        "active_menu": MENU[application_type], "is_card": identity().login_mode == "card",
        "receipts": records.receipts_of(session, application) if application else [],
        "attachment_rows": form_context.attachment_rows(application_type, proxy, values.get("qualification_types") or (),
                                            attachments),
    }
    if application_type in forms.FORM_TYPES:
        context.update(form_context.full_form_context(application, target, values, held))
    elif application_type == CANCELLATION:
        context.update(form_context.cancellation_context(application, target, held))
    else:
        context.update(form_context.extension_context(target))
    return render_template(TEMPLATES[application_type], **context), status


def _store_uploads(application) -> list[Violation]:
    """Store every chosen file as its own transaction; return the refusals, naming the file (Q-18)."""
    refused = []
    for kind, storage in forms.uploaded_files(request.files):
        try:
            uploads.store_attachment(db.session, identity(), application, kind, storage)
            db.session.commit()
        except RuleError as exc:
            db.session.rollback()
            if exc.status != 422:
                raise
            refused += [Violation(v.rule, "attachments", f"{ATTACHMENT_KINDS[kind]}（{storage.filename}）：{v.message}")
                        for v in exc.violations]
    return refused


def _remove_attachment(application, action: str) -> bool:
    """Delete the attachment an 删除 button in the attachment table names; tell whether one was deleted."""
    if not action.startswith(forms.REMOVE_ATTACHMENT):
        return False
    try:
        attachment_id = int(action[len(forms.REMOVE_ATTACHMENT):])
    except ValueError:
        abort(400)
    attachment = uploads.find_attachment(db.session, identity(), attachment_id)
    if attachment.application_id != application.id:
        raise RuleError([Violation("A-2", "id", "附件不存在")], status=404)
    uploads.delete_attachment(db.session, identity(), attachment)
    db.session.commit()
    return True


def _submit(application):
    """Submit (提交): every rule at once; refusals are shown on the form (Q-20)."""
    try:
        operations.submit_application(db.session, identity(), application)
        db.session.commit()
    except RuleError as exc:
        db.session.rollback()
        if exc.status != 422:
            raise
        return render_form(application.application_type, application, violations=exc.violations, status=422,
                           refusal="submit")
    flash(_("申报成功：申请单 %(no)s 已发送至所在地海关审核，可在“申请单查询”中查看审批进度。",
            no=application.application_no), "success")
    return redirect(url_for("enterprise.view_application", application_no=application.application_no))


def save_form(application_type: str, application=None, proxy: bool = False, proxy_target: Enterprise | None = None):
    """Handle a posted form: 暂存 / 提交 / 上传 / 删除附件, each saving the typed data first."""
    action = request.form.get("action", "save")
    if application is not None and action == "submit" and application.status == "RECEIPT_FAILED":
        return _submit(application)  # resubmit after 海关入库失败: the data is immutable
    body = forms.application_body(request.form, application_type, new=application is None)
    try:
        application = operations.save_application(db.session, identity(), body, application)
        db.session.commit()
    except RuleError as exc:
        db.session.rollback()
        if exc.status != 422:
            raise
        current = _current_values(application_type, application, proxy, proxy_target)
        return render_form(application_type, application, forms.merge_values(current, body), exc.violations, 422,
                           proxy, refusal="save", proxy_target=proxy_target)
    refused = _store_uploads(application)
    removed = _remove_attachment(application, action)
    if refused:
        return render_form(application_type, application, violations=refused, status=422, refusal="upload")
    if action == "submit":
        return _submit(application)
    if removed:
        flash(_("附件已删除"), "success")
    elif action == "upload":
        flash(_("附件已上传，申请单已暂存"), "success")
    else:
        flash(_("暂存成功，申请统一编号：%(no)s", no=application.application_no), "success")
    anchor = "attachments" if action == "upload" or removed else None
    return redirect(url_for("enterprise.edit_application", application_no=application.application_no,
                            _anchor=forms.field_id(anchor) if anchor else None))


@bp.route("/filing/new", methods=["GET", "POST"])
def new_filing():
    """备案申请: a new filing prefilled with the enterprise's record; ?proxy=1 files for another (Q-23)."""
    proxy = request.values.get("proxy") == "1"
    if proxy:
        identity().require_card("为其他主体备案")
    if request.method == "POST":
        return save_form(FILING, proxy=proxy)
    return render_form(FILING, proxy=proxy)


@bp.route("/changes/new", methods=["GET", "POST"])
def new_change():
    """变更申请: a change opened with the filed data (Q-24); ?proxy=1&target_uscc=… for another enterprise,
    opened with that enterprise's filed data (card logins, Q-23)."""
    if request.values.get("proxy") == "1":
        try:
            target = operations.proxy_change_target(db.session, identity(), request.values.get("target_uscc"))
        except RuleError as exc:
            if exc.status != 422:
                raise
            from portal.enterprise.pages import render_changes
            return render_changes(exc.violations, request.values.get("target_uscc") or ""), 422
        if request.method == "POST":
            return save_form(CHANGE, proxy=True, proxy_target=target)
        return render_form(CHANGE, proxy=True, proxy_target=target)
    if request.method == "POST":
        return save_form(CHANGE)
    return render_form(CHANGE)


@bp.route("/extensions/new", methods=["GET", "POST"])
def new_extension():
    """延续申请 of a 临时备案单位 (Q-25)."""
    if request.method == "POST":
        return save_form(EXTENSION)
    return render_form(EXTENSION)


@bp.route("/cancellations/new", methods=["GET", "POST"])
def new_cancellation():
    """注销申请: choose valid qualifications and a reason (Q-26)."""
    if request.method == "POST":
        return save_form(CANCELLATION)
    return render_form(CANCELLATION)


@bp.route("/applications/<application_no>")
def view_application(application_no: str):
    """Show an application with its status, customs opinion and receipts (Q-21, Q-29)."""
    application = _find(application_no)
    return render_form(application.application_type, application)


@bp.route("/applications/<application_no>/edit", methods=["GET", "POST"])
def edit_application(application_no: str):
    """Edit a DRAFT application; anything submitted shows read-only and refuses changes (409, Q-20)."""
    application = _find(application_no)
    if request.method == "POST":
        return save_form(application.application_type, application)
    return render_form(application.application_type, application)


@bp.route("/applications/<application_no>/delete", methods=["POST"])
def delete_application(application_no: str):
    """删除 a DRAFT; for a change this resets the form to the filed data (Q-20, Q-24)."""
    application = _find(application_no)
    application_type = application.application_type
    proxy_uscc = application.enterprise.uscc if application.acting_enterprise_id else None
    operations.delete_application(db.session, identity(), application)
    db.session.commit()
    if application_type == CHANGE:
        flash(_("已删除暂存的变更申请 %(no)s，表单已恢复为上一次备案的信息", no=application_no), "success")
    else:
        flash(_("已删除申请单 %(no)s", no=application_no), "success")
    if proxy_uscc and application_type == CHANGE:  # back to the target's filed data
        return redirect(url_for("enterprise.new_change", proxy="1", target_uscc=proxy_uscc))
    return redirect(url_for(NEW_ENDPOINTS[application_type], proxy="1" if proxy_uscc else None))


@bp.route("/applications/<application_no>/attachments/<int:attachment_id>")
def download_attachment(application_no: str, attachment_id: int):
    """Download an attachment of a visible application."""
    application = _find(application_no)
    attachment = uploads.find_attachment(db.session, identity(), attachment_id)
    if attachment.application_id != application.id:
        raise RuleError([Violation("A-2", "id", "附件不存在")], status=404)
    return uploads.send_attachment(db.session, identity(), attachment_id)


@bp.route("/applications/<application_no>/form.pdf")
def application_pdf(application_no: str):
    """打印《报关单位备案信息表》 of an application (P-1)."""
    application = _find(application_no)
    from portal.qualification.pdf import render_application_pdf
    return pdf_response(render_application_pdf(application, masking.hides_from(identity(), application)),
                        f"{application.application_no}.pdf")


@bp.route("/regions/<parent>")
def region_children(parent: str):
    """Return the regions under a region for the 行政区划 cascade, with pinyin initials for the search (Q-9)."""
    return jsonify({"items": [{"code": o.code, "label": o.label, "pinyin": o.pinyin, "selectable": o.selectable}
                              for o in options.region_children(parent[:6])]})
