"""Open redirects: every client-chosen return target (`next` of the login, the admin's `url`) goes through
one check, `portal.redirects.is_local_path` (issue 13 item 1)."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD, csrf_token

# Each of these leaves the site in some browser, or breaks the Location header.
HOSTILE_TARGETS = ["/\t/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example", "/\n/x",
                   "/\r\nSet-Cookie: a=b", "https://evil.example/", "http:/\\evil.example", "javascript:alert(1)",
                   " //evil.example", "/ /evil.example", "/\x00/evil.example", "evil.example", "", None]
LOCAL_TARGETS = ["/", "/q/", "/admin/users/?page=2&sort=1", "/c/lists?cursor=10#top", "/q/%2F%2Fx"]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_hostile_targets_are_not_local_paths(target):
    from portal.redirects import is_local_path, safe_redirect_target
    assert not is_local_path(target)
    assert safe_redirect_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", LOCAL_TARGETS)
def test_local_paths_are_kept(target):
    from portal.redirects import safe_redirect_target
    assert safe_redirect_target(target, "/home") == target


def _login(client, user, next_value):
    return client.post("/login", data={"mode": "account", "username": user.username, "password": PASSWORD,
                                       "csrf_token": csrf_token(client, "/login"), "next": next_value})


@pytest.mark.parametrize("next_value", ["/\t/evil.example", "/\n/x", "//evil.example", "/\\evil.example"])
def test_login_next_never_leaves_the_site_nor_answers_500(client, make, next_value):
    user = make.user(make.enterprise(), "ent_admin")
    response = _login(client, user, next_value)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_from_the_query_string_with_a_tab_is_dropped(client, make):
    page = client.get("/login?next=/%09/evil.example").get_data(as_text=True)
    assert "evil.example" not in page
    user = make.user(make.enterprise(), "ent_admin")
    response = _login(client, user, "/\t/evil.example")
    assert "evil" not in response.headers["Location"]


def test_login_next_local_path_is_followed(client, make):
    user = make.user(make.enterprise(), "ent_admin")
    assert _login(client, user, "/q/").headers["Location"] == "/q/"


def test_staff_login_without_next_lands_in_the_admin(client, make):
    response = _login(client, make.user(None, role="staff"), "")
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("url", ["/\t/evil.example", "//evil.example", "https://evil.example/", "/\n/x"])
def test_admin_return_url_must_be_a_local_path(client, make, url):
    make.login(client, user=make.user(None, role="staff"))
    for path in ("/admin/users/new/", "/admin/enterprises/"):
        response = client.get(path, query_string={"url": url})
        assert response.status_code == 400, (path, response.status_code)
        assert "evil" not in response.headers.get("Location", "")


def test_admin_return_url_local_path_still_works(client, make):
    make.login(client, user=make.user(None, role="staff"))
    assert client.get("/admin/users/new/", query_string={"url": "/admin/users/?page=1"}).status_code == 200
