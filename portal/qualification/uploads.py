"""Attachments of applications (Q-18): checked by content, stored outside the web root, served to the owners."""
from __future__ import annotations

import hashlib
import os
import uuid

import filetype
from flask import current_app, send_file
from sqlalchemy import func, select

from portal.models import Application, Attachment
from portal.qualification.operations import require_editor
from rules.attachments import attachment_count_violations, file_name_violations
from rules.qualification import MAX_ATTACHMENT_BYTES, attachment_kind_violations, edit_violations, file_extension
from rules.violations import RuleError, Violation

CHUNK = 64 * 1024
# Extension -> what `filetype` may call the same content.
CONTENT_KINDS = {"jpg": {"jpg"}, "jpeg": {"jpg"}, "png": {"png"}, "gif": {"gif"}, "pdf": {"pdf"}, "bmp": {"bmp"},
                 "doc": {"doc", "xls", "ppt"}, "docx": {"docx", "zip"}}
CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
                 "pdf": "application/pdf", "bmp": "image/bmp", "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def upload_dir() -> str:
    """Return the folder uploads are stored in (outside the web root)."""
    return current_app.config["UPLOAD_DIR"]


def stored_path(attachment: Attachment) -> str:
    """Return where an attachment's bytes are on disk."""
    return os.path.join(upload_dir(), attachment.stored_name)


def remove_stored_file(attachment: Attachment) -> None:
    """Delete an attachment's file (after its row is gone)."""
    try:
        os.remove(stored_path(attachment))
    except FileNotFoundError:
        pass


def _read_limited(stream, limit: int) -> tuple[bytes, int]:
    """Return the first `limit` + 1 bytes and the total size, without keeping more in memory."""
    data = stream.read(limit + 1)
    size = len(data)
    while size > limit:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
    return data, size


def _content_violations(file_name: str, data: bytes, rule: str) -> list[Violation]:
    """Refuse content that `filetype` recognises as something other than the extension says."""
    extension = file_extension(file_name)
    guessed = filetype.guess_extension(data[:8192]) if data else None
    if guessed is None or guessed in CONTENT_KINDS.get(extension, {extension}):
        return []
    return [Violation(rule, "file", f"文件内容为{guessed.upper()}格式，与扩展名“.{extension}”不符")]


def store_attachment(session, identity, application: Application, kind: str, file_storage) -> Attachment:
    """Check and store one uploaded file for a DRAFT application (Q-18; 《注销申请书》 Q-26)."""
    require_editor(identity, application)
    violations = edit_violations(application.status)
    if violations:
        raise RuleError(violations, status=409)
    kind = (kind or "").strip()
    if file_storage is None or not (file_storage.filename or "").strip():
        raise RuleError([Violation("Q-18", "file", "请选择要上传的文件")])
    file_name = os.path.basename(file_storage.filename.replace("\\", "/")).strip()
    violations = file_name_violations(file_name)
    if not violations:
        session.scalars(select(Application.id).where(Application.id == application.id).with_for_update()).one()
        existing = session.scalar(select(func.count()).select_from(Attachment)
                                  .where(Attachment.application_id == application.id))
        limit = current_app.config.get("MAX_ATTACHMENTS_PER_APPLICATION", 20)
        violations = attachment_count_violations(existing, limit)
    if violations:
        raise RuleError(violations)
    data, size = _read_limited(file_storage.stream, MAX_ATTACHMENT_BYTES)
    violations = attachment_kind_violations(kind, file_name, data[:16], size)
    if not violations:
        violations = _content_violations(file_name, data, "Q-26" if kind == "CANCELLATION_LETTER" else "Q-18")
    if violations:
        raise RuleError(violations)
    stored_name = uuid.uuid4().hex
    os.makedirs(upload_dir(), exist_ok=True)
    with open(os.path.join(upload_dir(), stored_name), "wb") as handle:
        handle.write(data)
    extension = file_extension(file_name)
    guessed = filetype.guess(data[:8192])
    attachment = Attachment(enterprise_id=application.enterprise_id, application_id=application.id, kind=kind,
                            file_name=file_name, size=size, sha256=hashlib.sha256(data).hexdigest(),
                            content_type=CONTENT_TYPES.get(extension) or (guessed.mime if guessed else
                                                                           "application/octet-stream"),
                            stored_name=stored_name, uploaded_by_id=identity.user.id)
    session.add(attachment)
    session.flush()
    return attachment


def delete_attachment(session, identity, attachment: Attachment) -> None:
    """Remove an attachment from a DRAFT application."""
    application = session.get(Application, attachment.application_id)
    require_editor(identity, application)
    violations = edit_violations(application.status)
    if violations:
        raise RuleError(violations, status=409)
    session.delete(attachment)
    session.flush()
    remove_stored_file(attachment)


def may_read(identity, attachment: Attachment, application: Application | None) -> bool:
    """Tell whether the identity may download: owner or proxy enterprise, staff, auditors."""
    if identity is None:
        return False
    if identity.is_staff or identity.is_auditor:
        return True
    owners = {attachment.enterprise_id}
    if application is not None and application.acting_enterprise_id:
        owners.add(application.acting_enterprise_id)
    return identity.is_enterprise and identity.enterprise_id in owners


def find_attachment(session, identity, attachment_id: int) -> Attachment:
    """Return an attachment the identity may read, else 404 (never revealing others')."""
    attachment = session.scalar(select(Attachment).where(Attachment.id == attachment_id))
    application = session.get(Application, attachment.application_id) if attachment is not None else None
    if attachment is None or not may_read(identity, attachment, application):
        raise RuleError([Violation("A-2", "id", "附件不存在")], status=404)
    return attachment


def send_attachment(session, identity, attachment_id: int):
    """Return the download response of an attachment the identity may read (404 otherwise)."""
    attachment = find_attachment(session, identity, attachment_id)
    path = stored_path(attachment)
    if not os.path.exists(path):
        raise RuleError([Violation("A-2", "id", "附件文件不存在")], status=404)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.file_name, max_age=0)
