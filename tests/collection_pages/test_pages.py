"""The module C enterprise pages through the test client with CSRF tokens (seed 004; C-2..C-25, U-5)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.collection import aggregation, declarations
from portal.extensions import db
from portal.models import ChangeRequest, CollectionFiling, ListHead, Product, ProductVolume
from tests.collection import builders_aggregation as agg
from tests.collection import builders_lists as b
from tests.factories import csrf_token

NOW = "2026-04-02T10:00:00"
STATIC_PAGES = ("/c/", "/c/filings", "/c/filings/new", "/c/filings/changes", "/c/filings/products", "/c/lists",
                "/c/lists/new?list_type=EXPORT_BONDED", "/c/lists/import", "/c/change-requests/new",
                "/c/change-requests", "/c/change-requests?type=MODIFY", "/c/aggregation", "/c/declarations",
                "/c/declarations?mode=advanced", "/c/mappings")


@pytest.fixture(autouse=True)
def _clock():
    clock.set_fixed_now(NOW)


def card_login(make, client, customs: str = "5300") -> b.Trader:
    """Create an enterprise with a valid IE qualification and log its admin in with a card."""
    who = b.trader(make, client, customs)
    make.login(client, card=who.card)
    return who


def post(client, url: str, data: dict, token_url: str | None = None, **kwargs):
    """POST a form with the CSRF token printed on the page it comes from."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_url or url)}, **kwargs)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def error_beside(html: str, field_id: str) -> str:
    """Return the errors printed right after the input with this id (the red text beside the field)."""
    match = re.search(rf'id="{re.escape(field_id)}"[^>]*>(?:[^<]*</textarea>)?\s*'
                      rf'(?:<div class="sw-hint">[^<]*</div>\s*)?((?:<div class="sw-error">.*?</div>\s*)+)', html, re.S)
    return match.group(1) if match else ""


def list_form(filing_no: str, items, action: str = "save", **head) -> dict:
    """Return the posted fields of the 集报清单 form: head inputs and items[i].field rows."""
    data = {"action": action, "list_type": "IMPORT_GENERAL", "customs_code": "5300", "filing_no": filing_no,
            "transport_mode": "4", "packages": "3", "gross_weight": "120.5", "net_weight": "100", **head}
    for index, item in enumerate(items):
        for name, value in item.items():
            data[f"items[{index}].{name}"] = str(value)
    return data


@pytest.mark.parametrize("url", STATIC_PAGES)
def test_every_page_renders_for_a_card_login_U_5(make, client, url):
    card_login(make, client)
    response = client.get(url)
    assert response.status_code == 200, url
    html = text_of(response)
    assert 'id="collection-menu"' in html and "集中申报" in html
    assert 'id="nav-module-c"' in html  # the top bar dropdown (_enterprise_nav.html)


def test_record_pages_render_for_a_card_login_U_5(make, client):
    who = card_login(make, client)
    filing = b.filing(who.enterprise)
    volume = b.volume(filing)
    saved = post(client, "/c/lists/new", list_form(volume.customs_volume_no, [b.item(1)]), "/c/lists/new")
    number = saved.headers["Location"].rsplit("/", 1)[1]
    for url in (f"/c/filings/{filing.center_no}", f"/c/volumes/{volume.volume_no}", f"/c/lists/{number}",
                f"/c/filings/{filing.center_no}/change", f"/c/filings/{filing.center_no}/extension",
                f"/c/mappings?by=list&no={number}"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/c/filings/{filing.center_no}/print.pdf").data.startswith(b"%PDF")
    assert client.get(f"/c/lists/{number}/print.pdf").data.startswith(b"%PDF")


@pytest.mark.parametrize("url", STATIC_PAGES)
def test_account_login_gets_the_card_login_page_with_403_U_5(make, client, url):
    enterprise = make.enterprise(registration_code="4403000001")
    make.qualification(enterprise, "IE")
    make.login(client, user=make.user(enterprise))
    response = client.get(url)
    assert response.status_code == 403
    html = text_of(response)
    assert "集中申报需使用卡介质登录" in html and "U-5" in html and 'id="card-required"' in html


def test_account_login_cannot_post_a_filing_U_5(make, client):
    enterprise = make.enterprise(registration_code="4403000002")
    make.qualification(enterprise, "IE")
    make.login(client, user=make.user(enterprise))
    response = post(client, "/c/filings/new", {"customs_code": "5300", "goods_nature": "GENERAL", "action": "save"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CollectionFiling)) == 0


def test_visitor_is_sent_to_the_login_page(client):
    response = client.get("/c/lists")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_saving_a_filing_through_the_form_fills_code_and_name_C_2(make, client):
    who = card_login(make, client)
    response = post(client, "/c/filings/new", {"customs_code": "5300", "goods_nature": "GENERAL", "ie_batches": "12",
                                               "guarantee_amount": "50", "guarantee_valid_until": "20271231",
                                               "action": "save"})
    assert response.status_code == 302
    filing = db.session.scalar(select(CollectionFiling).where(CollectionFiling.enterprise_id == who.enterprise.id))
    assert filing.status == "ENTERED" and len(filing.center_no) == 18
    assert filing.enterprise_customs_code == who.enterprise.registration_code
    assert filing.enterprise_name == who.enterprise.name_zh and filing.ie_batches == 12
    html = text_of(client.get(response.headers["Location"]))
    assert "暂存成功" in html and filing.center_no in html
    assert re.search(r'id="sys-enterprise_customs_code" type="text" value="' + who.enterprise.registration_code, html)
    assert 'name="enterprise_customs_code"' not in html  # system-filled fields are never posted


def test_filing_form_shows_the_yyyymmdd_refusal_beside_the_field_C_2(make, client):
    card_login(make, client)
    response = post(client, "/c/filings/new", {"customs_code": "5300", "goods_nature": "GENERAL",
                                               "guarantee_valid_until": "20270230", "action": "save"})
    assert response.status_code == 422
    html = text_of(response)
    assert "C-2" in error_beside(html, "f-guarantee_valid_until") and "yyyyMMdd" in html
    assert 'id="error-summary"' in html and 'value="20270230"' in html  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(CollectionFiling)) == 0


def test_declaring_a_filing_through_the_form_C_3(make, client):
    card_login(make, client)
    saved = post(client, "/c/filings/new", {"customs_code": "5300", "goods_nature": "GENERAL", "action": "save"})
    url = saved.headers["Location"]
    declared = post(client, url, {"customs_code": "5300", "goods_nature": "GENERAL", "action": "declare"})
    assert declared.status_code == 302
    html = text_of(client.get(url))
    assert "申报成功" in html and 'id="read-only-note"' in html and 'id="btn-save"' not in html


def test_adding_120_products_shows_two_volumes_of_99_and_21_C_4(make, client):
    who = card_login(make, client)
    filing = b.filing(who.enterprise, status="ENTERED")
    data = {"action": "add"}
    for n in range(120):
        data.update({f"items[{n}].hs_code": f"{8471300000 + n:010d}", f"items[{n}].name": f"商品{n + 1}",
                     f"items[{n}].unit": "007"})
    url = f"/c/filings/{filing.center_no}"
    response = post(client, f"{url}/products", data, url)
    assert response.status_code == 302
    html = text_of(client.get(url))
    counts = re.findall(r'<td class="text-right sw-item-count">(\d+)</td>', html)
    assert counts == ["99", "21"]
    first, second = db.session.scalars(select(ProductVolume.volume_no).where(ProductVolume.filing_id == filing.id)
                                       .order_by(ProductVolume.id)).all()
    assert f"第 1–99 项 → 分册 {first}（现有 99 项）" in html and f"第 100–120 项 → 分册 {second}（现有 21 项）" in html


def test_product_rows_with_errors_stay_on_the_form_C_4(make, client):
    who = card_login(make, client)
    filing = b.filing(who.enterprise, status="ENTERED")
    url = f"/c/filings/{filing.center_no}"
    response = post(client, f"{url}/products", {"action": "add", "items[0].hs_code": "12345", "items[0].name": "螺丝",
                                                "items[0].unit": "007"}, url)
    assert response.status_code == 422
    html = text_of(response)
    assert "C-4" in error_beside(html, "f-items-0-hs_code") and 'value="12345"' in html
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_volume_insert_before_and_delete_renumber_C_4(make, client):
    who = card_login(make, client)
    filing = b.filing(who.enterprise, status="ENTERED")
    volume = b.volume(filing, status="ENTERED")
    url = f"/c/volumes/{volume.volume_no}"
    inserted = post(client, f"{url}/items", {"seq": "2", "hs_code": "0101210000", "name": "种马", "unit": "007"}, url)
    assert inserted.status_code == 302
    names = lambda: db.session.scalars(select(Product.name).where(Product.volume_id == volume.id)  # noqa: E731
                                       .order_by(Product.seq)).all()
    assert names() == ["冻鱼", "种马", "笔记本电脑", "热轧钢板"]
    assert post(client, f"{url}/items/1/delete", {}, url).status_code == 302
    db.session.expire_all()
    assert names() == ["种马", "笔记本电脑", "热轧钢板"]
    assert "已删除第 1 项商品" in text_of(client.get(url))


def test_list_form_with_net_over_gross_shows_C_11_beside_the_field(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    data = list_form(volume.customs_volume_no, [b.item(1), b.item(2, qty="3", price="1000")], action="declare",
                     gross_weight="100", net_weight="120")
    response = post(client, "/c/lists/new", data)
    assert response.status_code == 422
    html = text_of(response)
    beside = error_beside(html, "f-net_weight")
    assert "C-11" in beside and "净重不能大于毛重" in beside
    assert re.search(r'class="[^"]*is-invalid[^"]*" id="f-net_weight"', html)
    assert 'id="error-summary"' in html and "申报未成功" in html
    head = db.session.scalar(select(ListHead).where(ListHead.enterprise_id == who.enterprise.id))
    assert head.status == 1 and len(head.items) == 2  # kept as a draft (暂存) although the declare was refused
    assert 'value="0303890000"' in html  # HS code copied from the filed item, grey


def test_list_item_errors_are_shown_in_their_row_C_11(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    data = list_form(volume.customs_volume_no, [b.item(1), b.item(2), b.item(3, qty="0")], action="declare")
    html = text_of(post(client, "/c/lists/new", data))
    assert "C-11" in error_beside(html, "f-items-2-qty") and "表体第 3 项 数量" in html


def test_declared_list_is_read_only_with_copy_and_print_C_14(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    data = list_form(volume.customs_volume_no, [b.item(1)], action="declare")
    response = post(client, "/c/lists/new", data)
    assert response.status_code == 302, text_of(response)[:2000]
    url = response.headers["Location"]
    html = text_of(client.get(url))
    assert "2 已申报" in html and 'id="read-only-note"' in html
    assert 'id="btn-save"' not in html and 'id="btn-copy"' in html and 'id="btn-print"' in html
    assert 'name="items[0].qty"' not in html
    copied = post(client, url + "/copy", {}, url)
    assert copied.status_code == 302 and copied.headers["Location"] != url
    assert post(client, url, list_form(volume.customs_volume_no, [b.item(1)]), url).status_code == 409


def test_modify_request_records_old_and_new_values_C_17(make, client):
    who = card_login(make, client)
    volume = b.volume(b.filing(who.enterprise))
    saved = post(client, "/c/lists/new", list_form(volume.customs_volume_no, [b.item(1)]), "/c/lists/new")
    head = db.session.scalar(select(ListHead).where(ListHead.enterprise_id == who.enterprise.id))
    head.status = 7
    db.session.commit()
    url = f"/c/lists/{head.center_no}/change-request?type=MODIFY"
    assert saved.status_code == 302 and client.get(url).status_code == 200
    refused = post(client, url, {"changes.packages": "5", "reason": "", "contact": "张三", "phone": "abc"})
    assert refused.status_code == 422
    html = text_of(refused)
    assert "C-17" in error_beside(html, "f-reason") and 'value="5"' in html
    done = post(client, url, {"changes.packages": "5", "changes.items[0].qty": "12",
                              "changes.items[0].unit_price": "2.5", "reason": "件数录错", "contact": "张三",
                              "phone": "13800138000", "action": "declare"})
    assert done.status_code == 302
    change = db.session.scalar(select(ChangeRequest))
    assert change.status == "DECLARED"
    assert change.changes == [{"field": "packages", "old": 3, "new": 5},
                              {"field": "items[0].qty", "old": "10", "new": "12"}]
    html = text_of(client.get(done.headers["Location"]))
    assert "表体第 1 项 数量" in html and "件数" in html
    again = client.get(url)
    assert again.status_code == 302  # one open request per list (C-16)


def test_change_request_query_needs_the_type_C_18(make, client):
    card_login(make, client)
    response = client.get("/c/change-requests?type=&status=")
    assert response.status_code == 422 and "C-18" in text_of(response) and "修撤单类型为必选项" in text_of(response)
    assert client.get("/c/change-requests?type=REVOKE").status_code == 200


def test_aggregation_page_refuses_a_status_7_list_C_19(make, client):
    who = card_login(make, client)
    accepted = agg.cleared_list(who.enterprise, [agg.item()], status=7)
    response = post(client, "/c/aggregation", {"list_nos": accepted.center_no, "agent_mode": "none"})
    assert response.status_code == 422
    html = text_of(response)
    assert "C-19" in html and f"清单 {accepted.center_no} 不是已结关状态，不能汇总" in html
    assert agg.status_of(accepted) == 7


def test_aggregation_page_aggregates_cleared_lists_and_flags_overdue_C_19_C_20(make, client):
    who = card_login(make, client)
    cleared = agg.cleared_list(who.enterprise, [agg.item()], declared=clock.today().replace(month=2, day=3))
    page = text_of(client.get("/c/aggregation"))
    assert cleared.center_no in page and "逾期未汇总" in page  # February lists are due by 10 March
    agent = agg.party(make, qualification="CB")
    found = client.get(f"/c/aggregation/agent?code={agent.enterprise.registration_code}").json
    assert found == {"found": True, "name": agent.enterprise.name_zh, "code": agent.enterprise.registration_code}
    assert client.get("/c/aggregation/agent?code=123").json["found"] is False
    response = post(client, "/c/aggregation", {"list_nos": cleared.center_no, "agent_mode": "agent",
                                               "agent_code": agent.enterprise.registration_code})
    assert response.status_code == 302
    assert "汇总成功" in text_of(client.get(response.headers["Location"]))
    assert agg.status_of(cleared) == 12


def aggregated_declaration(make, who) -> str:
    """Aggregate one cleared list of `who` (agent 不指定) and return the declaration's unified no."""
    head = agg.cleared_list(who.enterprise, [agg.item(), agg.item(qty="2")])
    aggregation.request_aggregation(db.session, who.identity, [head.center_no], None)
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    return agg.declarations_of(who.enterprise)[0].unified_no


def test_declaration_query_detail_declare_print_and_export_C_24_C_25(make, client):
    who = card_login(make, client)
    number = aggregated_declaration(make, who)
    listing = text_of(client.get("/c/declarations?role=CONSIGNEE&ie=I"))
    assert number in listing
    assert number in text_of(client.get(f"/c/declarations?mode=advanced&no={number}"))
    detail = text_of(client.get(f"/c/declarations/{number}"))
    assert 'id="btn-declare"' in detail and 'id="btn-export"' in detail
    url = f"/c/declarations/{number}"
    assert post(client, f"{url}/declare", {}, url).status_code == 302
    assert "已申报" in text_of(client.get(url))
    assert client.get(f"{url}/print.pdf").data.startswith(b"%PDF")
    exported = client.get(f"{url}/lists.csv").get_data(as_text=True)
    assert exported.lstrip("\ufeff").startswith("清单中心统一编号") and number in exported
    mapping = text_of(client.get(f"/c/mappings?by=declaration&no={number}"))
    assert mapping.count(f">{number}</a>") == 2  # both list items map to it, item by item


def test_named_agent_declares_prints_the_notice_but_cannot_export_C_24(make, client):
    owner = b.trader(make, client)
    agent = card_login(make, client)
    make.qualification(agent.enterprise, "CB")
    head = agg.cleared_list(owner.enterprise, [agg.item()])
    aggregation.request_aggregation(db.session, owner.identity, [head.center_no], agent.enterprise.registration_code)
    db.session.commit()
    aggregation.process_pending_aggregations(db.session)
    number = agg.declarations_of(owner.enterprise)[0].unified_no
    assert number in text_of(client.get("/c/declarations"))  # 企业类别 defaults to 报关申报单位
    url = f"/c/declarations/{number}"
    detail = text_of(client.get(url))
    assert 'id="btn-declare"' in detail and 'id="btn-export"' not in detail and 'id="btn-notice"' not in detail
    assert post(client, f"{url}/declare", {}, url).status_code == 302
    assert client.get(f"{url}/lists.csv").status_code == 403
    declarations.conclude_declaration(db.session, agg.declarations_of(owner.enterprise)[0])
    db.session.commit()
    assert 'id="btn-notice"' in text_of(client.get(url))
    assert client.get(f"{url}/receipt-notice.pdf").data.startswith(b"%PDF")


def test_another_enterprises_list_and_declaration_are_404(make, client):
    owner = b.trader(make, client)
    head = agg.cleared_list(owner.enterprise, [agg.item()])
    owner_party = agg.Party(owner.enterprise, owner.user, owner.card, owner.identity, None)
    number = aggregated_declaration(make, owner_party)
    card_login(make, client)
    for url in (f"/c/lists/{head.center_no}", f"/c/declarations/{number}", f"/c/lists/{head.center_no}/print.pdf",
                f"/c/declarations/{number}/lists.csv", f"/c/lists/{head.center_no}/change-request"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/c/lists")
    assert client.post(f"/c/lists/{head.center_no}/copy", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/c/declarations/{number}/declare", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/c/mappings?by=list&no={head.center_no}").status_code == 404


def test_posts_without_a_csrf_token_are_refused(make, client):
    card_login(make, client)
    response = client.post("/c/filings/new", data={"customs_code": "5300", "goods_nature": "GENERAL"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CollectionFiling)) == 0
