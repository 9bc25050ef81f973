"""Every portal and admin page in both languages (X-4, issue 14): it opens without an error, English mode
shows no Chinese outside data, every button and badge reads at WCAG AA contrast, and a screenshot of it
is kept (artifacts/screenshots/pages/<lang>-<width>/) for a person to look at.

Data is what users and reference tables hold (names, addresses, code names): templates mark it with the
attribute data-sw-data; a code followed by its name ("5300 深圳海关") counts as data too, and so does
what a form field holds (a textarea, a chosen record). The language switch names the other language in
that language (lang="zh"). One browser and one tab serve each test.
"""
from __future__ import annotations

import os
import re

import pytest

from portal.extensions import db
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import admin_pages, page_path, portal_pages, read_only_form

# The walks check what the browser shows (templates, translations, contrast), the same on both databases:
# they run on SQLite; test_every_page_server.py opens the same pages on both databases.
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                 reason="browser walk runs on SQLite; test_every_page_server.py covers PostgreSQL")]
# The admin walk is cut in parts (every PARTS-th page each) so that the two test workers share it.
PARTS = 4

# Screenshots: Chinese at the laptop and the wide-screen width, English at the laptop width.
WIDTHS = {"zh": (1366, 1920), "en": (1366,)}
LAPTOP = 1366
CHINESE_OUTSIDE_DATA = r"""() => {
  const han = /[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]/;
  const codeAndName = /^[A-Za-z0-9_.\-]+ \S/;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !han.test(text) || codeAndName.test(text)) continue;
    if (element.closest('[data-sw-data], [lang="zh"], script, style, noscript, template, textarea')) continue;
    const chosen = element.closest('.select2-chosen');  // a chosen record's name, unless the placeholder
    if (chosen && !chosen.closest('.select2-default')) continue;
    found.push(element.tagName.toLowerCase() + ': ' + text.slice(0, 50));
  }
  for (const field of document.querySelectorAll('[placeholder], [title]')) {
    for (const attribute of ['placeholder', 'title']) {
      const text = field.getAttribute(attribute) || '';
      if (han.test(text) && !field.closest('[data-sw-data]')) found.push(attribute + ': ' + text.slice(0, 50));
    }
  }
  return found;
}"""
LOW_CONTRAST = r"""() => {
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgb(getComputedStyle(e).backgroundColor);
      if (colour.length === 3 || (colour.length === 4 && colour[3] > 0.5)) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const element of document.querySelectorAll('.btn, .badge, .nav-link, .page-link, .navbar-text')) {
    const style = getComputedStyle(element);
    if (!element.offsetParent || element.matches('.disabled, :disabled') || element.closest('.disabled')
        || !element.textContent.trim()) continue;
    const fore = rgb(style.color), back = background(element);
    const [light, dark] = [luminance(fore.slice(0, 3)), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) low.push(`${element.textContent.trim().slice(0, 30)} ${ratio.toFixed(2)}:1`);
  }
  return low;
}"""


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"


def _walk(page, paths: list, lang: str) -> list[str]:
    """Open each page (a path, or a (URL rule, path) pair) in `lang`, check it, screenshot it at each width;
    return what is wrong."""
    problems = []
    page.goto(f"/?lang={lang}")
    for entry in paths:
        path = page_path(entry)
        response = page.goto(path)
        if response is not None and read_only_form(path, response.status):
            continue
        if response is None or response.status != 200:
            problems.append(f"{path}: HTTP {response.status if response else '—'}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if lang == "en":
            problems += [f"{path}: Chinese outside data: {text}" for text in page.evaluate(CHINESE_OUTSIDE_DATA)]
        problems += [f"{path}: contrast below 4.5:1: {text}" for text in page.evaluate(LOW_CONTRAST)]
        for width in WIDTHS[lang]:
            page.set_viewport_size({"width": width, "height": 900})
            folder = SCREENSHOTS / "pages" / f"{lang}-{width}"
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{_slug(path)}.jpg"), type="jpeg", quality=75,
                            full_page=width == LAPTOP)
        if page.viewport_size["width"] != LAPTOP:
            page.set_viewport_size({"width": LAPTOP, "height": 900})
    return problems


def _login(page, field: str, secret_field: str, login: str, secret: str, button: str) -> None:
    page.goto("/login")
    page.evaluate("document.querySelectorAll('.tab-pane').forEach(p => p.classList.add('show', 'active'))")
    page.fill(field, login)
    page.fill(secret_field, secret)
    with page.expect_navigation():
        page.click(button)


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_admin_page_opens_in_its_language_X_4(page, app, demo, lang, part):
    from portal.models import User
    from seed.demo import PASSWORD
    _login(page, "#username", "#password", "staff", PASSWORD, "#login-account")
    with app.app_context():
        paths = admin_pages(app, db.session.query(User).filter_by(username="staff").one())
    assert len(paths) > 100  # every register's list, details, forms and the screens
    problems = _walk(page, paths[part::PARTS], lang)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_portal_page_opens_in_its_language_X_4(page, app, demo, lang):
    """The public pages, then every page as the legal card of 华南 (module C records), then the pages
    华南 has no record for as the legal card of 新创 (its filing draft)."""
    from seed.demo import PIN
    problems = _walk(page, ["/login", "/register"], lang)
    unfilled = None
    for card in ("DEMO01LEGAL", "DEMO03LEGAL"):
        page.context.clear_cookies()
        _login(page, "#card_no", "#pin", card, PIN, "#login-card")
        with app.app_context():
            paths, unfilled = portal_pages(app, _enterprise_of(card), only=unfilled)
        problems += _walk(page, paths, lang)
    assert not unfilled, f"add an ARGUMENT_SOURCES entry (tests/browser/pages.py) for: {unfilled}"
    assert not problems, "\n".join(problems)


def _enterprise_of(card_no: str) -> int:
    from portal.models import Card
    return db.session.query(Card).filter_by(card_no=card_no).one().user.enterprise_id
