"""The htmx enhancements in Chromium: inline delete in a dialog, the fading row, the undo
toast, the CSRF header; and the same links without JavaScript, which fall back to pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .support import Rows, log_in, preview_counts, ready, row_of, toast

pytestmark = pytest.mark.browser

ITEM = "New landing page"  # in "Website relaunch", with two comments

# Records whether the row got htmx's swapping class, and its transition, while it went away
# (the fade lasts 400 ms: polling for it from the test would be a race).
WATCH_FADE = """(id) => {
  const row = document.getElementById(id);
  window.fade = {seen: false, transition: ""};
  new MutationObserver(() => {
    if (row.classList.contains("htmx-swapping") && !window.fade.seen) {
      const style = getComputedStyle(row);
      window.fade = {seen: true, transition: style.transitionProperty + " " +
                     style.transitionDuration};
    }
  }).observe(row, {attributes: true, attributeFilter: ["class"]});
}"""


def test_inline_delete_in_a_dialog_then_undo_from_the_toast(page: Page, demo_data: Rows) -> None:
    item_id = demo_data.id_of("Item", ITEM)
    log_in(page, "alice")
    page.get_by_role("link", name="Items").click()
    ready(page, page.get_by_role("heading", name="Items", level=1))
    row = page.locator(f"#item-{item_id}")
    expect(row).to_contain_text(ITEM)
    page.evaluate(WATCH_FADE, f"item-{item_id}")

    row.get_by_role("link", name="Delete").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=1)).to_have_text(f"Delete item “{ITEM}”?")
    assert preview_counts(dialog) == {"Item": 1, "Comment": 2}
    expect(dialog.get_by_label("Reason")).to_be_focused()
    dialog.get_by_label("Reason").fill("covered by the new site")
    hx_headers = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")

    with page.expect_response(re.compile(rf"/items/{item_id}/delete$")) as answer:
        dialog.get_by_role("button", name="Delete", exact=True).click()
    headers = answer.value.request.all_headers()
    assert answer.value.request.method == "POST"
    assert headers["hx-request"] == "true"
    assert headers["x-csrftoken"] == hx_headers["X-CSRFToken"]  # the token in a header

    notice = toast(page, f"Deleted item “{ITEM}” with 2 comments.")
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/items$"))  # no page load: htmx swapped the row
    assert page.evaluate("window.fade") == {"seen": True, "transition": "opacity 0.4s"}
    expect(page.locator("table.list tbody tr")).to_have_count(10)
    assert demo_data.state("Item", ITEM) == "trashed"
    assert demo_data.state("Comment", "Looks great, ship it!") == "trashed"
    (deletion,) = demo_data.operations()
    assert (deletion.counts, deletion.reason) == (
        {"Item": 1, "Comment": 2},
        "covered by the new site",
    )

    notice.get_by_role("button", name="Undo").click()  # htmx posts, then reloads the page
    expect(page.locator(".flashes")).to_contain_text("Restored 1 item and 2 comments.")
    expect(row).to_contain_text(ITEM)
    expect(page.locator("table.list tbody tr")).to_have_count(11)
    assert demo_data.state("Item", ITEM) == "live"
    assert demo_data.state("Comment", "Looks great, ship it!") == "live"
    assert [op.kind for op in demo_data.operations()] == ["delete", "restore"]


def test_cancelling_the_dialog_changes_nothing(page: Page, demo_data: Rows) -> None:
    log_in(page, "alice")
    page.get_by_role("link", name="Items").click()
    ready(page, page.get_by_role("heading", name="Items", level=1))
    row = row_of(page, ITEM)
    dialog = page.locator("#confirm-dialog")

    row.get_by_role("link", name="Delete").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    row.get_by_role("link", name="Delete").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    expect(row).to_be_visible()
    expect(page.locator("#toasts .toast")).to_have_count(0)
    assert demo_data.state("Item", ITEM) == "live"
    assert demo_data.operations() == []


def test_dialog_shows_what_changed_meanwhile(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    alice, bob = new_page(), new_page()
    log_in(alice, "alice")
    alice.get_by_role("link", name="Items").click()
    ready(alice, alice.get_by_role("heading", name="Items", level=1))
    row_of(alice, ITEM).get_by_role("link", name="Delete").click()
    dialog = alice.locator("#confirm-dialog")
    assert preview_counts(dialog) == {"Item": 1, "Comment": 2}

    log_in(bob, "bob")  # meanwhile, bob comments on the item
    bob.goto(f"/items/{demo_data.id_of('Item', ITEM)}")
    bob.get_by_placeholder("Write a comment…").fill("Wait, I am still on it!")
    bob.get_by_role("button", name="Comment").click()
    expect(bob.locator(".comment").filter(has_text="Wait, I am still on it!")).to_be_visible()

    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("Something changed since you looked")
    assert preview_counts(dialog) == {"Item": 1, "Comment": 3}
    assert demo_data.state("Item", ITEM) == "live"
    assert demo_data.operations() == []

    dialog.get_by_role("button", name="Delete", exact=True).click()  # confirmed again
    toast(alice, f"Deleted item “{ITEM}” with 3 comments.")
    expect(dialog).to_be_hidden()
    assert demo_data.state("Comment", "Wait, I am still on it!") == "trashed"


def _delete_in_two_tabs(new_page: Callable[..., Page]) -> Page:
    """alice opens the dialog for ITEM in one tab, deletes ITEM in another, then confirms in
    the first; returns the first tab."""
    first, second = new_page(), new_page()
    for tab in (first, second):
        log_in(tab, "alice")
        tab.get_by_role("link", name="Items").click()
        ready(tab, tab.get_by_role("heading", name="Items", level=1))
    row_of(first, ITEM).get_by_role("link", name="Delete").click()
    dialog = first.locator("#confirm-dialog")
    expect(dialog).to_be_visible()

    row_of(second, ITEM).get_by_role("link", name="Delete").click()
    second.locator("#confirm-dialog").get_by_role("button", name="Delete", exact=True).click()
    toast(second, f"Deleted item “{ITEM}”")

    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(first.locator("#toasts .toast-error")).to_contain_text(
        "That item was already deleted: it is in the trash."
    )
    return first


def test_inline_delete_of_a_row_already_deleted_elsewhere(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    _delete_in_two_tabs(new_page)
    assert demo_data.state("Item", ITEM) == "trashed"
    assert [op.kind for op in demo_data.operations()] == ["delete"]  # not twice


def test_an_error_toast_is_not_hidden_behind_the_dialog(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    first = _delete_in_two_tabs(new_page)
    expect(first.locator("#confirm-dialog")).to_be_hidden(timeout=2000)
    first.locator("#toasts .toast-error").get_by_role("button", name="Dismiss").click()
    expect(first.locator("#toasts .toast-error")).to_have_count(0)


def test_row_delete_links_work_without_javascript(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    person = new_page(js=False)
    log_in(person, "alice")
    person.get_by_role("link", name="Website relaunch").click()
    project_url = person.url
    row_of(person, ITEM).get_by_role("link", name="Delete").click()

    expect(person).to_have_url(re.compile(r"/items/\d+/delete\?next="))
    expect(person.get_by_role("heading", level=1)).to_have_text(f"Delete item “{ITEM}”?")
    assert preview_counts(person) == {"Item": 1, "Comment": 2}
    person.get_by_role("button", name="Delete", exact=True).click()

    notice = toast(person, f"Deleted item “{ITEM}” with 2 comments.")
    expect(person).to_have_url(project_url)  # next= brought it back to the list it came from
    expect(row_of(person, ITEM)).to_have_count(0)
    assert demo_data.state("Item", ITEM) == "trashed"

    with person.expect_request(re.compile(r"/operations/\d+/undo$")) as undo:
        notice.get_by_role("button", name="Undo").click()
    assert "hx-request" not in undo.value.all_headers()  # a plain form post
    expect(person.locator(".flashes")).to_contain_text("Restored 1 item and 2 comments.")
    expect(person).to_have_url(project_url)
    expect(row_of(person, ITEM)).to_be_visible()
    assert demo_data.state("Item", ITEM) == "live"
