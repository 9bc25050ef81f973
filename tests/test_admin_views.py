"""Every register has a working admin view with Chinese labels, filters and fast paging (X-1)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from portal.extensions import db

CJK = re.compile(r"[\u4e00-\u9fff]")
PAGER = r'class="page-link" href="([^"]*%s=\d+)"'


def _admin(app):
    return app.extensions["admin"][0]


def _model_views(app):
    from flask_admin.contrib.sqla import ModelView
    return [v for v in _admin(app)._views if isinstance(v, ModelView)]


def _staff(client, make):
    make.login(client, user=make.user(None, role="staff"))


def test_every_register_has_a_view_x1(app):
    """X-1: every model of portal/models is listed in the admin."""
    covered = {view.model for view in _model_views(app)}
    from portal.models.declaration import ViewBase
    models = {mapper.class_ for base in (db.Model, ViewBase) for mapper in base.registry.mappers}
    assert models - covered == set()


def test_every_column_has_a_chinese_label_x1(app):
    """Every listed, detailed and exported column is labelled in Chinese (or is the id)."""
    for view in _model_views(app):
        for name, label in view._list_columns + view._details_columns + view._export_columns:
            assert name == "id" or CJK.search(str(label)), f"{view.endpoint}.{name}: {label}"


def test_code_tables_have_one_view_each_under_the_parameter_menu(app):
    from portal.codes import CODE_TABLE_LABELS, CODE_TABLES
    views = {v.endpoint: v for v in _model_views(app)}
    for table in CODE_TABLES:
        view = views[f"codes_{table}"]
        assert view.category == "参数表" and view.name == CODE_TABLE_LABELS[table]


def test_menu_categories_are_chinese(app):
    for view in _admin(app)._views:
        assert view.category is None or CJK.search(view.category)


def test_large_registers_sort_and_search_only_indexed_columns(app):
    """Sorts and prefix searches of the big registers are served by an index (no full scans); name
    searches by the name_grams table (admin_views/name_search.py)."""
    from admin_views.name_search import is_name_column
    for view in _model_views(app):
        if not view.large_register:
            continue
        for name in view._sortable_columns:
            assert view._indexed(name), f"{view.endpoint} sorts on unindexed {name}"
        for name in view.column_searchable_list or ():
            served = view._indexed(name) or is_name_column(view.model.__table__.c[name])
            assert served, f"{view.endpoint} searches unindexed {name}"


def test_staff_opens_list_details_and_forms_of_every_view(client, make):
    ent = make.enterprise()
    make.qualification(ent, "IE")
    _staff(client, make)
    for view in _model_views(client.application):
        base = f"/admin/{view.endpoint}/"
        response = client.get(base)
        assert response.status_code == 200, (base, response.status_code)
        if view.can_create:
            assert client.get(base + "new/").status_code == 200, base
    qualification_id = db.session.execute(db.text("select id from qualifications")).scalar()
    assert client.get(f"/admin/qualifications/details/?id={qualification_id}").status_code == 200
    assert client.get(f"/admin/qualifications/edit/?id={qualification_id}").status_code == 409  # final
    assert client.get(f"/admin/enterprises/edit/?id={ent.id}").status_code == 200


def test_status_and_types_show_chinese_names(client, make):
    ent = make.enterprise(name="状态显示测试企业")
    make.qualification(ent, "IE")
    _staff(client, make)
    html = client.get("/admin/qualifications/").get_data(as_text=True)
    assert "进出口货物收发货人" in html and "有效" in html and "状态显示测试企业" in html
    assert "导出" in html and "添加筛选器" in html and "资质类型" in html  # Flask-Admin's own words in Chinese too


def test_code_columns_show_code_and_name(client, make):
    make.enterprise(customs_code="5300")
    _staff(client, make)
    html = client.get("/admin/enterprises/").get_data(as_text=True)
    assert "5300 深圳海关" in html


def test_code_table_view_lists_only_its_table(client, make):
    _staff(client, make)
    html = client.get("/admin/codes_customs/?search=5300").get_data(as_text=True)
    assert "深圳海关" in html
    html = client.get("/admin/codes_currencies/?search=5300").get_data(as_text=True)
    assert "深圳海关" not in html


def _heads(ent, count, start=1):
    from portal.models import ListHead
    rows = [ListHead(center_no=f"C{n:017d}", enterprise_id=ent.id, list_type="IMPORT_GENERAL",
                     customs_code="5300", status=1, filing_no=f"F{n:011d}", declare_date=date(2026, 1, 1))
            for n in range(start, start + count)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _center_nos(html):
    return re.findall(r"C\d{17}", html)


def test_keyset_pager_walks_forward_and_back_without_offset(client, make):
    ent = make.enterprise()
    _heads(ent, 45)
    _staff(client, make)
    first = client.get("/admin/list_heads/").get_data(as_text=True)
    page1 = _center_nos(first)
    assert page1[0] == "C00000000000000045" and len(page1) == 20
    next_url = re.search(PAGER % "after", first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    page2 = _center_nos(second)
    assert page2[0] == "C00000000000000025" and len(page2) == 20
    prev_url = re.search(PAGER % "before", second).group(1).replace("&amp;", "&")
    assert _center_nos(client.get(prev_url).get_data(as_text=True)) == page1
    last_url = re.search(PAGER % "after", second).group(1).replace("&amp;", "&")
    assert _center_nos(client.get(last_url).get_data(as_text=True)) == [f"C{n:017d}" for n in range(5, 0, -1)]


MARK = 10 ** 8  # record ids far above any real row id, so other audit rows never interleave


def test_keyset_pager_on_a_non_id_default_sort(client, make):
    """The audit log pages by (time, id): ties on the time never repeat or skip a row."""
    from portal import audit
    _staff(client, make)
    for n in range(30):
        audit.record(db.session, "list_heads", MARK + n, "update", {"packages": [n, n + 1]})
    db.session.commit()
    total = db.session.execute(db.text("select count(*) from audit_log")).scalar()
    seen, url = [], "/admin/audit_log/"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<td class="col-record_id">(\d+)</td>', html)
        found = re.search(PAGER % "after", html)
        url = found and found.group(1).replace("&amp;", "&")
    assert len(seen) == total
    assert [n for n in seen if int(n) >= MARK] == [str(MARK + n) for n in range(29, -1, -1)]


def test_other_sorts_page_by_bounded_offset(client, make):
    from admin_views.listing import MAX_OFFSET_ROWS
    ent = make.enterprise()
    _heads(ent, 25)
    _staff(client, make)
    view = next(v for v in _model_views(client.application) if v.endpoint == "list_heads")
    sort = [name for name, _ in view._list_columns].index("customs_code")
    html = client.get(f"/admin/list_heads/?sort={sort}&page=1").get_data(as_text=True)
    assert len(_center_nos(html)) == 5
    capped = client.get(f"/admin/list_heads/?sort={sort}&page={MAX_OFFSET_ROWS}").get_data(as_text=True)
    assert "已到可翻页的上限" in capped


def test_search_matches_number_prefix(client, make):
    ent = make.enterprise()
    _heads(ent, 12)
    _staff(client, make)
    html = client.get("/admin/list_heads/?search=C0000000000000001").get_data(as_text=True)
    assert sorted(_center_nos(html)) == [f"C{n:017d}" for n in (10, 11, 12)]


@pytest.mark.parametrize("value, expected", [("1", 3), ("7", 0)])
def test_status_filter_on_integer_status(client, make, value, expected):
    ent = make.enterprise()
    _heads(ent, 3)
    _staff(client, make)
    view = next(v for v in _model_views(client.application) if v.endpoint == "list_heads")
    arg = next(arg for arg, (idx, flt) in view._filter_args.items()
               if flt.column.key == "status" and type(flt).__name__ == "IntEqualFilter")
    html = client.get(f"/admin/list_heads/?flt0_{arg}={value}").get_data(as_text=True)
    assert len(_center_nos(html)) == expected


def test_enterprise_filter_by_uscc(client, make):
    a, b = make.enterprise(), make.enterprise()
    _heads(a, 2)
    _heads(b, 3, start=10)
    _staff(client, make)
    view = next(v for v in _model_views(client.application) if v.endpoint == "list_heads")
    arg = next(arg for arg, (idx, flt) in view._filter_args.items() if flt.column.key == "enterprise_id")
    html = client.get(f"/admin/list_heads/?flt0_{arg}={b.uscc}").get_data(as_text=True)
    assert sorted(_center_nos(html)) == [f"C{n:017d}" for n in (10, 11, 12)]


def test_details_show_reference_names_and_code_names(client, make):
    ent = make.enterprise(name="详情企业有限公司", customs_code="5300")
    qualification = make.qualification(ent, "IE")
    _staff(client, make)
    html = client.get(f"/admin/qualifications/details/?id={qualification.id}").get_data(as_text=True)
    assert "详情企业有限公司" in html and "进出口货物收发货人" in html
    html = client.get(f"/admin/enterprises/details/?id={ent.id}").get_data(as_text=True)
    assert "5300 深圳海关" in html


def test_list_items_filter_by_list_number(client, make):
    from portal.models import ListItem
    ent = make.enterprise()
    first, second = _heads(ent, 2)
    for head, name in ((first, "甲商品"), (second, "乙商品")):
        db.session.add(ListItem(list_id=head.id, enterprise_id=ent.id, seq=1, filing_seq=1, hs_code="8471300000",
                                name=name, qty=1, unit="007", unit_price=1, total=1, currency="CNY", country="CHN"))
    db.session.commit()
    _staff(client, make)
    view = next(v for v in _model_views(client.application) if v.endpoint == "list_items")
    arg = next(arg for arg, (idx, flt) in view._filter_args.items() if flt.column.key == "list_id")
    html = client.get(f"/admin/list_items/?flt0_{arg}={second.center_no}").get_data(as_text=True)
    assert "乙商品" in html and "甲商品" not in html
