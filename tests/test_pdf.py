"""Printed documents: 《报关单位备案信息表》 (P-1), 《报关单位备案证明》 (P-2) and the closed renderer (P-4)."""
from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import threading
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from portal.extensions import db

ENTERPRISE_NAME = "深圳市南山测试进出口有限公司"


def pdf_text(data: bytes) -> str:
    """Return the text pdftotext extracts from a PDF, without whitespace (CJK lines wrap anywhere)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return re.sub(r"\s+", "", text.decode("utf-8"))


def pdf_fonts(data: bytes) -> list[list[str]]:
    """Return the font rows pdffonts lists for a PDF (split on whitespace)."""
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def assert_cjk_font_embedded(data: bytes) -> None:
    """Check that a WenQuanYi font is embedded and every WenQuanYi subset is (P-1)."""
    rows = [r for r in pdf_fonts(data) if "WenQuanYi" in r[0]]
    assert rows, "no WenQuanYi font in the PDF"
    # Columns end with: emb sub uni object-number generation.
    assert all(r[-5] == "yes" for r in rows), rows


def add_application(enterprise, status: str = "DRAFT", data: dict | None = None, **values):
    """Insert an application row for the enterprise and return it."""
    from portal.models import Application
    application = Application(application_no=values.pop("application_no", "Q44030020250100001"),
                              application_type=values.pop("application_type", "FILING"), status=status,
                              enterprise_id=enterprise.id, login_mode="account",
                              qualification_types=values.pop("qualification_types", "IE,CBEC_ECOM"),
                              data=data if data is not None else {}, **values)
    db.session.add(application)
    db.session.flush()
    return application


def full_application(make, name: str = ENTERPRISE_NAME, address: str = "深圳市南山区科技园南区深南大道1号",
                     name_en: str = "Shenzhen Nanshan Test Trading Co., Ltd."):
    """Build an application with every section filled, committed."""
    from portal.models import Attachment, DeclarationPerson, ExternalLicense, Investor, ManagementPerson
    enterprise = make.enterprise(name=name, registration_code="4403960001")
    data = {"name_zh": name, "name_en": name_en, "region_code": "440304", "customs_code": "5300",
            "market_entity_type_code": "1100", "postal_code": "518057", "address_zh": address,
            "address_en": "1 Shennan Avenue, Nanshan, Shenzhen", "legal_rep_name": "张三",
            "legal_rep_nationality": "CHN", "legal_rep_id_type": "ID_CARD", "legal_rep_id_no": "440304199001011234",
            "contact_name": "李四", "contact_phone": "0755-12345678", "contact_mobile": "13800138000",
            "email": "contact@example.cn", "express_operator": False}
    application = add_application(enterprise, data=data, customs_opinion=None)
    section = {"enterprise_id": enterprise.id, "application_id": application.id}
    db.session.add_all([
        ManagementPerson(person_type="CUSTOMS", name="王关务", id_type="ID_CARD", id_no="440304199001011234",
                         nationality="CHN", mobile="13800138001", **section),
        ManagementPerson(person_type="FINANCE", name="赵财务", id_type="ID_CARD", id_no="440304199202021234",
                         nationality="CHN", mobile="13800138002", **section),
        Investor(name="香港示例投资有限公司", nationality="CHN", currency="USD", amount=Decimal("120.5000"),
                 **section),
        DeclarationPerson(name="钱报关", id_type="ID_CARD", id_no="440304199303031234", mobile="13800138003",
                          **section),
        ExternalLicense(license_code="EXPRESS", number="粤邮-2024-001", authority="广东省邮政管理局",
                        valid_until=date(2099, 12, 31), long_term=True, **section),
        Attachment(kind="INFO_TABLE", file_name="报关单位备案信息表（盖章）.pdf", size=204800,
                   content_type="application/pdf", sha256="0" * 64, stored_name="a" * 32, **section),
    ])
    db.session.commit()
    return application


def test_p1_application_form_prints_every_section_with_embedded_cjk_font(make):
    from portal.qualification.pdf import render_application_pdf
    application = full_application(make)
    data = render_application_pdf(application)
    assert data.startswith(b"%PDF")
    assert_cjk_font_embedded(data)
    text = pdf_text(data)
    for expected in ("报关单位备案信息表", ENTERPRISE_NAME, application.application_no, application.enterprise.uscc,
                     "暂存", "■进出口货物收发货人", "□报关企业", "深圳海关（5300）", "福田区", "居民身份证",
                     "关务负责人", "王关务", "财务负责人", "香港示例投资有限公司", "120.5", "钱报关",
                     "快递业务经营许可证", "粤邮-2024-001", "长期有效或无有效期", "报关单位备案信息表（盖章）.pdf",
                     "4403960001", "申请单位（盖章）", "日期："):
        assert expected in text, expected


def test_p1_draft_with_partial_data_prints_empty_sections(make):
    from portal.qualification.pdf import render_application_pdf
    enterprise = make.enterprise(name="部分填写测试有限公司")
    application = add_application(enterprise, data={"name_zh": "部分填写测试有限公司"}, qualification_types="")
    db.session.commit()
    text = pdf_text(render_application_pdf(application))
    assert "报关单位备案信息表" in text and "部分填写测试有限公司" in text
    assert enterprise.uscc in text  # system-filled from the enterprise
    assert text.count("（无）") == 5  # the five child sections


def test_p1_long_section_prints_every_row_as_appendix_pages(make):
    from portal.models import DeclarationPerson
    from portal.pdf import INLINE_ROWS
    from portal.qualification.pdf import render_application_pdf
    enterprise = make.enterprise()
    application = add_application(enterprise, data={"name_zh": enterprise.name_zh})
    count = INLINE_ROWS + 130
    db.session.add_all([DeclarationPerson(enterprise_id=enterprise.id, application_id=application.id,
                                          name=f"报关员{n}号", id_type="ID_CARD", id_no=f"44030419900101{n:04d}",
                                          mobile="13800138000") for n in range(count)])
    db.session.commit()
    text = pdf_text(render_application_pdf(application))
    assert f"共{count}项，全部列于本文件后附的“附表：六、报关人员信息”" in text
    assert all(f"报关员{n}号" in text for n in range(count))
    assert "申请单位（盖章）" in text  # the form itself is complete before its appendix


def add_certificate(enterprise, number: str = "BGZM20250102000001"):
    """Insert an issued certificate for the enterprise and return it."""
    from portal.models import Certificate
    certificate = Certificate(enterprise_id=enterprise.id, request_date=date(2025, 1, 2), status="ISSUED",
                              issued_at=datetime(2025, 1, 2, 10, 30), certificate_no=number)
    db.session.add(certificate)
    db.session.commit()
    return certificate


def test_p2_certificate_lists_printable_valid_qualifications(make):
    from portal.qualification.pdf import render_certificate_pdf
    enterprise = make.enterprise(name=ENTERPRISE_NAME, registration_code="4403960002",
                                 address_zh="深圳市福田区福华路1号", legal_rep_name="张三")
    make.qualification(enterprise, "IE", filed=date(2020, 3, 1), code="4403960002")
    make.qualification(enterprise, "CB", filed=date(2021, 4, 1), code="4403960002")
    make.qualification(enterprise, "CBEC_ECOM", filed=date(2021, 5, 1))
    make.qualification(enterprise, "CB_BRANCH", status="CANCELLED", filed=date(2019, 1, 1))
    certificate = add_certificate(enterprise)
    data = render_certificate_pdf(certificate)
    assert_cjk_font_embedded(data)
    text = pdf_text(data)
    for expected in ("报关单位备案证明", ENTERPRISE_NAME, enterprise.uscc, "4403960002", "进出口货物收发货人",
                     "2020-03-01", "报关企业", "2021-04-01", "长期", "BGZM20250102000001", "2025年1月2日",
                     "深圳海关", "自动生成"):
        assert expected in text, expected
    assert "跨境电子商务电商企业" not in text  # CBEC types never print
    assert "报关企业分支机构" not in text  # cancelled


def test_p2_certificate_prints_temporary_validity_date(make):
    from portal.qualification.pdf import render_certificate_pdf
    enterprise = make.enterprise(name="临时备案测试单位")
    make.qualification(enterprise, "TEMP", filed=date(2024, 6, 1), valid_until=date(2025, 5, 31), code="4403960003")
    text = pdf_text(render_certificate_pdf(add_certificate(enterprise, "BGZM20250102000002")))
    assert "临时备案单位" in text and "2025-05-31" in text and "4403960003" in text


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server hook
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def trap_server():
    """A local HTTP server that records every request made to it."""
    _CountingHandler.hits = []
    server = HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _CountingHandler.hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_network(monkeypatch):
    """Make every outgoing socket connection fail and record the attempt."""
    attempts = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise OSError("network access during PDF rendering")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def pisa_statuses(monkeypatch):
    """Record the status of every xhtml2pdf render."""
    from xhtml2pdf import pisa
    statuses, create = [], pisa.CreatePDF

    def recording(*args, **kwargs):
        status = create(*args, **kwargs)
        statuses.append(status)
        return status

    monkeypatch.setattr(pisa, "CreatePDF", recording)
    return statuses


def test_p4_markup_in_user_data_prints_as_text_and_fetches_nothing(make, trap_server, no_network, pisa_statuses):
    from portal.qualification.pdf import render_application_pdf
    port, hits = trap_server
    img = f'<img src="http://127.0.0.1:{port}/x.png">'
    link = f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
    application = full_application(make, name="注入测试" + img, address='file:///etc/passwd <img src="/etc/passwd">',
                                   name_en=link)
    data = render_application_pdf(application)
    assert hits == [] and no_network == []
    text = pdf_text(data)
    assert f'127.0.0.1:{port}/x.png' in text and "<img" in text and "<link" in text
    assert "file:///etc/passwd" in text
    assert "root:x:0:0" not in text and b"root:x:0:0" not in data
    assert pisa_statuses and all(s.err == 0 and s.warn == 0 for s in pisa_statuses)


def test_p4_resource_policy_refuses_remote_and_outside_files(app, trap_server, no_network):
    from xhtml2pdf import pisa
    from portal.pdf import resource_policy
    port, hits = trap_server
    html = (f'<html><body><p>x</p><img src="http://127.0.0.1:{port}/x.png"><img src="/etc/passwd">'
            '<img src="file:///etc/passwd"></body></html>')
    with app.app_context():
        policy = resource_policy()
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    assert hits == [] and no_network == []
    assert status.warn == 3  # each reference refused and reported, none read
    assert b"root:x:0:0" not in out.getvalue()


def test_p4_render_pdf_refuses_a_document_with_warnings(app, monkeypatch, no_network):
    from portal import pdf
    monkeypatch.setattr(pdf, "render_html", lambda name, **context:
                        '<html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    with app.app_context(), pytest.raises(pdf.PdfRenderError):
        pdf.render_pdf("pdf/certificate.html")
    assert no_network == []


def test_p1_missing_font_fails_with_a_clear_message(app, monkeypatch):
    from portal import pdf
    monkeypatch.setitem(app.config, "PDF_FONT_PATH", "/nonexistent/fonts/wqy-microhei.ttc")
    with app.app_context(), pytest.raises(pdf.PdfRenderError, match="fonts-wqy-microhei"):
        pdf.render_pdf("pdf/certificate.html")
