"""Staff import of licences, manifests and bonded books from CSV / XLSX (C-10, C-12, C-13)."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.collection.references import REGISTERS, import_register
from portal.extensions import db
from portal.models import BondedBook, BondedBookItem, Licence, LicenceGood, Manifest
from rules.violations import RuleError
from tests.factories import csrf_token

URL = "/admin/collection_refs/"
LICENCE_HEADER = "许可证编号(license_no),许可证代码(license_code),企业统一社会信用代码(enterprise_uscc),许可数量(quantity)," \
                 "有效期至(valid_until),商品编码(hs_codes)\n"
MANIFEST_HEADER = "bill_no,vessel_name,voyage_no,packages,gross_weight,net_weight\n"
BOOK_USCC = "91440300000000078E"  # the enterprise of the bonded-books template's example rows


@pytest.fixture
def staff_client(make, client):
    make.login(client, user=make.user(None, role="staff"))
    return client


def upload(client, register: str, content: bytes, file_name: str):
    token = csrf_token(client, URL)
    return client.post(URL, data={"csrf_token": token, "register": register,
                                  "file": (io.BytesIO(content), file_name)},
                       content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def violations_of(name: str, content: bytes, file_name: str = "import.csv") -> set[tuple[str, str]]:
    with pytest.raises(RuleError) as caught:
        import_register(db.session, name, file_name, content)
    db.session.rollback()
    return {(v.rule, v.field) for v in caught.value.violations}


def test_licence_csv_with_one_bad_row_imports_nothing_and_lists_row_and_field_C_12(staff_client):
    content = (LICENCE_HEADER + "26-AA-000001,1,,1000,2026-12-31,8471300000;8471410000\n"
               "26-AA-000002,1,,-5,2026-12-31,8471300000\n"
               "26-AA-000003,1,,10,20261231,847130\n").encode("utf-8")
    response = upload(staff_client, "licences", content, "licences.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "rows[3].quantity" in page and "第 3 行“许可数量”" in page
    assert "rows[4].hs_codes" in page
    assert "rows[2]" not in page
    assert count(Licence) == 0 and count(LicenceGood) == 0


def test_licence_csv_imports_goods_and_reimport_updates_C_12(staff_client, make):
    enterprise = make.enterprise()
    content = (LICENCE_HEADER + f"26-AA-000001,1,{enterprise.uscc},1000.5,20261231,8471300000；8471410000\n"
               "26-AA-000002,O,,20,,8542319000\n").encode("utf-8")
    response = upload(staff_client, "licences", content, "licences.csv")
    assert response.status_code == 302
    licence = db.session.scalar(select(Licence).where(Licence.license_no == "26-AA-000001"))
    assert licence.enterprise_id == enterprise.id and licence.quantity == Decimal("1000.5")
    assert sorted(g.hs_code for g in licence.goods) == ["8471300000", "8471410000"]
    again = (LICENCE_HEADER + "26-AA-000001,1,,800,2026-12-31,8471410000;8528520000\n").encode("utf-8")
    assert upload(staff_client, "licences", again, "licences.csv").status_code == 302
    db.session.expire_all()
    licence = db.session.scalar(select(Licence).where(Licence.license_no == "26-AA-000001"))
    assert licence.quantity == Decimal("800") and licence.enterprise_id is None
    assert sorted(g.hs_code for g in licence.goods) == ["8471410000", "8528520000"]
    assert count(Licence) == 2


def test_manifest_checks_weights_duplicates_and_unknown_columns_C_13(ctx):
    bad = (MANIFEST_HEADER + "B1,VESSEL,001E,10,100,120\nB1,VESSEL,001E,10,100,90\nB2,V,1,0,1,1\n").encode()
    assert violations_of("manifests", bad) == {("C-13", "rows[2].net_weight"), ("C-13", "rows[3].bill_no"),
                                               ("C-13", "rows[4].packages")}
    assert violations_of("manifests", b"bill_no,colour\nB1,red\n") >= {
        ("C-13", "rows[1].colour"), ("C-13", "rows[1].vessel_name")}
    assert count(Manifest) == 0
    good = (MANIFEST_HEADER + "B1,VESSEL,001E,10,100,90\n").encode()
    result = import_register(db.session, "manifests", "m.csv", good)
    assert result == {"register": "manifests", "rows": 1, "created": 1, "updated": 0}


def test_bonded_book_xlsx_keeps_code_zeros_and_checks_enterprise_and_unit_C_10(ctx, make):
    make.enterprise(uscc=BOOK_USCC)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.key for c in REGISTERS["bonded_books"].columns])
    sheet.append(["E53001800001", BOOK_USCC, "账册", "2027-12-31", 1, 101210010, "改良种用马", None, 11])
    sheet.append(["E53001800001", BOOK_USCC, "BOOK", "2027-12-31", 2, "8471300000", "电脑", "型号X", "001"])
    out = io.BytesIO()
    workbook.save(out)
    result = import_register(db.session, "bonded_books", "books.xlsx", out.getvalue())
    db.session.commit()
    assert result["created"] == 1
    book = db.session.scalar(select(BondedBook))
    assert book.book_type == "BOOK"
    assert [(i.seq, i.hs_code, i.unit) for i in book.items] == [(1, "0101210010", "011"), (2, "8471300000", "001")]
    unknown = ("E53001800002,914403000000000869,MANUAL,,1,8471300000,电脑,,999\n"
               "E53001800002,914403000000000869,BOOK,,2,8471300000,电脑,,001\n")
    header = ",".join(c.key for c in REGISTERS["bonded_books"].columns) + "\n"
    assert violations_of("bonded_books", (header + unknown).encode()) == {
        ("C-10", "rows[2].enterprise_uscc"), ("C-10", "rows[2].unit"), ("C-10", "rows[3].enterprise_uscc"),
        ("C-10", "rows[3].book_no")}
    assert count(BondedBookItem) == 2


def test_templates_download_as_csv_and_xlsx_and_import_C_10(staff_client, make):
    make.enterprise(uscc=BOOK_USCC)
    csv_file = staff_client.get(URL + "template/bonded_books.csv")
    assert csv_file.status_code == 200 and "book_no" in csv_file.get_data(as_text=True)
    xlsx_file = staff_client.get(URL + "template/bonded_books.xlsx")
    assert xlsx_file.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx_file.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "E53001800001" and rows[1][8] == "001"
    assert upload(staff_client, "bonded_books", xlsx_file.data, "books.xlsx").status_code == 302
    assert count(BondedBookItem) == 2
    for name in ("licences", "manifests"):
        template = staff_client.get(URL + f"template/{name}.csv")
        assert upload(staff_client, name, template.data, f"{name}.csv").status_code == 302


def test_import_refuses_other_file_types_and_missing_files(staff_client):
    response = upload(staff_client, "manifests", b"whatever", "data.json")
    assert response.status_code == 422 and "仅支持 CSV 或 XLSX 文件" in response.get_data(as_text=True)
    token = csrf_token(staff_client, URL)
    assert staff_client.post(URL, data={"csrf_token": token, "register": "manifests"}).status_code == 400
    assert staff_client.post(URL, data={"register": "manifests"}).status_code == 400  # no CSRF token


def test_import_page_is_for_staff_only(make, client):
    make.login(client, user=make.user(make.enterprise()))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "template/licences.csv").status_code == 403


def test_import_page_sends_anonymous_users_to_login(client):
    assert client.get(URL).status_code == 302
