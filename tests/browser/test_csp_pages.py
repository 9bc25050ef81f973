"""Every admin page under the nonce CSP (no 'unsafe-inline' script) in headless Chromium: no CSP violation,
no script error, and the behaviour that used inline handlers still works (issue 13 item 9)."""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser


def _watch(page) -> list:
    problems = []
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text[:90]}")
            if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text) else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="a browser check of the templates; test_every_page_server.py opens the pages on PostgreSQL")
def test_every_admin_list_and_form_page_runs_under_the_csp(app, staff_page, make):
    make.enterprise("深圳市内容安全策略有限公司")
    problems = _watch(staff_page)
    urls = ["/admin/", "/"] + [view.url.rstrip("/") + "/" for view in app.extensions["admin"][0]._views
                               if getattr(view, "url", None) and view.url != "/admin"]
    urls += ["/admin/enterprises/details/?id=%d" % make.enterprise().id, "/admin/codes_customs/new/"]
    for url in urls:
        response = staff_page.goto(url)
        assert response.status < 500, url
    assert not problems, problems[:10]


def test_bulk_action_menu_and_delete_confirmation_work_without_inline_handlers(staff_page):
    dialogs = []
    staff_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    staff_page.goto("/admin/codes_customs/")
    staff_page.locator("li.dropdown:has([data-action]) > a").click()
    staff_page.locator("[data-action=delete]").click()
    staff_page.wait_for_timeout(300)
    assert dialogs, "the bulk action did not run (no 'select a record' alert)"
    dialogs.clear()
    rows = staff_page.locator("table.model-list tbody tr").count()
    staff_page.locator("td.list-buttons-column form button").first.click()
    staff_page.wait_for_timeout(300)
    assert dialogs, "delete asked no confirmation"
    assert staff_page.locator("table.model-list tbody tr").count() == rows  # dismissed: nothing deleted
