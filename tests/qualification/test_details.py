"""An application's details in labelled sections like the enterprise's form (issue 14 item 5, S-3): the staff's
details page shows every section with every field under its form label, codes as "code name", yes/no and
person types in the page's language, the data marked for the English check; 备案信息查询 shows the filed
record the same way."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import CodeEntry
from tests.qualification.conftest import (PERSON_ID, PERSON_ID_2, application, basic_info, create,
                                          filing_body, upload)

HAN = re.compile(r"[\u4e00-\u9fff]")
INVESTOR = {"name": "香港投资有限公司", "nationality": "HKG", "currency": "HKD", "amount": "120.5"}
LICENCES = [{"license_code": "EXPRESS", "number": "KD20260001", "authority": "深圳市邮政管理局",
             "valid_until": "2030-06-30"},
            {"license_code": "FINANCE", "number": "JR20260002", "authority": "国家金融监督管理总局", "long_term": True}]
# Basic-info fields of basic_info() → their code table (the rest show as typed).
CODED = {"customs_code": "customs", "economic_zone_code": "economic_zones", "ciq_enterprise_type_code":
         "ciq_enterprise_types", "market_entity_type_code": "market_entity_types", "org_type_code": "org_types",
         "industry_code": "industries", "legal_rep_nationality": "countries", "legal_rep_id_type": "id_types"}
LABELS = {"name_zh": "企业中文名称", "name_en": "企业英文名称", "region_code": "行政区划", "customs_code": "所在地海关",
          "economic_zone_code": "经济区划", "ciq_enterprise_type_code": "检验检疫企业类型", "postal_code": "邮政编码",
          "address_zh": "住所（主要经营场所）", "address_en": "英文地址", "market_entity_type_code": "市场主体类型",
          "org_type_code": "组织机构类型", "industry_code": "行业种类", "legal_rep_name": "法定代表人姓名",
          "legal_rep_nationality": "法定代表人国籍", "legal_rep_id_type": "法定代表人证件类型",
          "legal_rep_id_no": "法定代表人证件号码", "contact_name": "联系人", "contact_phone": "联系人固定电话",
          "contact_mobile": "联系人移动电话", "email": "电子邮箱", "website": "网址", "express_operator": "是否快件运营企业"}
TITLES = {"basic-info": "企业基本信息", "management_personnel": "管理人员信息", "investors": "出资者信息",
          "declaration_personnel": "报关人员信息", "external_licenses": "外部资质信息", "attachments": "附件信息"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _section(html: str, key: str) -> str:
    """Return the HTML of one section card (by its id), up to the next card."""
    start = html.find(f'<div class="sw-card sw-record-section" id="record-{key}">')
    assert start >= 0, f"section {key} missing"
    end = html.find('<div class="sw-card sw-record-section"', start + 1)
    return html[start:end if end > 0 else len(html)]


def _title(section: str) -> str:
    return _text(re.search(r'<div class="sw-section-title">(.*?)</div>', section, re.S).group(1))


def _fields(section: str) -> dict[str, str]:
    """Return label → shown value of a section of labelled fields."""
    return {_text(label): _text(value) for label, value in
            re.findall(r'<th class="bg-light">(.*?)</th><td[^>]*>(.*?)</td>', section, re.S)}


def _table(section: str) -> tuple[list[str], list[list[str]]]:
    """Return the headings (without 序号) and the rows (without their number) of a section table."""
    headings = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", section, re.S)][1:]
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    rows = [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][1:]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return headings, rows


def _code(table: str, code: str) -> str:
    name = db.session.scalar(select(CodeEntry.name_zh).where(CodeEntry.table_name == table, CodeEntry.code == code))
    assert name, f"{table} {code} is not seeded"
    return f"{code} {name}"


@pytest.fixture
def full_application(client, make, filer):
    """A filing draft holding every section: basic information, managers, an investor, a declarant,
    two licences (one long-term) and an uploaded 《报关单位备案信息表》."""
    body = filing_body(("IE", "CBEC_LOGISTICS"), investors=[INVESTOR], external_licenses=LICENCES)
    number = create(client, filer.account, body)
    assert upload(client, filer.account, number).status_code == 201
    make.login(client, user=make.user(None, role="staff"))
    return application(number)


def test_staff_details_show_every_section_field_and_row_of_the_form_S_3(client, full_application, filer):
    html = client.get(f"/admin/applications/details/?id={full_application.id}&lang=zh").get_data(as_text=True)
    sections = {key: _section(html, key) for key in TITLES}
    assert {key: _title(section) for key, section in sections.items()} == TITLES
    fields = _fields(sections["basic-info"])
    expected = {LABELS[name]: _code(CODED[name], value) if name in CODED else value
                for name, value in basic_info().items() if name not in ("region_code", "express_operator")}
    assert {label: fields.get(label) for label in expected} == expected
    assert fields["行政区划"] == "440304 广东省 深圳市 福田区" and fields["是否快件运营企业"] == "否"
    assert fields["统一社会信用代码"] == filer.enterprise.uscc  # filled by the system
    assert re.search(r"<th class=\"bg-light\">所在地海关</th><td><span data-sw-data>5300 ", html)  # data is marked

    headings, rows = _table(sections["management_personnel"])
    assert headings == ["人员类型", "姓名", "证件类型", "证件号码", "国籍", "移动电话"]
    assert rows == [[kind, "王五", _code("id_types", "ID_CARD"), PERSON_ID, _code("countries", "CHN"), "13900139000"]
                    for kind in ("关务负责人", "财务负责人")]
    headings, rows = _table(sections["investors"])
    assert headings[:4] == ["出资者名称（姓名）", "国籍", "出资金额币制", "出资金额（万）"]
    assert rows == [["香港投资有限公司", _code("countries", "HKG"), _code("currencies", "HKD"), "120.5", ""]]
    assert _table(sections["declaration_personnel"])[1] == [
        ["赵六", _code("id_types", "ID_CARD"), PERSON_ID_2, "15000150000", ""]]
    headings, rows = _table(sections["external_licenses"])
    assert headings == ["许可证名称", "许可证编号", "发证机关", "有效日期"]
    assert rows == [[_code("license_names", "EXPRESS"), "KD20260001", "深圳市邮政管理局", "2030-06-30"],
                    [_code("license_names", "FINANCE"), "JR20260002", "国家金融监督管理总局", "长期有效或无有效期"]]
    headings, rows = _table(sections["attachments"])
    assert headings == ["附件类型", "文件名称", "文件大小", "上传时间"]
    assert [row[:2] for row in rows] == [["《报关单位备案信息表》", "信息表.pdf"]]
    assert "{&#34;" not in html and '{"name_zh"' not in html  # no raw JSON any more


def test_staff_details_sections_in_english_keep_data_as_typed_X_4(client, full_application):
    html = client.get(f"/admin/applications/details/?id={full_application.id}&lang=en").get_data(as_text=True)
    basic = _section(html, "basic-info")
    assert _title(basic) == "Enterprise basic information"
    fields = _fields(basic)
    assert not [label for label in fields if HAN.search(label)]
    assert fields["Express operator"] == "No"
    assert any(value == "5300 " + _code("customs", "5300").split(" ", 1)[1] for value in fields.values())
    headings, rows = _table(_section(html, "management_personnel"))
    assert not [h for h in headings if HAN.search(h)] and rows[0][0] == "Customs affairs officer"
    licences = _table(_section(html, "external_licenses"))[1]
    assert licences[1][3] == "Long-term or no expiry"
    assert _title(_section(html, "attachments")) == "Attachments"


def test_filing_query_shows_the_filed_record_in_the_same_sections_Q_29(client, make, filer):
    make.qualification(filer.enterprise, "IE")
    filer.enterprise.customs_code = "5300"
    db.session.commit()
    make.login(client, user=filer.user)
    html = client.get("/q/filing").get_data(as_text=True)
    basic = re.search(r'id="filed-basic-info">(.*?)</table>', html, re.S).group(1)
    fields = _fields(basic)
    assert fields["所在地海关"] == _code("customs", "5300") and fields["企业中文名称"] == filer.enterprise.name_zh
    for key, title in TITLES.items():
        if key not in ("basic-info", "attachments"):
            assert re.search(rf'id="filed-{key}">\s*<div class="sw-section-title">{title}</div>', html)
