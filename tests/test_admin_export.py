"""CSV and XLSX exports of the filtered rows, streamed, with formula-like cells neutralised (X-1, X-2)."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.extensions import db

DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.fixture
def manifests(make):
    """One manifest per formula-like vessel name, plus a harmless one."""
    from portal.models import Manifest
    for n, name in enumerate(DANGEROUS + ["正常船名"]):
        db.session.add(Manifest(bill_no=f"BLX{n:04d}", vessel_name=name, voyage_no="V1", packages=n + 1,
                                gross_weight=10, net_weight=-5))
    db.session.commit()


@pytest.fixture
def auditor(client, make):
    make.login(client, user=make.user(None, role="auditor"))


def _csv_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_export_neutralises_formula_cells_x2(client, auditor, manifests):
    rows = _csv_rows(client, "/admin/manifests/export/csv/")
    header, body = rows[0], rows[1:]
    column = header.index("运输工具名称")
    names = {row[column] for row in body}
    assert names == {"'" + value for value in DANGEROUS} | {"正常船名"}
    assert {row[header.index("净重（千克）")] for row in body} == {"-5.0000"}  # numbers stay numbers


def test_xlsx_export_neutralises_formula_cells_x2(client, auditor, manifests):
    response = client.get("/admin/manifests/export/xlsx/")
    assert response.status_code == 200
    assert "spreadsheetml" in response.mimetype
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("运输工具名称")
    cells = [row[column] for row in rows[1:]]
    assert set(cells) == {"'" + value for value in DANGEROUS} | {"正常船名"}
    for cell in sheet[chr(ord("A") + column)][1:]:
        assert cell.data_type == "s"  # text, never a formula
    assert {row[rows[0].index("件数")] for row in rows[1:]} == set(range(1, len(DANGEROUS) + 2))


def test_export_follows_the_search_and_filters_x1(client, auditor, manifests):
    rows = _csv_rows(client, "/admin/manifests/export/csv/?search=BLX0003")
    assert len(rows) == 2 and rows[1][rows[0].index("提运单号")] == "BLX0003"


def test_export_shows_chinese_names_and_hides_secrets_x1(client, auditor, make):
    ent = make.enterprise(name="导出企业")
    make.user(ent, role="ent_operator", username="exported_user")
    rows = _csv_rows(client, "/admin/users/export/csv/")
    header = rows[0]
    assert "password_hash" not in ",".join(header) and "密码" not in ",".join(header)
    user = next(row for row in rows if "exported_user" in row)
    assert user[header.index("角色")] == "企业操作员"
    assert user[header.index("所属企业")] == "导出企业"


def test_export_of_many_rows_is_streamed_in_batches(client, auditor, make):
    from admin_views.listing import EXPORT_BATCH
    from portal.models import LicenceGood, Licence
    licence = Licence(license_no="L-STREAM", license_code="1", quantity=1)
    db.session.add(licence)
    db.session.flush()
    db.session.add_all([LicenceGood(licence_id=licence.id, hs_code=f"{n:010d}") for n in range(EXPORT_BATCH * 2 + 5)])
    db.session.commit()
    response = client.get("/admin/licence_goods/export/csv/")
    chunks = list(response.response)
    assert len(chunks) >= 3  # header, then one chunk per batch
    assert sum(chunk.count("\n" if isinstance(chunk, str) else b"\n") for chunk in chunks) == EXPORT_BATCH * 2 + 6


def test_export_filename_is_chinese_and_safe(client, auditor, manifests):
    disposition = client.get("/admin/manifests/export/csv/").headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
