"""Module Q API (API.md "Module Q"): applications, attachments, qualifications, certificates."""
from __future__ import annotations

from flask import Response, request
from sqlalchemy import select

from portal.api import base
from portal.api.qualification_schemas import (ApplicationCreate, ApplicationCreated, ApplicationDetail,
                                              ApplicationPage, ApplicationPatch, AttachmentCreated, CertificateCreated,
                                              CertificateList, QualificationList, StatusAnswer)
from portal.extensions import db
from portal.models import Certificate, Enterprise
from portal.models.qualification import APPLICATION_STATUSES, APPLICATION_TYPES, QUALIFICATION_TYPES
from portal.qualification import certificates, masking, operations, queries, records, uploads
from rules.violations import RuleError, Violation

Param = base.Param
QUALIFICATION_TYPE = Param("资质类型", enum=QUALIFICATION_TYPES, rule="Q-29")
LIST_FILTERS = {"enterprise_name": Param("企业名称（包含）", max_length=100),
                "type": Param("申请类型", enum=APPLICATION_TYPES, rule="Q-29"),
                "qualification_type": QUALIFICATION_TYPE,
                "status": Param("申请状态", enum=APPLICATION_STATUSES, rule="Q-29"),
                "from": base.date_param("申请日期起 YYYY-MM-DD", "Q-29"), "to": base.date_param("申请日期止 YYYY-MM-DD", "Q-29"),
                "cursor": base.cursor_param(), "limit": base.limit_param(queries.PAGE_SIZE, queries.MAX_PAGE_SIZE)}


def _find(application_no: str):
    return operations.find_application(db.session, base.identity(), application_no)


def _pdf(content: bytes, file_name: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={file_name}", "Cache-Control": "no-store"})


@base.endpoint("/applications", methods=("POST",), body=ApplicationCreate, response=ApplicationCreated, status=201,
               summary="保存（暂存）申请单：只查格式（变更申请另查 Q-24：不能变更时不生成暂存单），"
                       "首次保存分配申请统一编号 (Q-20, Q-13, Q-23, Q-24)")
def create_application():
    """Create a DRAFT application (filing, change, extension or cancellation)."""
    body = base.parse_body(ApplicationCreate).model_dump(exclude_unset=True)
    application = operations.save_application(db.session, base.identity(), body)
    db.session.commit()
    return base.ok({"application_no": application.application_no, "status": application.status}, 201)


@base.endpoint("/applications/<application_no>", methods=("PATCH",), body=ApplicationPatch,
               response=ApplicationCreated, summary="修改暂存的申请单（仅暂存状态，否则 409）(Q-20)")
def update_application(application_no: str):
    """Update a DRAFT application with any of the create fields."""
    body = base.parse_body(ApplicationPatch).model_dump(exclude_unset=True)
    application = operations.save_application(db.session, base.identity(), body, _find(application_no))
    db.session.commit()
    return base.ok({"application_no": application.application_no, "status": application.status})


@base.endpoint("/applications/<application_no>", methods=("DELETE",), status=204,
               summary="删除暂存的申请单（仅暂存状态，否则 409）(Q-20)")
def delete_application(application_no: str):
    """Delete a DRAFT application with its rows and attachments."""
    operations.delete_application(db.session, base.identity(), _find(application_no))
    db.session.commit()
    return "", 204


@base.endpoint("/applications/<application_no>/attachments", methods=("POST",), response=AttachmentCreated,
               status=201, summary="上传附件（multipart：kind、file；jpg/jpeg/gif/png/pdf，≤4M，按内容校验）(Q-18)")
def upload_attachment(application_no: str):
    """Upload one attachment to a DRAFT application."""
    application = _find(application_no)
    attachment = uploads.store_attachment(db.session, base.identity(), application, request.form.get("kind", ""),
                                          request.files.get("file"))
    db.session.commit()
    return base.ok({"id": attachment.id, "file_name": attachment.file_name, "size": attachment.size,
                    "kind": attachment.kind, "sha256": attachment.sha256}, 201)


@base.endpoint("/applications/<application_no>/attachments/<int:attachment_id>", summary="下载附件 (Q-18)")
def download_attachment(application_no: str, attachment_id: int):
    """Download an attachment of a visible application."""
    application = _find(application_no)
    attachment = uploads.find_attachment(db.session, base.identity(), attachment_id)
    if attachment.application_id != application.id:
        raise RuleError([Violation("A-2", "id", "附件不存在")], status=404)
    return uploads.send_attachment(db.session, base.identity(), attachment_id)


@base.endpoint("/applications/<application_no>/attachments/<int:attachment_id>", methods=("DELETE",), status=204,
               summary="删除暂存申请单的附件 (Q-18)")
def remove_attachment(application_no: str, attachment_id: int):
    """Delete an attachment of a DRAFT application."""
    application = _find(application_no)
    attachment = uploads.find_attachment(db.session, base.identity(), attachment_id)
    if attachment.application_id != application.id:
        raise RuleError([Violation("A-2", "id", "附件不存在")], status=404)
    uploads.delete_attachment(db.session, base.identity(), attachment)
    db.session.commit()
    return "", 204


@base.endpoint("/applications/<application_no>/submit", methods=("POST",), response=StatusAnswer,
               summary="申报：校验本模块全部规则，一次返回全部违规 (Q-1..Q-26)")
def submit_application(application_no: str):
    """Submit a DRAFT (or resubmit a RECEIPT_FAILED) application."""
    application = operations.submit_application(db.session, base.identity(), _find(application_no))
    db.session.commit()
    return base.ok({"status": application.status})


@base.endpoint("/applications/<application_no>", response=ApplicationDetail,
               summary="申请单详情：状态、海关审核意见、回执 (Q-21, Q-29)")
def get_application(application_no: str):
    """Return an application with its sections, attachments, status, opinion and receipts."""
    application = _find(application_no)
    return base.ok(masking.shown_to(base.identity(), records.application_detail(db.session, application), application))


@base.endpoint("/applications", response=ApplicationPage, query=LIST_FILTERS,
               summary="申请单查询（游标分页）(Q-29)")
def list_applications():
    """List the enterprise's applications (own and filed as proxy), newest first."""
    identity = base.identity()
    identity.require_module_q()
    args = base.query_args()
    filters = {name: request.args.get(name) for name in LIST_FILTERS if name not in ("cursor", "limit")}
    rows, next_cursor = queries.list_applications(db.session, identity.enterprise_id, filters,
                                                  request.args.get("cursor"), args["limit"] or queries.PAGE_SIZE)
    return base.ok({"items": [queries.application_summary(a) for a in rows], "next": next_cursor})


@base.endpoint("/applications/<application_no>/form.pdf", media="application/pdf", summary="打印《报关单位备案信息表》(P-1)")
def application_form_pdf(application_no: str):
    """Return 《报关单位备案信息表》 of an application as a PDF."""
    application = _find(application_no)
    from portal.qualification.pdf import render_application_pdf
    return _pdf(render_application_pdf(application, masking.hides_from(base.identity(), application)),
                f"{application.application_no}.pdf")


@base.endpoint("/qualifications", response=QualificationList, query={"type": QUALIFICATION_TYPE},
               summary="本企业资质 (Q-29)")
def list_qualifications():
    """List the enterprise's qualifications with status, validity and registration code."""
    identity = base.identity()
    identity.require_module_q()
    rows = queries.list_qualifications(db.session, identity.enterprise_id, request.args.get("type") or None)
    return base.ok({"items": [records.qualification_dict(q) for q in rows]})


@base.endpoint("/filings", query={"qualification_type": QUALIFICATION_TYPE},
               summary="备案信息查询：基本信息、管理人员、出资者、报关人员、外部资质 (Q-29)")
def get_filing():
    """Return the enterprise's filed record."""
    identity = base.identity()
    identity.require_module_q()
    enterprise = db.session.get(Enterprise, identity.enterprise_id)
    return base.ok(queries.filing_query(db.session, enterprise, request.args.get("qualification_type") or None))


@base.endpoint("/certificates", methods=("POST",), response=CertificateCreated, status=201,
               summary="申请《报关单位备案证明》：每日一次 (Q-28)")
def create_certificate():
    """Request a certificate (409 when Q-28 refuses)."""
    certificate = certificates.request_certificate(db.session, base.identity())
    db.session.commit()
    return base.ok({"id": certificate.id, "status": certificate.status}, 201)


@base.endpoint("/certificates", response=CertificateList, summary="本企业备案证明申请 (Q-28)")
def list_certificates():
    """List the enterprise's certificate requests, newest first."""
    identity = base.identity()
    identity.require_module_q()
    rows = db.session.scalars(select(Certificate).where(Certificate.enterprise_id == identity.enterprise_id)
                              .order_by(Certificate.id.desc()).limit(100))
    return base.ok({"items": [certificates.certificate_dict(c) for c in rows]})


@base.endpoint("/certificates/<int:certificate_id>.pdf", media="application/pdf", errors=(410,),
               summary="下载《报关单位备案证明》：已签发且为最新时 200，已被替代 410 (Q-28)")
def certificate_pdf(certificate_id: int):
    """Return an issued, current certificate as a PDF."""
    certificate = certificates.find_certificate(db.session, base.identity(), certificate_id)
    certificates.check_downloadable(certificate)
    from portal.qualification.pdf import render_certificate_pdf
    return _pdf(render_certificate_pdf(certificate), f"{certificate.certificate_no}.pdf")
