"""Helpers for the browser tests of the views: adding items, notices, focus, axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

CONFIRM_REASON = "Why (optional, kept in the log)"
SERIOUS = ("serious", "critical")


def ready(page: Page, anchor: Locator) -> None:
    """Wait until ``anchor`` is visible and its page has loaded (deferred scripts run, htmx
    ready: a boosted form clicked before that is posted as a plain form)."""
    expect(anchor).to_be_visible()
    page.wait_for_load_state("load")


def add_item(page: Page, name: str) -> None:
    """Add an item through the list's form, as a person would."""
    page.get_by_label("New item").fill(name)
    page.get_by_role("button", name="Add", exact=True).click()
    ready(page, page.get_by_role("link", name=f"Delete {name}", exact=True))


def confirm_page(page: Page, name: str) -> None:
    """From the list, open ``name``'s confirmation page with its row's Delete button."""
    page.get_by_role("link", name=f"Delete {name}", exact=True).click()
    heading = page.get_by_role("heading", name=f"Delete item “{name}”?", level=1)
    ready(page, heading)


def notice(page: Page, text: str) -> Locator:
    """The visible notice containing ``text`` (the page it is on loaded)."""
    found = page.locator(".tombstone-notice").filter(has_text=text)
    ready(page, found)
    return found


def table_rows(page: Page, text: str) -> Locator:
    """The rows of the trash's or the log's table containing ``text``."""
    return page.locator("table.tombstone-table tbody tr").filter(has_text=text)


def focused(page: Page) -> str:
    """What has the keyboard focus, as ``"tag: accessible name"`` (aria-label, else text)."""
    name: str = page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return "body";
            const label = e.getAttribute("aria-label") || e.labels?.[0]?.textContent
                || e.textContent || "";
            return e.tagName.toLowerCase() + ": " + label.trim().replace(/\\s+/g, " ");
        }"""
    )
    return name


def tab_to(page: Page, target: str, *, limit: int) -> int:
    """Press Tab until ``target`` (as :func:`focused` says it) has the focus; the number of
    presses (0 when it had it already). Fails after ``limit`` presses."""
    seen = [focused(page)]
    for presses in range(limit + 1):
        if seen[-1] == target:
            return presses
        if presses < limit:
            page.keyboard.press("Tab")
            seen.append(focused(page))
    raise AssertionError(f"{target!r} not reached in {limit} Tabs; focus went {seen}")


def horizontal_overflow(page: Page) -> int:
    """By how many CSS pixels the page is wider than the viewport (0: no sideways scroll)."""
    extra: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return extra


def axe(page: Page, script: Path) -> list[dict[str, Any]]:
    """Run axe-core (injected into the page, once per document) on the whole page; its
    violations as ``{"id", "impact", "help", "nodes": [selector, ...]}``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(script))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                resultTypes: ["violations"], rules: {"target-size": {enabled: true}},
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return violations


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in SERIOUS]
