"""Browser fixtures: the real app served on a free loopback port, Debian's Chromium driven by Playwright.

The server shares the test run's database with the `make` fixture: records a test builds are committed
before the page asks for them. Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


class QuietRequestHandler(WSGIRequestHandler):
    """Serve requests without an access-log line each (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the test app on 127.0.0.1 and a free port in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's headless Chromium once per worker (skipped off CI when it is not installed)."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: run `bash scripts/install.sh` (apt package chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own cookies) at a desktop size whose relative URLs resolve to the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot():
    """Return a function that saves a screenshot (whole page by default) as artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return save


@pytest.fixture
def login_as(page):
    """Return a function that logs a user in through the login page's account tab."""
    from tests.factories import PASSWORD

    def login(user, password: str = PASSWORD):
        page.goto("/login")
        page.fill("#username", user.username)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("#login-account")
    return login


@pytest.fixture
def staff_page(page, make, login_as):
    """A page logged in as the staff member `clerk` (王科员) through the login page."""
    login_as(make.user(None, role="staff", username="clerk", name="王科员"))
    return page


@pytest.fixture
def demo(app):
    """The demo's enterprises, users, cards and records, after one pass of the simulated customs."""
    from portal.extensions import db
    with app.app_context():
        from scheduler import jobs
        from seed.demo import load_demo
        load_demo(db.session)
        jobs.advance(db.session)
        db.session.commit()
        yield
        db.session.remove()
