"""The service catalog data file made from seed 003 (SPEC K-1), and the parser's pure helpers."""
from pathlib import Path

import pytest

from seed.catalog_file import CATALOG_FILE, catalog_csv, count_catalog, read_catalog
from seed.catalog_rows import join_rows
from seed.catalog_text import is_agency


@pytest.fixture(scope="module")
def catalog():
    return read_catalog()


def find(catalog, category_name, item_name=None):
    category = next(c for c in catalog if c["name"] == category_name)
    if item_name is None:
        return category
    return next(i for i in category["items"] if i["name"] == item_name)


def test_k1_data_file_totals_are_those_of_seed_003(catalog):
    assert count_catalog(catalog) == {"categories": 19, "items": 99, "services": 392, "functions": 781}


def test_k1_data_file_is_inside_the_repository_and_names_its_source():
    repository = CATALOG_FILE.resolve().parents[2]
    assert (repository / "wsgi.py").exists()
    header = [line for line in CATALOG_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("seed 003 (003_" in line and "SHA-256" in line for line in header)
    assert any("19 categories, 99 items, 392 services, 781 functions" in line for line in header)


def test_k1_data_file_round_trips(catalog, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(catalog_csv(catalog, ["test"]), encoding="utf-8")
    assert read_catalog(path) == catalog


def test_k1_sequence_numbers_run_from_one_without_gaps(catalog):
    assert [c["seq"] for c in catalog] == list(range(1, 20))
    for category in catalog:
        assert [i["seq"] for i in category["items"]] == list(range(1, len(category["items"]) + 1))
        for item in category["items"]:
            assert [s["seq"] for s in item["services"]] == list(range(1, len(item["services"]) + 1))


def test_k1_every_service_has_a_name_and_functions(catalog):
    for category in catalog:
        for item in category["items"]:
            for service in item["services"]:
                assert service["name"] and service["functions"], (category["name"], item["name"])
                assert all(f and "\t" not in f for f in service["functions"])


def test_k1_categories_are_those_of_the_seed(catalog):
    names = [c["name"] for c in catalog]
    assert names[:3] == ["货物申报", "舱单申报", "运输工具"]
    assert names[8] == "加工贸易（保税）"
    assert names[-1] == "移动应用"


def test_k1_centralized_declaration_item_lists_its_services(catalog):
    item = find(catalog, "货物申报", "集中申报")
    assert item["seq"] == 2
    services = {s["name"]: s for s in item["services"]}
    assert list(services) == ["集报备案", "集报清单", "集报修撤单", "集报清单汇总", "查询统计", "集中申报（导入）"]
    assert services["集报清单汇总"]["functions"] == ["集报清单汇总"]
    assert services["集报备案"]["functions"] == ["企业资质备案、企业资质变更", "企业商品信息备案"]
    assert services["集报修撤单"]["functions"] == ["修改申请、撤销申请、修撤状态查询"]


def test_k1_wrapped_names_are_joined(catalog):
    items = [i["name"] for i in find(catalog, "监管证件")["items"]]
    assert "进口广播电影电视节目带（片）提取单申请" in items
    assert "人类遗传资源材料出口、出境证明" in items
    services = [s["name"] for s in find(catalog, "舱单申报", "铁路舱单")["services"]]
    assert "铁路舱单传输人权限管理" in services


def test_k1_items_named_out_of_zone_order_land_on_the_right_rows(catalog):
    transport = [i["name"] for i in find(catalog, "运输工具")["items"]]
    assert transport == ["水运", "空运", "公路", "铁路"]
    assert find(catalog, "监管证件")["items"][0]["name"] == "农药进出口登记管理放行通知单"


def test_k1_one_number_covering_several_named_services_keeps_them_all(catalog):
    item = find(catalog, "海南自贸港", "海南零关税设备、交通工具及游艇业务办理")
    assert [s["name"] for s in item["services"]] == [
        "账户管理", "转让登记", "转移登记", "贷款抵押登记", "提前解除监管", "特殊情况转让", "查询"]
    assert item["services"][0]["functions"] == ["账户新建、账户修改"]


def test_k1_functions_follow_their_service(catalog):
    refunds = {s["name"]: s["functions"] for s in find(catalog, "出口退税", "退税业务办理")["services"]}
    assert all(f.startswith(("退税申报", "跨境应税", "代办退税", "周边业务", "单证", "备案", "其他",
                             "进料加工", "报关单")) for f in refunds["退税数据采集"])
    assert all("反馈处理" in f for f in refunds["反馈处理"])
    assert all("申报" in f for f in refunds["退税业务申报"])


def test_k1_agencies(catalog):
    assert find(catalog, "舱单申报")["agency"] == "海关总署"
    assert find(catalog, "监管证件", "古生物化石出境申请")["agency"] == "自然资源部"
    assert find(catalog, "监管证件", "引进林木种子、苗木检疫审批单")["agency"] == "国家林业和草原局"
    assert "商务部" in find(catalog, "监管证件")["agency"]


@pytest.mark.parametrize("lines, rows", [
    (["修改申请、撤销申请、数据查询、确认查", "询"], ["修改申请、撤销申请、数据查询、确认查询"]),
    (["企业注册、事业单位注册、境外企业注册", "、个人用户注册"], ["企业注册、事业单位注册、境外企业注册、个人用户注册"]),
    (["海关原产地证书申请查询、协定税率查询", "证书量及占比统计、录入员工作量统计"],
     ["海关原产地证书申请查询、协定税率查询", "证书量及占比统计、录入员工作量统计"]),
    (["进口公路舱单跨境快速通关报关整合申报", "进境公路舱单跨境快速通关备案清单整合"],
     ["进口公路舱单跨境快速通关报关整合申报", "进境公路舱单跨境快速通关备案清单整合"]),
])
def test_wrapped_function_lines_are_joined_into_rows(lines, rows):
    assert join_rows(lines) == rows


@pytest.mark.parametrize("text, expected", [
    ("海关总署", True), ("国家林业和草原局", True), ("人民银行", True), ("海关总署（国口办）", True),
    ("数据授权签署", False), ("凭保放行", False), ("查询统计", False),
])
def test_agency_names_are_recognised(text, expected):
    assert is_agency(text) is expected


def test_k1_nothing_outside_the_repository_is_read_at_run_time():
    """Only the one-off maker of the data file (and the parser it uses) may name seed 003's folder."""
    repository = CATALOG_FILE.resolve().parents[2]
    makers = {repository / "seed" / "make_catalog.py", repository / "seed" / "catalog.py"}
    wording = ("SHARED_DIR", "../shared/seeds", '"shared"', "'shared'", "parent / \"shared\"")
    found = []
    for folder in ("portal", "seed", "scheduler", "admin_views", "rules", "tests", "scripts", "deploy"):
        for path in (repository / folder).rglob("*"):
            if path.suffix not in {".py", ".sh", ".html", ".example", ".service"} or path in makers:
                continue
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(repository)}: {word}" for word in wording
                      if word in text and path != Path(__file__)]
    assert found == []
