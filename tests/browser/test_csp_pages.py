"""Every admin page under the nonce CSP (no 'unsafe-inline' script) in headless Chromium: no CSP violation,
no script error, and the behaviour that used inline handlers still works (issue 13 item 9)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _watch(page) -> list:
    problems = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


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


def test_bulk_action_menu_and_delete_confirmation_work_without_inline_handlers(staff_page, make):
    make.enterprise("深圳市批量操作有限公司")
    dialogs = []
    staff_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    staff_page.goto("/admin/enterprises/")
    staff_page.click("a.dropdown-toggle:has-text('选择')") if staff_page.locator(
        "a.dropdown-toggle:has-text('选择')").count() else staff_page.locator("a[data-toggle=dropdown]").last.click()
    staff_page.locator("[data-action=delete]").click()
    assert dialogs, "the bulk action did not run (no 'select a record' alert)"
    dialogs.clear()
    staff_page.locator("td.list-buttons-column form button").first.click()
    assert dialogs, "delete asked no confirmation"
    assert "企业" in staff_page.content()  # dismissed: still on the list, nothing deleted
