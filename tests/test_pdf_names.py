"""Real names in every PDF (P-1, P-3): CJK Extension B and emoji are printed with embedded fallback fonts;
a character no installed font has is refused at save, naming the field."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ListHead
from rules.violations import RuleError
from tests.collection import builders_lists as b
from tests.collection.test_lists import create, rules_of
from tests.test_pdf import add_certificate, full_application, pdf_fonts, pdf_text

EXT_B_NAME = "王𠮷"  # 𠮷 is U+20BB7, CJK Extension B
NO_FONT_HAS = "\U00031350"  # CJK Extension H: no installed font has it


def embedded(data: bytes, family: str) -> bool:
    """Whether a font whose name contains `family` is embedded in the PDF (pdffonts: emb yes)."""
    rows = [row for row in pdf_fonts(data) if family in row[0]]
    return bool(rows) and all(row[-5] == "yes" for row in rows)


def fallback_fonts(data: bytes) -> list[list[str]]:
    """The pdffonts rows of the fonts besides WenQuanYi that draw text (Helvetica is xhtml2pdf's unused default)."""
    return [row for row in pdf_fonts(data) if "WenQuanYi" not in row[0] and row[0] != "Helvetica"]


def test_p1_extension_b_name_prints_in_the_application_form(make):
    from portal.qualification.pdf import render_application_pdf
    application = full_application(make, name=f"{EXT_B_NAME}进出口有限公司")
    data = render_application_pdf(application)
    text = pdf_text(data)
    assert f"{EXT_B_NAME}进出口有限公司" in text and "𠮷" in text
    assert embedded(data, "WenQuanYi") and embedded(data, "HanaMin")


def test_p2_extension_b_name_prints_in_the_certificate(make):
    from portal.qualification.pdf import render_certificate_pdf
    enterprise = make.enterprise(name=f"{EXT_B_NAME}贸易有限公司", legal_rep_name=EXT_B_NAME)
    make.qualification(enterprise, "IE", code="4403960009")
    data = render_certificate_pdf(add_certificate(enterprise, "BGZM20250102000009"))
    assert f"{EXT_B_NAME}贸易有限公司" in pdf_text(data)
    assert embedded(data, "HanaMin")


def test_p3_emoji_in_a_list_head_is_saved_and_printed(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no, vessel_name="远洋😀号", **{"transport_mode": "2"}))
    response = client.get(f"/api/v1/lists/{center_no}/print.pdf", headers=who.headers)
    assert response.status_code == 200
    assert "远洋😀号" in pdf_text(response.data)
    fonts = fallback_fonts(response.data)  # DejaVu Sans has 😀; Symbola the emoji it lacks
    assert fonts and all(row[-5] == "yes" for row in fonts)


def test_p3_symbol_emoji_prints_with_symbola_embedded(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no, vessel_name="火箭🚀号", **{"transport_mode": "2"}))
    response = client.get(f"/api/v1/lists/{center_no}/print.pdf", headers=who.headers)
    assert "火箭🚀号" in pdf_text(response.data) and embedded(response.data, "Symbola")


def test_p3_emoji_newer_than_the_installed_fonts_is_refused_at_save_naming_the_field(make, client):
    who, _filing, volume = b.ready(make, client)
    response = client.post("/api/v1/lists", headers=who.headers, json=b.body(
        volume.customs_volume_no, vessel_name="红包🧧号", **{"transport_mode": "2"}))  # Unicode 11: not in Symbola 2.60
    assert response.status_code == 422 and ("P-3", "vessel_name") in rules_of(response)


def test_p3_emoji_with_variation_selector_prints_without_the_selector(make, client):
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no, vessel_name="爱心❤️号", **{"transport_mode": "2"}))
    response = client.get(f"/api/v1/lists/{center_no}/print.pdf", headers=who.headers)
    assert response.status_code == 200 and "爱心❤号" in pdf_text(response.data)


def test_p3_character_no_font_has_is_refused_at_save_naming_the_field(make, client):
    who, _filing, volume = b.ready(make, client)
    response = client.post("/api/v1/lists", headers=who.headers, json=b.body(
        volume.customs_volume_no, vessel_name=f"远洋{NO_FONT_HAS}号", **{"transport_mode": "2"}))
    assert response.status_code == 422
    assert ("P-3", "vessel_name") in rules_of(response)
    assert "U+31350" in response.json["error"]["violations"][0]["message"]
    assert db.session.scalar(select(ListHead).where(ListHead.enterprise_id == who.enterprise.id)) is None


def test_p1_section_row_with_a_character_no_font_has_is_refused_naming_the_field(make):
    from portal.models import ManagementPerson
    from tests.test_pdf import add_application
    enterprise = make.enterprise()
    application = add_application(enterprise, data={"name_zh": enterprise.name_zh})
    db.session.add(ManagementPerson(enterprise_id=enterprise.id, application_id=application.id, person_type="CUSTOMS",
                                    name=f"王{NO_FONT_HAS}", id_type="ID_CARD", id_no="440304199001011234",
                                    nationality="CHN"))
    with pytest.raises(RuleError) as refused:
        db.session.flush()
    db.session.rollback()
    assert [(v.rule, v.field) for v in refused.value.violations] == [("P-1", "management_personnel.name")]


def test_p1_application_data_with_a_character_no_font_has_is_refused_naming_the_field(make):
    from tests.test_pdf import add_application
    enterprise = make.enterprise()
    with pytest.raises(RuleError) as refused:
        add_application(enterprise, data={"name_zh": "测试\ue000公司"})
    db.session.rollback()
    assert [(v.rule, v.field) for v in refused.value.violations] == [("P-1", "name_zh")]


def test_p1_text_saved_before_the_check_prints_a_placeholder_not_a_500(app):
    from portal.pdf_fonts import MISSING_GLYPH, font_chain
    with app.app_context():
        printed, _ = font_chain().prepare(f"王{NO_FONT_HAS}")
    assert printed == f"王{MISSING_GLYPH}"


def test_p3_list_item_spec_no_font_has_is_refused_though_items_skip_the_flush(make, client):
    who, _filing, volume = b.ready(make, client)
    response = client.post("/api/v1/lists", headers=who.headers, json=b.body(
        volume.customs_volume_no, items=[b.item(1), b.item(2, spec=f"型号{NO_FONT_HAS}")]))
    assert response.status_code == 422 and ("P-3", "items[1].spec") in rules_of(response)
    assert db.session.scalar(select(ListHead).where(ListHead.enterprise_id == who.enterprise.id)) is None
