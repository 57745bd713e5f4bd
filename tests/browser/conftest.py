"""Fixtures for the browser tests: the real app in a real HTTP server, Chromium, and the data.

- ``server`` (package): a Taskboard app on a fresh SQLite database (schema from the Alembic
  migrations) served by werkzeug's ``make_server`` on a free 127.0.0.1 port, in a thread.
- ``demo_data`` (each test): empties the tables and loads the demo data (``taskboard.demo``:
  alice the admin, bob and carol, three projects with items, comments and tags); returns a
  :class:`~browser.support.Rows` reader of the database.
- ``chromium`` (package): one Debian Chromium for all these tests; ``new_page(js=…)`` opens a
  page in a fresh context (own cookies), JavaScript on or off; ``page`` is one with JavaScript.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from dbs import servers_required
from taskboard import create_app, demo
from taskboard.extensions import db

from .support import Rows, Server

# The Taskboard test helpers (configuration, emptying tables) live next to the HTTP tests.
sys.path.append(str(Path(__file__).parents[1] / "app"))
from taskboard_support import config_for, empty_tables

CHROMIUM = os.environ.get("TOMBSTONE_CHROMIUM", "/usr/bin/chromium")
# No network here but localhost: without the background-networking flags Chromium keeps
# trying to reach Google's services. --headless is also what Playwright passes.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # one page or one assertion; generous for a loaded 2-core machine
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("taskboard-browser")
    app = create_app(
        config_for(f"sqlite:///{tmp / 'taskboard.sqlite'}", tmp, TASKBOARD_PER_PAGE=20)
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="taskboard-http", daemon=True)
    thread.start()
    try:
        yield Server(app=app, url=f"http://127.0.0.1:{http.server_port}")
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def demo_data(server: Server) -> Rows:
    """Fresh demo data for this test (the server keeps running)."""
    empty_tables(server.app.config["SQLALCHEMY_DATABASE_URI"])
    with server.app.app_context():
        demo.load()
        db.session.commit()
    return Rows(server.app)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        message = f"Chromium is not installed at {CHROMIUM} (`make browser` installs it)"
        if servers_required():
            pytest.fail(message + " (TOMBSTONE_REQUIRE_SERVERS is set)", pytrace=False)
        pytest.skip(message)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(
    chromium: Browser, server: Server, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Page]]:
    """``new_page(js=True, **context_options)``: a page in a fresh browser context.

    When the test fails, each page's screenshot and HTML are kept in the test's ``tmp_path``.
    """
    contexts: list[BrowserContext] = []

    def factory(*, js: bool = True, **options: Any) -> Page:
        options.setdefault("viewport", DESKTOP)
        context = chromium.new_context(
            base_url=server.url, java_script_enabled=js, locale="en-GB", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield factory
    if request.node.stash.get(FAILED, False):
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                stem = tmp_path / f"failure-{n}-{m}"
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
                print(f"browser page {page.url} kept in {stem}.png / .html")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop page with JavaScript on."""
    return new_page()


@pytest.fixture(scope="package")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``docs/screenshots`` with ``TOMBSTONE_SCREENSHOTS=1``, else a temporary directory."""
    if os.environ.get("TOMBSTONE_SCREENSHOTS", "") not in ("", "0"):
        target = Path(__file__).parents[2] / "docs" / "screenshots"
        target.mkdir(exist_ok=True)
        return target
    return tmp_path_factory.mktemp("screenshots")
