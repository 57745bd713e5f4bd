"""Fixtures for the browser tests of the extension's views, on the tutorial app
(``examples/tutorial/app.py``, the seeds' Item app made safe by ``DeletionViews``).

- ``tutorial`` (package): the tutorial imported as ``tests/ext/test_tutorial.py`` does, bound by
  ``DATABASE_URL`` to a temporary SQLite file, served by werkzeug's ``make_server`` on a free
  127.0.0.1 port in a thread.
- ``app_data`` (each test): empties the tables; returns the :class:`Tutorial`, which also reads
  the database the server writes.
- ``chromium`` (package): Debian's Chromium (never a downloaded browser); ``new_page(js=…,
  viewport=…)`` opens a page in a fresh context (own cookies). A failing test keeps each page's
  screenshot and HTML in its ``tmp_path``.
- ``axe_script``: ``node_modules/axe-core/axe.min.js``, installed by ``make browser``.

Without Chromium or axe-core the tests skip, saying what to run, unless
``TOMBSTONE_REQUIRE_SERVERS`` is set (as in CI), where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy import select, text
from werkzeug.serving import make_server

from dbs import servers_required
from flask_tombstone import Operation

ROOT = Path(__file__).parents[2]
TUTORIAL = ROOT / "examples" / "tutorial" / "app.py"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("TOMBSTONE_CHROMIUM", "/usr/bin/chromium")
# Only localhost is reachable: without these flags Chromium keeps trying Google's services.
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
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def missing(message: str) -> None:
    """Skip, or fail where the servers (and so the browser) are required."""
    if servers_required():
        pytest.fail(message + " (TOMBSTONE_REQUIRE_SERVERS is set)", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Op:
    id: int
    kind: str
    status: str
    ref_op: int | None
    reason: str | None


@dataclass(frozen=True)
class Tutorial:
    """The running tutorial app and a reader of its database (a fresh session per call)."""

    module: ModuleType
    url: str  # http://127.0.0.1:<port>

    def _rows(self, query: Any) -> list[Any]:
        db = self.module.db
        with self.module.app.app_context():
            rows = list(db.session.execute(query.execution_options(include_deleted=True)))
            db.session.remove()
            return rows

    def items(self) -> dict[str, str]:
        """``{name: "live" | "trashed"}`` of every item row."""
        item = self.module.Item
        return {
            name: "live" if deleted_at is None else "trashed"
            for name, deleted_at in self._rows(select(item.name, item.deleted_at))
        }

    def live(self) -> list[str]:
        return sorted(name for name, state in self.items().items() if state == "live")

    def id_of(self, name: str) -> int:
        item = self.module.Item
        ((ident,),) = self._rows(select(item.id).where(item.name == name))
        return int(ident)

    def operations(self) -> list[Op]:
        query = select(
            Operation.id, Operation.kind, Operation.status, Operation.ref_op, Operation.reason
        ).order_by(Operation.id)
        return [Op(*row) for row in self._rows(query)]

    def empty(self) -> None:
        with self.module.app.app_context():
            engine = self.module.db.engine
            with engine.begin() as connection:
                for table in reversed(self.module.db.metadata.sorted_tables):
                    connection.execute(text(f"DELETE FROM {table.name}"))


@pytest.fixture(scope="package")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    tmp = tmp_path_factory.mktemp("tutorial-browser")
    name = f"tutorial_browser_{uuid.uuid4().hex[:8]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite:///{tmp / 'items.sqlite'}")
        spec = importlib.util.spec_from_file_location(name, TUTORIAL)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    http = make_server("127.0.0.1", 0, module.app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="tutorial-http", daemon=True)
    thread.start()
    try:
        yield Tutorial(module=module, url=f"http://127.0.0.1:{http.server_port}")
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)
        with module.app.app_context():
            module.db.session.remove()
            module.db.engine.dispose()
        sys.modules.pop(name, None)


@pytest.fixture
def app_data(tutorial: Tutorial) -> Tutorial:
    """The tutorial with empty tables (the server keeps running)."""
    tutorial.empty()
    return tutorial


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        missing(f"Chromium is not installed at {CHROMIUM} (`make browser` installs it)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def axe_script() -> Path:
    if not AXE.is_file():
        missing(f"axe-core is not installed at {AXE.relative_to(ROOT)} (`make browser` runs npm)")
    return AXE


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def new_page(
    chromium: Browser, tutorial: Tutorial, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Page]]:
    """``new_page(js=True, viewport=DESKTOP, **context_options)``: a page in a new context."""
    contexts: list[BrowserContext] = []

    def factory(*, js: bool = True, **options: Any) -> Page:
        options.setdefault("viewport", DESKTOP)
        context = chromium.new_context(
            base_url=tutorial.url, java_script_enabled=js, locale="en-GB", **options
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


@pytest.fixture(scope="package")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``docs/screenshots`` with ``TOMBSTONE_SCREENSHOTS=1``, else a temporary directory."""
    if os.environ.get("TOMBSTONE_SCREENSHOTS", "") not in ("", "0"):
        target = ROOT / "docs" / "screenshots"
        target.mkdir(exist_ok=True)
        return target
    return tmp_path_factory.mktemp("screenshots")
