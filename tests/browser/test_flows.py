"""The core flows in Chromium, each with JavaScript on (htmx enhances) and off (plain forms), on
Taskboard's deletion pages (Flask-Tombstone's, in Taskboard's layout).

Every test checks what the person sees and what the database holds afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .support import PASSWORDS, Rows, log_in, only, preview_counts, ready, toast

pytestmark = pytest.mark.browser


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request: pytest.FixtureRequest) -> bool:
    enabled: bool = request.param
    return enabled


@pytest.fixture
def person(new_page: Callable[..., Page], js: bool) -> Page:
    return new_page(js=js)


def test_log_in_and_out(person: Page, demo_data: Rows) -> None:
    person.goto("/items")  # a page behind the login: back there afterwards
    expect(person).to_have_url(re.compile(r"/login\?next=%2Fitems"))
    expect(person.locator(".tombstone-notices")).to_contain_text("Log in to see this page.")

    person.get_by_label("Username").fill("bob")
    person.get_by_label("Password").fill("not his password")
    person.get_by_role("button", name="Log in").click()
    expect(person.locator(".field.has-error")).to_contain_text(
        "Unknown username or wrong password."
    )
    expect(person.locator(".account")).to_have_count(0)

    person.get_by_label("Password").fill(PASSWORDS["bob"])
    person.get_by_role("button", name="Log in").click()
    expect(person).to_have_url(re.compile(r"/items$"))
    expect(person.locator(".tombstone-notices")).to_contain_text("Logged in as bob.")
    expect(person.locator(".account")).to_contain_text("bob")
    # bob sees the items of his two projects, not those of carol's "Office move".
    hidden = {"Book movers", "Order desks", "Internet at the new place"}
    assert hidden <= demo_data.live_items()
    names = person.locator("table.list tbody tr td:nth-child(2)")
    expect(names).to_have_count(len(demo_data.live_items() - hidden))
    assert set(names.all_inner_texts()) == demo_data.live_items() - hidden

    person.get_by_role("link", name="Projects").click()
    expect(person.locator("table.list tbody tr td:first-child")).to_have_text(
        ["Mobile app", "Website relaunch"]
    )

    person.get_by_role("button", name="Log out").click()
    expect(person.locator(".tombstone-notices")).to_contain_text("Logged out.")
    expect(person.get_by_role("heading", name="Log in")).to_be_visible()
    person.goto("/projects")
    expect(person).to_have_url(re.compile(r"/login\?next="))
    assert demo_data.operations() == []  # looking changes nothing


def test_delete_item_from_confirmation_page_then_undo(
    person: Page, demo_data: Rows, js: bool
) -> None:
    name = "Crash on login (Android 14)"
    log_in(person, "bob")
    person.get_by_role("link", name="Mobile app", exact=True).click()
    person.get_by_role("link", name=name, exact=True).click()
    ready(person, person.get_by_role("heading", name=name, level=1))
    person.get_by_role("link", name=f"Delete {name}", exact=True).click()

    if js:  # the confirmation page in a dialog over the item's page
        scope = person.get_by_role("dialog")
        expect(scope).to_be_visible()
        expect(person).to_have_url(re.compile(r"/items/\d+$"))
    else:
        scope = person.locator("main")
        expect(person).to_have_url(re.compile(r"/items/\d+/delete\?next="))
    expect(scope.get_by_role("heading", level=1)).to_have_text(f"Delete item “{name}”?")
    assert preview_counts(scope) == {"Comments": 2}
    expect(scope.locator("table.tombstone-table")).to_contain_text("“Reproduced on a Pixel 8.”")
    scope.get_by_label("Why (optional, kept in the log)").fill("duplicate of the iOS ticket")
    scope.get_by_role("button", name="Delete item", exact=True).click()

    notice = toast(person, f"Deleted item “{name}” with 2 comments.")
    expect(person.get_by_role("heading", name="Mobile app")).to_be_visible()
    expect(person.get_by_role("link", name=name, exact=True)).to_have_count(0)
    assert demo_data.state("Item", name) == "trashed"
    assert demo_data.state("Comment", "Reproduced on a Pixel 8.") == "trashed"
    assert demo_data.state("Comment", "Stack trace attached to the ticket.") == "trashed"
    (deletion,) = demo_data.operations()
    assert (deletion.kind, deletion.counts) == ("delete", {"Item": 1, "Comment": 2})
    assert deletion.reason == "duplicate of the iOS ticket"
    assert deletion.actor == f"user:{demo_data.id_of('User', 'bob')}"

    with person.expect_request(re.compile(r"/operations/\d+/undo$")) as undo_request:
        notice.get_by_role("button", name="Undo").click()
    # With JavaScript htmx posts it (a boosted form), without it the form does.
    assert undo_request.value.headers.get("hx-request") == ("true" if js else None)
    expect(person.locator(".tombstone-notices")).to_contain_text(
        f"Restored item “{name}” with 2 comments."
    )
    expect(person.get_by_role("heading", name="Mobile app")).to_be_visible()
    expect(person.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert demo_data.state("Item", name) == "live"
    assert demo_data.state("Comment", "Reproduced on a Pixel 8.") == "live"
    assert demo_data.state("Comment", "Stack trace attached to the ticket.") == "live"
    _, undo = demo_data.operations()
    assert (undo.kind, undo.ref_op, undo.counts) == (
        "restore",
        deletion.id,
        {"Item": 1, "Comment": 2},
    )


def test_delete_project_then_restore_from_trash(person: Page, demo_data: Rows) -> None:
    project = "Website relaunch"
    before = demo_data.project_rows(project)
    assert [len(before[m]) for m in ("Project", "Item", "Comment", "Tag")] == [1, 5, 4, 3]
    assert all(only(states, "live") for states in before.values())

    log_in(person, "alice")
    person.get_by_role("link", name=project, exact=True).click()
    ready(person, person.get_by_role("heading", name=project, level=1))
    person.locator(".heading").get_by_role("link", name=f"Delete {project}").click()
    heading = person.get_by_role("heading", name=f"Delete project “{project}”?", level=1)
    expect(heading).to_be_visible()
    assert preview_counts(person) == {"Comments": 4, "Items": 5, "Tags": 3}
    person.get_by_role("button", name="Delete project", exact=True).click()

    toast(person, f"Deleted project “{project}” with 4 comments, 5 items and 3 tags.")
    expect(person.get_by_role("heading", name="Projects", level=1)).to_be_visible()
    expect(person.get_by_role("link", name=project, exact=True)).to_have_count(0)
    after = demo_data.project_rows(project)
    assert after.keys() == before.keys()
    for model, states in after.items():
        assert states.keys() == before[model].keys()
        assert only(states, "trashed"), (model, states)
    assert demo_data.state("Item", "Dark mode") == "live"  # other projects untouched

    person.get_by_role("link", name="Trash").click()
    entry = person.locator("table.tombstone-table tbody tr").filter(has_text=f"Project “{project}”")
    expect(entry).to_have_count(1)
    expect(entry.locator("th")).to_have_text(
        f"Project “{project}” with 4 comments, 5 items and 3 tags"
    )
    expect(entry).to_contain_text("alice")
    entry.get_by_role("button", name=f"Restore project “{project}”").click()

    expect(person.locator(".tombstone-notices")).to_contain_text(
        f"Restored project “{project}” with 4 comments, 5 items and 3 tags."
    )
    expect(person.get_by_text("The trash is empty.")).to_be_visible()
    assert demo_data.project_rows(project) == before
    person.get_by_role("link", name="Projects").click()
    expect(person.get_by_role("link", name=project, exact=True)).to_be_visible()
    deletion, restore = demo_data.operations()
    assert (deletion.kind, restore.kind, restore.ref_op) == ("delete", "restore", deletion.id)


def test_bulk_delete_selected_items_then_undo(person: Page, demo_data: Rows, js: bool) -> None:
    chosen = ["Pick a new font", "Book movers", "App store screenshots"]
    log_in(person, "alice")
    person.get_by_role("link", name="Items").click()
    ready(person, person.get_by_role("heading", name="Items", level=1))
    selected = person.get_by_role("button", name="Delete selected…")
    if js:  # nothing to delete yet: the button says so by being disabled
        expect(selected).to_be_disabled()
    for name in chosen:
        person.get_by_label(f"Select {name}").check()
    expect(selected).to_be_enabled()
    selected.click()

    expect(person).to_have_url(re.compile(r"/items/bulk-delete\?"))
    scope = person.locator("main")
    expect(scope.get_by_role("heading", level=1)).to_have_text("Delete 3 items?")
    assert preview_counts(scope) == {"Comments": 2}
    scope.get_by_role("button", name="Delete 3 items", exact=True).click()

    notice = toast(person, "Deleted 3 items and 2 comments.")
    expect(person).to_have_url(re.compile(r"/items$"))
    expect(person.locator("table.list tbody tr")).to_have_count(8)
    for name in chosen:
        expect(person.get_by_role("link", name=name, exact=True)).to_have_count(0)
        assert demo_data.state("Item", name) == "trashed"
    assert demo_data.state("Comment", "Uploaded.") == "trashed"
    assert len(demo_data.live_items()) == 8
    (deletion,) = demo_data.operations()
    assert (deletion.kind, deletion.counts) == ("delete", {"Item": 3, "Comment": 2})

    notice.get_by_role("button", name="Undo").click()
    expect(person.locator(".tombstone-notices")).to_contain_text("Restored 3 items")
    expect(person.locator(".tombstone-notices")).to_contain_text("with 2 comments.")
    expect(person.locator("table.list tbody tr")).to_have_count(11)
    assert all(demo_data.state("Item", name) == "live" for name in chosen)
    assert demo_data.state("Comment", "Uploaded.") == "live"
    assert [op.kind for op in demo_data.operations()] == ["delete", "restore"]


def test_bulk_delete_all_matching_a_filter(person: Page, demo_data: Rows, js: bool) -> None:
    backend = ["Migrate blog posts", "Fix broken contact form", "Set up redirects"]
    log_in(person, "alice")
    person.get_by_role("link", name="Items").click()
    person.get_by_label("Tag").fill("backend")
    person.get_by_role("button", name="Filter").click()
    expect(person.locator("table.list tbody tr")).to_have_count(3)
    person.wait_for_load_state("load")  # the filtered list is the new page
    person.get_by_role("link", name="Delete all 3 matching this filter…").click()

    scope = person.locator("main")
    expect(scope.get_by_role("heading", level=1)).to_have_text("Delete 3 items?")
    assert preview_counts(scope) == {"Comments": 2}
    scope.get_by_role("button", name="Delete 3 items", exact=True).click()

    toast(person, "Deleted 3 items and 2 comments.")
    expect(person.get_by_text("No items match this filter.")).to_be_visible()
    assert demo_data.live_items().isdisjoint(backend)
    assert len(demo_data.live_items()) == 8
    (deletion,) = demo_data.operations()
    assert deletion.counts == {"Item": 3, "Comment": 2}
