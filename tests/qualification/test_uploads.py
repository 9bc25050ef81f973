"""Attachments: size, type by content, storage, who may download (Q-18, Q-26)."""
from __future__ import annotations

import hashlib
import os

from portal.extensions import db
from portal.models import Attachment
from tests.qualification.conftest import (PDF_BYTES, PNG_BYTES, create, filing_body, rules_of, submit, upload)

MIB = 1024 * 1024


def test_file_of_4_mib_plus_one_byte_is_refused_with_a_clear_message_Q_18(client, filer):
    number = create(client, filer.account, filing_body())
    response = upload(client, filer.account, number, content=PDF_BYTES + b"0" * (4 * MIB + 1 - len(PDF_BYTES)))
    assert response.status_code == 422
    assert rules_of(response) == ["Q-18"]
    assert "4M" in response.json["error"]["violations"][0]["message"]
    exact = upload(client, filer.account, number, content=PDF_BYTES + b"0" * (4 * MIB - len(PDF_BYTES)))
    assert exact.status_code == 201 and exact.json["size"] == 4 * MIB


def test_png_name_with_pdf_content_is_refused_Q_18(client, filer):
    number = create(client, filer.account, filing_body())
    response = upload(client, filer.account, number, content=PDF_BYTES, name="scan.png")
    assert response.status_code == 422
    assert rules_of(response) == ["Q-18"]
    assert upload(client, filer.account, number, content=PNG_BYTES, name="scan.png").status_code == 201


def test_only_allowed_extensions_and_kinds_are_accepted_Q_18_Q_26(client, filer):
    number = create(client, filer.account, filing_body())
    docx = b"PK\x03\x04" + b"\x00" * 100
    assert rules_of(upload(client, filer.account, number, content=docx, name="表.docx")) == ["Q-18"]
    assert upload(client, filer.account, number, kind="CANCELLATION_LETTER", content=docx,
                  name="注销申请书.docx").status_code == 201
    assert upload(client, filer.account, number, kind="NOPE").status_code == 422
    empty = client.post(f"/api/v1/applications/{number}/attachments", headers=filer.account,
                        data={"kind": "INFO_TABLE"}, content_type="multipart/form-data")
    assert empty.status_code == 422


def test_stored_under_a_generated_name_with_sha256_Q_18(client, app, filer):
    number = create(client, filer.account, filing_body())
    response = upload(client, filer.account, number, name="../../etc/passwd.pdf")
    assert response.status_code == 201
    attachment = db.session.get(Attachment, response.json["id"])
    assert attachment.file_name == "passwd.pdf"
    assert len(attachment.stored_name) == 32 and attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    with open(os.path.join(app.config["UPLOAD_DIR"], attachment.stored_name), "rb") as handle:
        assert handle.read() == PDF_BYTES


def test_download_only_by_the_owner_Q_18(client, filer, other_filer):
    number = create(client, filer.account, filing_body())
    attachment_id = upload(client, filer.account, number).json["id"]
    url = f"/api/v1/applications/{number}/attachments/{attachment_id}"
    own = client.get(url, headers=filer.account)
    assert own.status_code == 200 and own.data == PDF_BYTES
    assert client.get(url, headers=other_filer.account).status_code == 404
    assert client.delete(url, headers=filer.account).status_code == 204
    assert client.get(url, headers=filer.account).status_code == 404


def test_proxy_enterprise_and_staff_can_download(client, make, filer):
    from rules.identifiers import make_uscc
    number = create(client, filer.card_login, filing_body(target_uscc=make_uscc("91440300", 58), commitment=True))
    attachment_id = upload(client, filer.card_login, number).json["id"]
    assert submit(client, filer.card_login, number).status_code == 200
    assert client.get(f"/api/v1/applications/{number}/attachments/{attachment_id}",
                      headers=filer.card_login).status_code == 200
    staff = make.user(None, "staff")
    make.login(client, user=staff)
    page = client.get(f"/admin/qualification-review/attachments/{attachment_id}")
    assert page.status_code == 200 and page.data == PDF_BYTES
