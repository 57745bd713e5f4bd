"""The htmx enhancements in Chromium, on Taskboard's lists: a row's Delete opens the extension's
confirmation page in a dialog, the confirmed delete brings the list back fresh (counts
included) with Undo focused, refusals stay in the dialog, a row deleted elsewhere is said so
and leaves the list; and the same links without JavaScript, which fall back to pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .support import Rows, log_in, preview_counts, ready, row_of, toast

pytestmark = pytest.mark.browser

ITEM = "New landing page"  # in "Website relaunch", with two comments
REASON = "Why (optional, kept in the log)"


def items_list(page: Page) -> None:
    page.get_by_role("link", name="Items").click()
    ready(page, page.get_by_role("heading", name="Items", level=1))


def test_inline_delete_in_a_dialog_then_undo(page: Page, demo_data: Rows) -> None:
    item_id = demo_data.id_of("Item", ITEM)
    log_in(page, "alice")
    items_list(page)
    row = page.locator(f"#item-{item_id}")
    expect(row).to_contain_text(ITEM)
    expect(page.get_by_text("Delete all 11 matching this filter…")).to_be_visible()

    row.get_by_role("link", name=f"Delete {ITEM}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=1)).to_have_text(f"Delete item “{ITEM}”?")
    assert preview_counts(dialog) == {"Comments": 2}
    # The focus is on the action, not on the optional reason box.
    expect(dialog.get_by_role("button", name="Delete item", exact=True)).to_be_focused()
    dialog.get_by_label(REASON).fill("covered by the new site")
    hx_headers = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")

    with page.expect_response(re.compile(rf"/items/{item_id}/delete$")) as answer:
        dialog.get_by_role("button", name="Delete item", exact=True).click()
    headers = answer.value.request.all_headers()
    assert answer.value.request.method == "POST"
    assert headers["hx-request"] == "true"
    assert headers["x-csrftoken"] == hx_headers["X-CSRFToken"]  # the token in a header

    # Back on the list, fresh: the row gone, the counts new, Undo focused.
    notice = toast(page, f"Deleted item “{ITEM}” with 2 comments.")
    expect(page).to_have_url(re.compile(r"/items$"))
    expect(row).to_have_count(0)
    expect(page.locator("table.list tbody tr")).to_have_count(10)
    expect(page.get_by_text("Delete all 10 matching this filter…")).to_be_visible()
    undo = notice.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    assert demo_data.state("Item", ITEM) == "trashed"
    assert demo_data.state("Comment", "Looks great, ship it!") == "trashed"
    (deletion,) = demo_data.operations()
    assert (deletion.counts, deletion.reason) == (
        {"Item": 1, "Comment": 2},
        "covered by the new site",
    )

    undo.click()
    expect(page.locator(".tombstone-notices")).to_contain_text(
        f"Restored item “{ITEM}” with 2 comments."
    )
    expect(row).to_contain_text(ITEM)
    expect(page.locator("table.list tbody tr")).to_have_count(11)
    assert demo_data.state("Item", ITEM) == "live"
    assert demo_data.state("Comment", "Looks great, ship it!") == "live"
    assert [op.kind for op in demo_data.operations()] == ["delete", "restore"]


def test_cancelling_the_dialog_changes_nothing(page: Page, demo_data: Rows) -> None:
    log_in(page, "alice")
    items_list(page)
    row = row_of(page, ITEM)
    dialog = page.get_by_role("dialog")

    row.get_by_role("link", name=f"Delete {ITEM}").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()

    row.get_by_role("link", name=f"Delete {ITEM}").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    expect(row).to_be_visible()
    expect(page.locator(".tombstone-notice")).to_have_count(0)
    assert demo_data.state("Item", ITEM) == "live"
    assert demo_data.operations() == []


def test_dialog_shows_what_changed_meanwhile(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    alice, bob = new_page(), new_page()
    log_in(alice, "alice")
    items_list(alice)
    row_of(alice, ITEM).get_by_role("link", name=f"Delete {ITEM}").click()
    dialog = alice.get_by_role("dialog")
    assert preview_counts(dialog) == {"Comments": 2}

    log_in(bob, "bob")  # meanwhile, bob comments on the item
    bob.goto(f"/items/{demo_data.id_of('Item', ITEM)}")
    bob.get_by_placeholder("Write a comment…").fill("Wait, I am still on it!")
    bob.get_by_role("button", name="Comment").click()
    expect(bob.locator(".comment").filter(has_text="Wait, I am still on it!")).to_be_visible()

    dialog.get_by_role("button", name="Delete item", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "What this would delete changed since you looked"
    )
    assert preview_counts(dialog) == {"Comments": 3}
    assert demo_data.state("Item", ITEM) == "live"
    assert demo_data.operations() == []

    dialog.get_by_role("button", name="Delete item", exact=True).click()  # confirmed again
    toast(alice, f"Deleted item “{ITEM}” with 3 comments.")
    expect(dialog).to_be_hidden()
    assert demo_data.state("Comment", "Wait, I am still on it!") == "trashed"


def test_a_row_deleted_elsewhere_is_said_so_and_leaves_the_list(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    """alice opens the dialog for ITEM in one tab, deletes ITEM in another, then confirms in
    the first: she is told, and the list she is back on no longer shows the row."""
    first, second = new_page(), new_page()
    for tab in (first, second):
        log_in(tab, "alice")
        items_list(tab)
    row_of(first, ITEM).get_by_role("link", name=f"Delete {ITEM}").click()
    dialog = first.get_by_role("dialog")
    expect(dialog).to_be_visible()

    row_of(second, ITEM).get_by_role("link", name=f"Delete {ITEM}").click()
    second.get_by_role("dialog").get_by_role("button", name="Delete item", exact=True).click()
    toast(second, f"Deleted item “{ITEM}”")

    dialog.get_by_role("button", name="Delete item", exact=True).click()
    toast(first, "Someone deleted this before you did: it is in the trash.")
    expect(dialog).to_be_hidden()
    expect(row_of(first, ITEM)).to_have_count(0)
    assert demo_data.state("Item", ITEM) == "trashed"
    assert [op.kind for op in demo_data.operations()] == ["delete"]  # not twice


def test_a_trashed_items_page_says_it_is_in_the_trash(page: Page, demo_data: Rows) -> None:
    item_id = demo_data.id_of("Item", ITEM)
    log_in(page, "alice")
    items_list(page)
    row_of(page, ITEM).get_by_role("link", name=f"Delete {ITEM}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete item", exact=True).click()
    toast(page, f"Deleted item “{ITEM}”")

    page.goto(f"/items/{item_id}")  # an old link, a bookmark
    expect(page.get_by_role("heading", level=1)).to_contain_text("In the trash")
    expect(page.get_by_text("That item was deleted: it is in the trash.")).to_be_visible()
    page.get_by_role("link", name="See the trash").click()
    expect(page.locator("table.tombstone-table")).to_contain_text(f"Item “{ITEM}”")


def test_row_delete_links_work_without_javascript(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    person = new_page(js=False)
    log_in(person, "alice")
    person.get_by_role("link", name="Website relaunch", exact=True).click()
    project_url = person.url
    row_of(person, ITEM).get_by_role("link", name=f"Delete {ITEM}").click()

    expect(person).to_have_url(re.compile(r"/items/\d+/delete\?next="))
    expect(person.get_by_role("heading", level=1)).to_have_text(f"Delete item “{ITEM}”?")
    assert preview_counts(person) == {"Comments": 2}
    person.get_by_role("button", name="Delete item", exact=True).click()

    notice = toast(person, f"Deleted item “{ITEM}” with 2 comments.")
    expect(person).to_have_url(project_url)  # next= brought it back to the list it came from
    expect(row_of(person, ITEM)).to_have_count(0)
    assert demo_data.state("Item", ITEM) == "trashed"

    with person.expect_request(re.compile(r"/operations/\d+/undo$")) as undo:
        notice.get_by_role("button", name="Undo").click()
    assert "hx-request" not in undo.value.all_headers()  # a plain form post
    expect(person.locator(".tombstone-notices")).to_contain_text(
        f"Restored item “{ITEM}” with 2 comments."
    )
    expect(person).to_have_url(project_url)
    expect(row_of(person, ITEM)).to_be_visible()
    assert demo_data.state("Item", ITEM) == "live"


def test_list_cards_label_their_values_on_a_phone(
    new_page: Callable[..., Page], demo_data: Rows
) -> None:
    phone = new_page(viewport={"width": 390, "height": 844})
    log_in(phone, "alice")
    items_list(phone)
    status = row_of(phone, ITEM).locator("td[data-label=Status]")
    label = status.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Status: "'
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "the list scrolls sideways"
