"""Walk the README's five-minute tour in headless Chromium against a portal started by scripts/start.sh.

    .venv/bin/python scripts/tour.py http://127.0.0.1:5000                       # check the tour
    .venv/bin/python scripts/tour.py http://127.0.0.1:5000 --shots docs/screenshots  # and save screenshots

Run it on fresh demo data (right after `bash scripts/start.sh`): each role logs in through the login
page and clicks what the README's tour says, and the script checks that what the tour promises
happens — a filing approved by the simulated customs, lists cleared and aggregated into a
declaration, tables exported — and that the whole walk takes under five minutes. Exit code 0 = the
tour works. Uses Debian's /usr/bin/chromium (CHROMIUM_PATH), never a downloaded browser.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
PASSWORD, PIN = "Demo2026pass", "123456"
LIMIT_SECONDS = 300


class Tour:
    def __init__(self, browser, base: str, shots: Path | None):
        self.browser, self.base, self.shots = browser, base, shots
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:5.0f}s] {text}", flush=True)

    def page(self):
        context = self.browser.new_context(base_url=self.base, viewport={"width": 1280, "height": 800},
                                           locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(20_000)
        return context.new_page()

    def shot(self, page, name: str) -> None:
        """Save the visible part of the page as NAME.png, reduced to a 128-colour palette (small files)."""
        if self.shots is None:
            return
        from io import BytesIO

        from PIL import Image
        image = Image.open(BytesIO(page.screenshot())).convert("RGB")
        image.quantize(colors=128).save(self.shots / f"{name}.png", optimize=True)

    def login(self, page, username: str) -> None:
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("#login-account")

    def card_login(self, page, card_no: str, shot: str | None = None) -> None:
        page.goto("/login")
        page.get_by_role("tab", name="卡介质登录").click()
        page.fill("#card_no", card_no)
        page.fill("#pin", PIN)
        if shot:
            self.shot(page, shot)
        with page.expect_navigation():
            page.click("#login-card")

    @staticmethod
    def export(page, url: str) -> list[str]:
        """Follow an export link of the page's list (as its 导出 menu does); return the CSV lines."""
        with page.expect_download() as download:
            page.evaluate("url => { const a = document.createElement('a'); a.href = url;"
                          " document.body.appendChild(a); a.click(); }", url)
        return Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()

    def wait_for_text(self, page, locator: str, text: str, seconds: int) -> None:
        """Reload the page until `locator` shows `text` (the simulated customs works every 10 s)."""
        deadline = time.monotonic() + seconds
        while text not in (page.locator(locator).first.inner_text() if page.locator(locator).count() else ""):
            if time.monotonic() > deadline:
                raise AssertionError(f"{page.url}: {locator} never showed {text!r} within {seconds}s")
            time.sleep(3)
            page.reload()


def submit_filing(tour: Tour):
    """Enterprise admin, legal-person card: submit the prepared IE filing."""
    page = tour.page()
    tour.card_login(page, "DEMO03LEGAL", shot="01-login-card")
    page.goto("/q/applications")
    page.get_by_role("link", name="编辑").first.click()
    expect(page.locator("#application-status")).to_have_text("暂存")
    tour.shot(page, "02-filing-draft")
    page.click("#btn-submit")
    expect(page.locator("#application-status")).to_have_text("申报成功")
    tour.say("enterprise admin (card DEMO03LEGAL): filing submitted — 申报成功")
    return page


def declare_list(tour: Tour):
    """Operator card: declare the prepared 集报清单; customs clears it."""
    page = tour.page()
    tour.card_login(page, "DEMO01OPER")
    page.goto("/c/lists")
    row = page.locator("tr", has_text="1 暂存").first
    center_no = row.locator("td").first.inner_text().strip()
    row.get_by_role("link", name="编辑").click()
    page.click("#btn-declare")
    expect(page.locator(".alert-success")).to_contain_text("申报成功")
    tour.say(f"operator (card DEMO01OPER): list {center_no} declared")
    return page, center_no


def account_tour(tour: Tour) -> None:
    """Account login: the catalog, module Q overview and users; module C asks for the card (U-5)."""
    page = tour.page()
    tour.login(page, "huanan_admin")
    page.goto("/?q=集中申报")
    expect(page.locator("body")).to_contain_text("集报清单汇总")
    tour.shot(page, "10-account-catalog")
    page.goto("/q/")
    expect(page.locator("body")).to_contain_text("进出口货物收发货人")
    tour.shot(page, "11-account-qualifications")
    page.get_by_role("link", name="用户与卡管理").click()
    expect(page.locator("body")).to_contain_text("huanan_op")
    page.goto("/c/")
    expect(page.locator("body")).to_contain_text("卡")
    tour.shot(page, "12-account-module-c-needs-card")
    tour.say("account login (huanan_admin): catalog, qualifications, users and cards, module C asks for the card")
    page.context.close()


def aggregate(tour: Tour, page, center_no: str) -> None:
    """Operator: wait until the list is cleared, aggregate, open the declaration, export its lists."""
    page.goto("/c/lists")
    tour.wait_for_text(page, f"tr:has-text('{center_no}')", "15 已结关", 90)
    tour.say(f"operator: list {center_no} cleared (2 → 7 → 15)")
    tour.shot(page, "20-operator-lists-cleared")
    page.goto("/c/aggregation")
    page.check(f"#pick-{center_no}")
    page.check("#check-all")
    tour.shot(page, "21-operator-aggregation")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#btn-aggregate")
    expect(page.locator(".alert-success")).to_contain_text("汇总申请")
    tour.wait_for_text(page, "#aggregation-requests tbody tr", "D20", 60)
    tour.shot(page, "22-operator-aggregated")
    page.locator("#aggregation-requests tbody tr").first.get_by_role("link", name=re.compile("^D")).first.click()
    expect(page.locator("#declaration-items")).to_be_visible()
    with page.expect_download() as download:
        page.click("#btn-export")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert center_no in text, "the exported lists name the aggregated list"
    unified_no = page.url.rsplit("/", 1)[-1]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#btn-declare")
    expect(page.locator(".alert-success")).to_be_visible()
    tour.shot(page, "23-operator-declaration")
    tour.say(f"operator: aggregated into {unified_no}, its lists exported ({len(text.splitlines()) - 1} CSV rows),"
             f" declared")
    page.context.close()


def filing_approved(tour: Tour, page) -> None:
    tour.wait_for_text(page, "#application-status", "审批通过", 120)
    tour.shot(page, "03-filing-approved")
    page.goto("/q/")
    expect(page.locator("body")).to_contain_text("进出口货物收发货人")
    tour.shot(page, "04-qualification-valid")
    tour.say("enterprise admin: filing 审批通过 — the qualification is valid")
    page.context.close()


def staff_tour(tour: Tour) -> None:
    page = tour.page()
    tour.login(page, "staff")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#customs-now-button")).to_be_visible()
    tour.shot(page, "30-staff-home")
    page.click("#customs-now-button")
    flashed = page.locator(".alert", has_text="立即运行模拟海关")
    expect(flashed).to_contain_text(re.compile(r"处理 [1-9]\d* 条"))
    outcome = flashed.inner_text().strip(" ×\n")
    tour.shot(page, "31-staff-customs-now")
    page.goto("/admin/qualification-review/")
    tour.shot(page, "32-staff-review")
    page.goto("/admin/list_heads/")
    rows = tour.export(page, "/admin/list_heads/export/csv/")
    assert len(rows) >= 2, "the list register exports its rows"
    tour.shot(page, "33-staff-lists")
    tour.say(f"staff: run customs now ({outcome}), review screen, lists exported "
             f"({len(rows) - 1} rows)")
    page.context.close()


def auditor_tour(tour: Tour) -> None:
    page = tour.page()
    tour.login(page, "auditor")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#customs-now-button")).to_have_count(0)
    page.goto("/admin/audit_log/")
    tour.shot(page, "40-auditor-audit-log")
    rows = tour.export(page, "/admin/audit_log/export/csv/")
    assert len(rows) >= 2, "the audit log exports its rows"
    tour.say(f"auditor: read-only admin, audit log exported ({len(rows) - 1} rows)")
    page.context.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the running portal, e.g. http://127.0.0.1:5000")
    parser.add_argument("--shots", type=Path, help="folder to save the screenshots in")
    args = parser.parse_args(argv)
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tour = Tour(browser, args.base.rstrip("/"), args.shots)
        filing_page = submit_filing(tour)
        account_tour(tour)
        filing_approved(tour, filing_page)  # decided by the scheduler's simulated customs, no one clicks
        list_page, center_no = declare_list(tour)
        staff_tour(tour)  # "run customs now" clears the list at once
        aggregate(tour, list_page, center_no)
        auditor_tour(tour)
        browser.close()
    elapsed = time.monotonic() - tour.started
    tour.say(f"tour done in {elapsed:.0f}s")
    return 0 if elapsed <= LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
