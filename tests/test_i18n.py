"""Chinese by default, English on request (X-4): pages via `?lang=en`, the API via Accept-Language; rule
messages keep their rule id and field in both languages; the committed catalogue is complete and compiled."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from rules.violations import Violation

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "portal" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None,
            "lazy_gettext": None, "N_": None}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---- pages -----------------------------------------------------------------------------------------

def test_pages_are_chinese_by_default_X_4(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "全部应用" in html and "All services" not in html
    assert ">English</a>" in html  # the switch offers the other language


def test_home_page_in_english_X_4(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    text = _visible_text(html)
    assert '<html lang="en">' in html
    assert "All services" in text and "Service catalog:" in text and "Log in" in text
    assert "全部应用" not in text and "本门户未提供" not in text
    assert ">中文</a>" in html


def test_english_is_remembered_in_the_session_until_switched_back_X_4(client):
    client.get("/?lang=en")
    assert "User login" in client.get("/login").get_data(as_text=True)
    client.get("/?lang=zh")
    assert "用户登录" in client.get("/login").get_data(as_text=True)


def test_login_page_in_english_X_4(client):
    text = _visible_text(client.get("/login?lang=en").get_data(as_text=True))
    for label in ("User login", "Account login", "Card login", "Username", "Password", "Card PIN"):
        assert label in text
    assert not HAN.search(text.replace("中文", "")), text


def test_page_form_refusal_in_english_keeps_rule_ids_X_4(client):
    from tests.factories import csrf_token
    response = client.post("/register?lang=en", data={"uscc": "123", "csrf_token": csrf_token(client, "/register")})
    text = _visible_text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Q-7" in text and "Unified social credit code must have 18 characters (it has 3)" in text
    assert "U-1" in text and "Enterprise Chinese name must not be empty" in text


def test_rule_error_page_in_english_shows_rule_id_and_field_X_4(client, make):
    user = make.user(make.enterprise(), role="ent_admin", perm_module_c=True)
    make.login(client, card=make.card(user))
    url = "/collection/statistics/print.pdf?from=2026-13-01&group_by=nope"
    english = _visible_text(client.get(url + "&lang=en").get_data(as_text=True))
    response = client.get(url + "&lang=zh")
    chinese = _visible_text(response.get_data(as_text=True))
    assert response.status_code == 422
    for text in (english, chinese):
        assert "C-26" in text and "from" in text and "group_by" in text
    assert "Date must be in the format YYYY-MM-DD" in english
    assert "Unsupported grouping dimension: nope" in english  # a composed message, matched by its pattern
    assert "日期格式应为 YYYY-MM-DD" in chinese and "不支持的统计维度：nope" in chinese


def test_status_names_on_pages_follow_the_language_X_4(client, make):
    user = make.user(make.enterprise(), role="ent_admin")
    make.login(client, user=user)
    english = _visible_text(client.get("/q/applications?lang=en").get_data(as_text=True))
    assert "Application query" in english and "Draft" in english and "Declared" in english
    chinese = _visible_text(client.get("/q/applications?lang=zh").get_data(as_text=True))
    assert "申请单查询" in chinese and "暂存" in chinese


# ---- rendering violations --------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "english"), [
    ("用户名或密码错误", "Wrong username or password"),
    ("统一社会信用代码应为18位，当前为17位", "Unified social credit code must have 18 characters (it has 17)"),
    ("管理人员信息第2行：姓名不能为空", "Management personnel row 2: Name must not be empty"),
])
def test_violation_messages_render_in_english_X_4(app, message, english):
    from portal.i18n import violation_message
    with app.test_request_context("/?lang=en"):
        assert violation_message(Violation("Q-7", "uscc", message)) == english
    with app.test_request_context("/"):
        assert violation_message(Violation("Q-7", "uscc", message)) == message


def test_violation_without_english_keeps_rule_field_and_original_X_4(app):
    from portal.i18n import violation_message
    with app.test_request_context("/?lang=en"):
        text = violation_message(Violation("Q-4", "qualification_types", "一条尚无译文的消息"))
    assert text == "Rule Q-4 violated on field qualification_types (一条尚无译文的消息)"


# ---- API -------------------------------------------------------------------------------------------

def test_api_errors_are_chinese_by_default_X_4(client):
    body = client.post("/api/v1/tokens", json={"username": "nobody", "password": "wrong-1"}).get_json()
    assert body["error"]["message"] == "用户名或密码错误"
    assert body["error"]["violations"] == [{"rule": "U-2", "field": "username", "message": "用户名或密码错误"}]


def test_api_errors_in_english_with_accept_language_X_4_A_2(client):
    headers = {"Accept-Language": "en-US,en;q=0.9"}
    body = client.post("/api/v1/tokens", json={"username": "nobody", "password": "wrong-1"},
                       headers=headers).get_json()
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"] == "Wrong username or password"
    assert body["error"]["violations"] == [
        {"rule": "U-2", "field": "username", "message": "Wrong username or password"}]
    missing = client.post("/api/v1/tokens", data="not json", headers=headers).get_json()
    assert missing["error"]["violations"][0]["rule"] == "A-2"
    assert missing["error"]["violations"][0]["message"] == "The request body must be a JSON object"


def test_api_keeps_chinese_for_a_chinese_accept_language_X_4(client):
    body = client.get("/api/v1/applications", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).get_json()
    assert body["error"]["message"] == "未登录或令牌无效"


def test_openapi_documents_the_accept_language_switch_A_3_X_4(client):
    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    assert "Accept-Language: en" in description and "Chinese by default" in description


# ---- admin -----------------------------------------------------------------------------------------

def test_admin_follows_the_portal_language_X_4(client, make):
    make.login(client, user=make.user(None, role="staff"))
    html = client.get("/admin/enterprises/?lang=en").get_data(as_text=True)
    english = _visible_text(html)
    assert ">中文</a>" in html  # the switch back
    assert "Unified social credit code" in english  # our column labels (admin_views/labels.py)
    assert "There are no items in the table." in english  # Flask-Admin's own chrome
    chinese = _visible_text(client.get("/admin/enterprises/?lang=zh").get_data(as_text=True))
    assert "统一社会信用代码" in chinese and "表中没有任何记录" in chinese


# ---- the catalogue ---------------------------------------------------------------------------------

def test_every_catalogue_entry_is_translated_X_4():
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == [], "translate these in messages.po, then run bash scripts/translations.sh"
    inconsistent = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert inconsistent == []  # e.g. a %(name)s placeholder missing from the English


def test_catalogue_covers_every_source_text_X_4():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = {(context, message if isinstance(message, str) else message[0])
                 for _file, _line, message, _comments, context in extract_from_dir(
                     str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    known = {(m.context, m.id) for m in _catalog() if m.id}
    assert sorted(extracted - known) == [], "new texts: run bash scripts/translations.sh and translate them"


def test_compiled_catalogue_matches_the_po_file_X_4():
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    assert MO.read_bytes() == compiled.getvalue(), "messages.mo is stale: run bash scripts/translations.sh --compile"
