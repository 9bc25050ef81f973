"""Name searches anywhere in the name through the bigram table (issue 15.2): results equal a plain
LIKE '%term%' (ILIKE on PostgreSQL), short terms match the start, every write path keeps the grams."""
from __future__ import annotations


import pytest
from sqlalchemy import func, insert, select, text, update

from admin_views.filters import prefix_clause
from portal import clock
from portal.extensions import db
from portal.models import DeclarationItem, Enterprise, ListItem, Product, User, name_grams
from portal.name_search import NameSearch, searches_anywhere
from tests.factories import csrf_token

NAMES = ["深圳市华南进出口贸易有限公司", "广州华南物流有限公司", "联想笔记本电脑", "联想(北京)有限公司",
         "Lenovo ThinkPad X1 笔记本", "LENOVO笔记本Pro", "lenovo", "50%折扣_特价商品", "50元折扣", "哈哈哈哈",
         "Canon EOS R5", "canon", "华", "X", "数码相机Canon", "上海浦东华南路商贸有限公司", "Ａ全角字母"]
TERMS = ["华南", "笔记本", "有限公司", "联想笔记本电脑", "lenovo", "LeNoVo", "x1 笔", "50%", "_特", "%折", "哈哈哈",
         "pro", "eos r", "canon", "相机c", "量子", "quantum", "北京)", "全角", "ａ全"]
SHORT = ["华", "联", "L", "le", "CA", "5", "哈", "数"]


def like(column_sql: str, table: str, pattern: str, is_postgres: bool) -> set[int]:
    """The ids a plain LIKE (ILIKE on PostgreSQL) finds, wildcards in the term taken literally."""
    operator = "ILIKE" if is_postgres else "LIKE"
    rows = db.session.execute(text(f"SELECT id FROM {table} WHERE {column_sql} {operator} :p ESCAPE '\\'"),
                              {"p": pattern})
    return {row.id for row in rows}


def escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def found(column, term: str, alone: bool = True) -> set[int]:
    """Ids matching through the name search (alone: the whole condition; else one arm of an OR)."""
    clause = NameSearch(db.session, name_grams).clause(column, term, alone)
    return set(db.session.scalars(select(column.table.c.id).where(clause)))


@pytest.fixture
def named(make):
    return [make.enterprise(name, name_en=name if name.isascii() else None).id for name in NAMES]


@pytest.mark.parametrize("alone, walk", [(True, None), (False, 0), (False, 10 ** 9)],
                         ids=["alone", "or-arm-postings-first", "or-arm-walked"])
@pytest.mark.parametrize("term", TERMS)
def test_contains_search_equals_like_for_chinese_latin_and_mixed_terms(named, is_postgres, term, alone, walk,
                                                                       monkeypatch):
    """As the whole condition, and as one arm of an OR both ways: rare grams' postings fetched first
    (WALK_PER_MATCH 0) and dense ones probed row by row in the page's order (a huge WALK_PER_MATCH)."""
    from portal import name_search
    if walk is not None:
        monkeypatch.setattr(name_search, "WALK_PER_MATCH", walk)
    assert searches_anywhere(term)
    expected = like("name_zh", "enterprises", f"%{escaped(term)}%", is_postgres)
    assert found(Enterprise.__table__.c.name_zh, term, alone) == expected
    assert found(Enterprise.__table__.c.name_en, term, alone) == like("name_en", "enterprises",
                                                                       f"%{escaped(term)}%", is_postgres)
    if term in ("华南", "笔记本", "lenovo", "50%"):
        assert expected  # the data holds these, so equality is not trivially empty == empty


@pytest.mark.parametrize("alone", [True, False])
@pytest.mark.parametrize("term", SHORT)
def test_one_character_and_short_latin_terms_match_the_start_of_the_name(named, is_postgres, term, alone):
    assert not searches_anywhere(term)
    expected = like("name_zh", "enterprises", f"{escaped(term)}%", is_postgres)
    assert found(Enterprise.__table__.c.name_zh, term, alone) == expected
    if term in ("华", "联", "L"):
        assert expected


def test_a_common_gram_still_gives_the_exact_rows(make, is_postgres, monkeypatch):
    """Every candidate gram above the count cap: the probe path gives the same rows as LIKE."""
    from portal import name_search
    monkeypatch.setattr(name_search, "COUNT_CAP", 2)
    for name in NAMES:
        make.enterprise(name)
    for term in ("有限公司", "华南", "笔记本", "lenovo", "联"):
        pattern = f"%{escaped(term)}%" if searches_anywhere(term) else f"{escaped(term)}%"
        for alone in (True, False):
            assert found(Enterprise.__table__.c.name_zh, term, alone) == like("name_zh", "enterprises", pattern,
                                                                              is_postgres)


def grams_of(source_table, row_id) -> set[str]:
    from portal.name_search import SOURCE_OF
    source = SOURCE_OF[source_table]
    g = name_grams.c
    return set(db.session.scalars(select(g.gram).where(g.source == source, g.row_id == row_id)))


def test_orm_insert_update_and_delete_keep_the_grams(make):
    enterprise = make.enterprise("深圳市华南贸易有限公司")
    column = Enterprise.__table__.c.name_zh
    assert found(column, "华南") == {enterprise.id}
    enterprise.name_zh = "东莞长城物流有限公司"
    db.session.commit()
    assert found(column, "华南") == set() and found(column, "长城物流") == {enterprise.id}
    assert grams_of(("enterprises", "name_zh"), enterprise.id) == {"^东", "东莞", "莞长", "长城", "城物", "物流",
                                                                   "流有", "有限", "限公", "公司"}
    enterprise.name_en = "Dongguan Great Wall Logistics"
    db.session.commit()
    assert found(Enterprise.__table__.c.name_en, "wall") == {enterprise.id}
    enterprise.name_en = None
    db.session.commit()
    assert grams_of(("enterprises", "name_en"), enterprise.id) == set()
    user = make.user(None, role="staff", name="张三丰")
    assert found(User.__table__.c.name, "三丰") == {user.id}
    db.session.delete(user)
    db.session.commit()
    assert grams_of(("users", "name"), user.id) == set()


def test_core_bulk_insert_select_finds_the_copied_rows(make):
    source = make.enterprise("杭州远航供应链管理有限公司")
    columns = ["uscc", "name_zh", "express_operator", "auto_aggregate", "version", "created_at", "updated_at"]
    copy = select(text("'91330100MA2XXXXX0Y'"), Enterprise.name_zh + "分公司", Enterprise.express_operator,
                  Enterprise.auto_aggregate, Enterprise.version, Enterprise.created_at, Enterprise.updated_at
                  ).where(Enterprise.id == source.id)
    db.session.execute(insert(Enterprise.__table__).from_select(columns, copy))
    db.session.execute(update(Enterprise.__table__).where(Enterprise.id == source.id).values(name_zh="改名后"))
    db.session.commit()
    ids = found(Enterprise.__table__.c.name_zh, "远航供应链")
    copied = db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == "91330100MA2XXXXX0Y"))
    assert ids == {copied}
    assert found(Enterprise.__table__.c.name_zh, "改名后") == {source.id}


def test_list_import_and_aggregation_rows_are_found(make, client):
    """Lists imported through the API (bulk Core insert) are found by their names anywhere; declaration
    items built by month-end INSERT … SELECT by the start of their names (no grams written for them)."""
    from portal.collection import aggregation
    from tests.collection import builders_aggregation as agg
    from tests.collection import builders_lists as b
    from tests.collection.test_list_import import as_csv, sheet_rows, upload
    clock.set_fixed_now("2026-06-10T09:00:00")
    who, _filing, volume = b.ready(make, client)
    response = upload(client, who, as_csv(sheet_rows(volume.customs_volume_no, 2)), "lists.csv")
    assert response.status_code == 201, response.get_data(as_text=True)
    imported = set(db.session.scalars(select(ListItem.id).where(ListItem.name == "笔记本电脑")))
    assert imported and found(ListItem.__table__.c.name, "笔记本") == imported
    products = set(db.session.scalars(select(Product.id).where(Product.name == "热轧钢板")))
    assert products and found(Product.__table__.c.name, "轧钢") == products
    clock.set_fixed_now("2026-04-02T10:00:00")
    party = agg.party(make)
    head = agg.cleared_list(party.enterprise, [agg.item(name="冷冻三文鱼片")])
    aggregation.request_aggregation(db.session, party.identity, [head.center_no])
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    built = set(db.session.scalars(select(DeclarationItem.id).where(DeclarationItem.name == "冷冻三文鱼片")))
    assert built
    # Declaration items are found by their name's start (search_0002): the month-end writes no grams for them.
    assert db.session.scalar(select(func.count()).select_from(name_grams).where(name_grams.c.source == 6)) == 0
    starts = prefix_clause(DeclarationItem.__table__.c.name, "冷冻三文")
    assert set(db.session.scalars(select(DeclarationItem.id).where(starts))) == built
    assert found(ListItem.__table__.c.name, "三文鱼") == {i.id for i in head.items}


def _staff(client, make):
    make.login(client, user=make.user(None, role="staff"))


def test_admin_edit_of_a_name_is_found_by_the_admin_search(client, make):
    _staff(client, make)
    person = make.user(None, role="staff", name="王小明")
    token = csrf_token(client, f"/admin/users/edit/?id={person.id}")
    response = client.post(f"/admin/users/edit/?id={person.id}",
                           data={"username": person.username, "name": "欧阳晓明", "role": "staff", "active": "y",
                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    html = client.get("/admin/users/?search=阳晓").get_data(as_text=True)
    assert "欧阳晓明" in html
    assert "王小明" not in client.get("/admin/users/?search=小明").get_data(as_text=True)


def test_admin_search_box_says_names_match_anywhere(client, make):
    _staff(client, make)
    make.enterprise("深圳市华南进出口贸易有限公司")
    make.enterprise("北京长城实业有限公司")
    html = client.get("/admin/enterprises/?search=华南进出口").get_data(as_text=True)
    assert "名称按包含匹配" in html
    assert "深圳市华南进出口贸易有限公司" in html and "北京长城实业有限公司" not in html
    numbers = client.get("/admin/list_heads/").get_data(as_text=True)
    assert "按开头匹配" in numbers and "名称按包含匹配" not in numbers


def test_admin_search_box_hint_in_english(client, make):
    _staff(client, make)
    html = client.get("/admin/enterprises/?lang=en").get_data(as_text=True)
    assert "names match anywhere" in html and "名称按包含匹配" not in html


def test_enterprise_filter_finds_a_name_by_its_middle(client, make):
    from tests.collection import builders_aggregation as agg
    from tests.test_admin_audit import _filter_arg
    _staff(client, make)
    clock.set_fixed_now("2026-04-02T10:00:00")
    south = agg.party(make, name_zh="深圳市华南进出口贸易有限公司")
    north = agg.party(make, name_zh="北京长城实业有限公司")
    heads = {agg.cleared_list(who.enterprise, [agg.item()]).center_no: who for who in (south, north)}
    arg = _filter_arg(client.application, "list_heads", "enterprise_id", "EnterpriseFilter")
    html = client.get(f"/admin/list_heads/?flt0_{arg}=华南进出口").get_data(as_text=True)
    shown = {number for number in heads if number in html}
    assert shown == {n for n, who in heads.items() if who is south}
