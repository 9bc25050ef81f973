"""Hardening of issue 13 item 9: CSP with nonces, no-store for logged-in users, Allow on 405, case-insensitive
Bearer, a cap on attachments per draft, a clear error for over-long file names, item deletes safe to retry."""
from __future__ import annotations

import re

import pytest

from tests.collection import builders_lists as b
from tests.qualification.conftest import create, filing_body, filer, rules_of, upload  # noqa: F401 (fixture)

PAGES = ["/", "/login", "/admin/", "/admin/list_heads/", "/admin/codes_customs/new/", "/admin/audit_log/",
         "/admin/qualification-review/", "/admin/scheduler/"]


@pytest.fixture
def staff_client(client, make):
    make.login(client, user=make.user(None, "staff"))
    return client


def _script_src(csp: str) -> str:
    return next(part for part in csp.split(";") if part.strip().startswith("script-src"))


@pytest.mark.parametrize("url", PAGES)
def test_csp_has_a_nonce_and_no_unsafe_inline_script(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200, url
    script_src = _script_src(response.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline), (url, inline)
    assert not re.search(r"\son(click|change|submit|load|input)=", html), url


def test_csp_nonce_changes_per_request(client):
    first, second = (_script_src(client.get("/login").headers["Content-Security-Policy"]) for _ in range(2))
    assert first != second


def test_authenticated_pages_are_no_store_public_ones_are_not(client, make):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    make.login(client, user=make.user(None, "staff"))
    for url in ("/", "/admin/", "/admin/list_heads/"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url


def test_static_files_are_cached_for_a_logged_in_user_and_load_no_session(client, make, monkeypatch):
    make.login(client, user=make.user(None, "staff"))
    assert client.get("/admin/").headers.get("Cache-Control") == "no-store"
    from portal.auth import sessions
    looked_up = []
    monkeypatch.setattr(sessions, "live_session", lambda *args: looked_up.append(args))
    for url in ("/static/css/admin.css", "/static/js/admin.js", "/admin/static/admin/js/filters.js"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-cache" or "max-age=3600" in \
            response.headers.get("Cache-Control", ""), (url, response.headers.get("Cache-Control"))
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
    assert not looked_up  # no login-session query for a static file


def test_authenticated_api_answers_are_no_store(client, make):
    headers = make.token(client, user=make.user(make.enterprise(), "ent_admin"))
    assert client.get("/api/v1/me", headers=headers).headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("method, url, allowed", [("put", "/api/v1/tokens", {"POST"}),
                                                  ("delete", "/login", {"GET", "POST"}),
                                                  ("patch", "/api/v1/openapi.json", {"GET"})])
def test_405_names_the_allowed_methods(client, method, url, allowed):
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(client, make, scheme):
    token = make.token(client, user=make.user(make.enterprise(), "ent_admin"))["Authorization"].split(" ", 1)[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"{scheme} {token}"}).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Basic {token}"}).status_code == 401


def test_q18_attachments_per_draft_are_capped_with_the_rule_id(app, client, filer):  # noqa: F811
    app.config["MAX_ATTACHMENTS_PER_APPLICATION"] = 3
    try:
        number = create(client, filer.account, filing_body())
        for _ in range(3):
            assert upload(client, filer.account, number).status_code == 201
        refused = upload(client, filer.account, number)
        assert refused.status_code == 422 and rules_of(refused) == ["Q-18"]
        assert "最多上传 3 个附件" in refused.json["error"]["violations"][0]["message"]
    finally:
        app.config["MAX_ATTACHMENTS_PER_APPLICATION"] = 20


def test_q18_ten_thousand_character_file_name_is_refused_as_too_long(client, filer):  # noqa: F811
    number = create(client, filer.account, filing_body())
    refused = upload(client, filer.account, number, name="扫" * 9996 + ".pdf")
    assert refused.status_code == 422 and rules_of(refused) == ["Q-18"]
    message = refused.json["error"]["violations"][0]["message"]
    assert "文件名过长" in message and "后缀" not in message


def test_c10_retried_item_delete_with_the_list_version_does_not_delete_the_next_item(make, client):
    who, _filing, volume = b.ready(make, client)
    created = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, [b.item(1), b.item(2), b.item(3)]),
                          headers=who.headers)
    center_no = created.json["center_no"]
    version = client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json["version"]
    first = client.delete(f"/api/v1/lists/{center_no}/items/1?version={version}", headers=who.headers)
    assert first.status_code == 200 and [i["filing_seq"] for i in first.json["items"]] == [2, 3]
    retried = client.delete(f"/api/v1/lists/{center_no}/items/1?version={version}", headers=who.headers)
    assert retried.status_code == 409 and retried.json["error"]["violations"][0]["rule"] == "C-10"
    items = client.get(f"/api/v1/lists/{center_no}", headers=who.headers).json["items"]
    assert [i["filing_seq"] for i in items] == [2, 3]


def test_no_template_has_an_inline_event_handler_or_unnonced_inline_script():
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[2] / "portal" / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\son(click|change|submit|load|input|keyup|keydown)=", text):
            offenders.append(str(path))
        offenders += [f"{path}: {attrs}" for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text)
                      if "nonce" not in attrs]
    assert not offenders, offenders
