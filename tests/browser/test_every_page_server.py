"""Every admin and portal page the browser walks (test_every_page.py) answers through the test client on
this run's database, with the demo's records behind it, in both languages (X-4): the walk's pages are
checked for what a browser shows on SQLite; this checks that each one renders on PostgreSQL too."""
from __future__ import annotations

import pytest

from portal.extensions import db
from tests.browser.pages import admin_pages, page_path, portal_pages, read_only_form


def _open_all(client, paths, lang: str) -> list[str]:
    problems = []
    client.get(f"/?lang={lang}")
    for entry in paths:
        path = page_path(entry)
        response = client.get(path)
        if read_only_form(path, response.status_code):
            continue
        if response.status_code != 200:
            problems.append(f"{path}: HTTP {response.status_code}")
    return problems


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_admin_and_portal_page_answers_with_the_demo_records_X_4(app, demo, make, lang):
    from portal.models import Card, User
    from seed.demo import PASSWORD, PIN
    staff = app.test_client()
    make.login(staff, user=db.session.query(User).filter_by(username="staff").one(), password=PASSWORD)
    paths = admin_pages(app, db.session.query(User).filter_by(username="staff").one())
    assert len(paths) > 100
    problems = _open_all(staff, paths, lang)
    unfilled = None
    for card_no in ("DEMO01LEGAL", "DEMO03LEGAL"):
        card = db.session.query(Card).filter_by(card_no=card_no).one()
        trader = app.test_client()
        make.login(trader, card=card, pin=PIN)
        pages, unfilled = portal_pages(app, card.user.enterprise_id, only=unfilled)
        problems += _open_all(trader, pages, lang)
    assert not unfilled, f"add an ARGUMENT_SOURCES entry (tests/browser/pages.py) for: {unfilled}"
    assert not problems, "\n".join(problems)
