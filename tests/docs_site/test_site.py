"""The documentation site: it builds with warnings as errors, its reference covers every public
name, every configuration key and every command, and its pages render in Chromium.

The site is built once per run into a temporary directory, by ``sphinx-build`` in a process
of its own (as ``make docs`` runs it), in ~10-30 s.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

import flask_tombstone
import flask_tombstone.core
from dbs import servers_required
from flask_tombstone.cli import tombstone_cli
from flask_tombstone.extension import CONFIG_DEFAULTS
from flask_tombstone.views import VIEWS_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TAG = re.compile(r"<[^>]+>")
CHROMIUM = os.environ.get("TOMBSTONE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/browser: no network but the pages on disk
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site (what ``make docs`` builds, into a temporary directory)."""
    out = tmp_path_factory.mktemp("docs-site")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html"]
    result = subprocess.run(
        [*command, str(DOCS), str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert "WARNING" not in result.stderr, result.stderr[-5000:]
    return out


def inventory(site: Path) -> dict[str, str]:
    """``{"domain:role name": uri}`` from the site's ``objects.inv`` (format 2)."""
    raw = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # "# Sphinx inventory version 2", project, version, "zlib" line
        header_end = raw.index(b"\n", header_end) + 1
    entries: dict[str, str] = {}
    for line in zlib.decompress(raw[header_end:]).decode().splitlines():
        name, role, _priority, uri, *_ = line.split(" ", 4)
        if name.startswith("'") or ":" not in role:
            continue
        entries[f"{role} {name}"] = uri
    return entries


def test_site_builds_with_every_page(site: Path) -> None:
    pages = {path.stem for path in DOCS.glob("*.md")} | {path.stem for path in DOCS.glob("*.rst")}
    built = {path.stem for path in site.glob("*.html")}
    assert pages <= built, pages - built
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Safe, reversible, audited deletion" in index  # the README's opening
    changelog = (site / "changelog.html").read_text(encoding="utf-8")
    assert "0.1.0" in changelog and "Unreleased" in changelog


def test_reference_documents_every_public_name(site: Path) -> None:
    documented = {key.split(" ", 1)[1] for key in inventory(site) if key.startswith("py:")}
    missing = [
        f"flask_tombstone.{name}"
        for name in flask_tombstone.__all__
        if f"flask_tombstone.{name}" not in documented
    ]
    for name in flask_tombstone.core.__all__:
        if name in flask_tombstone.__all__ and name != "Tombstone":
            continue  # documented under flask_tombstone (checked above)
        if f"flask_tombstone.core.{name}" not in documented:
            missing.append(f"flask_tombstone.core.{name}")
    for name in flask_tombstone.views.__all__:
        home = "flask_tombstone.access" if name == "Access" else "flask_tombstone.views"
        if f"{home}.{name}" not in documented:
            missing.append(f"{home}.{name}")
    assert not missing, missing


def test_every_configuration_key_is_documented_from_its_definition(site: Path) -> None:
    keys = {key.split(" ", 1)[1] for key in inventory(site) if key.startswith("std:confval ")}
    assert keys == set(CONFIG_DEFAULTS) | set(VIEWS_DEFAULTS)
    page = (site / "config-keys.html").read_text(encoding="utf-8")
    assert "journal a snapshot of every hard-deleted row".capitalize() in page
    assert "tombstone/layout.html" in page  # a default, as the source writes it


def test_every_command_is_documented(site: Path) -> None:
    page = html.unescape(TAG.sub("", (site / "cli.html").read_text(encoding="utf-8")))
    assert isinstance(tombstone_cli, click.Group)
    for name, command in tombstone_cli.commands.items():
        assert f"flask tombstone {name} [OPTIONS]" in page, name
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert parameter.opts[0] in page, (name, parameter.opts)


# -- in Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        message = f"Chromium is not installed at {CHROMIUM} (`make browser` installs it)"
        if servers_required():
            pytest.fail(message + " (TOMBSTONE_REQUIRE_SERVERS is set)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.browser
def test_quickstart_and_reference_render(site: Path, browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto((site / "quickstart.html").as_uri())
        expect(page.get_by_role("heading", name="Quickstart", level=1)).to_be_visible()
        expect(
            page.get_by_text("DeletionViews(app, tombstone, models=[Item])").first
        ).to_be_visible()
        # The theme's stylesheet applied (a page without it has browser-default fonts).
        family = page.eval_on_selector("body", "e => getComputedStyle(e).fontFamily")
        assert "Atkinson" in family or "serif" not in family.split(",")[0], family

        page.goto((site / "reference.html").as_uri())
        expect(page.get_by_role("heading", name="API reference", level=1)).to_be_visible()
        entry = page.locator("dt[id='flask_tombstone.core.Tombstone.delete']")
        expect(entry).to_be_visible()
        expect(entry).to_contain_text("delete(")
        extension = page.locator("dt[id='flask_tombstone.Tombstone']")
        expect(extension).to_contain_text("Tombstone(")
    finally:
        context.close()
