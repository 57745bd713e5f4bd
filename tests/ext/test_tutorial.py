"""The seeds' Item app made safe by the extension's views (``examples/tutorial``), on every
database: confirm, trash, undo, log, with JavaScript off (plain form posts)."""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from flask.testing import FlaskClient

from .examples import TOKEN, TUTORIAL, csrf, load, unload


@pytest.fixture
def tutorial(
    db_kind: str, server_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    module = load("app", server_urls[db_kind], monkeypatch)
    module.app.config["TESTING"] = True
    module.app.config["WTF_CSRF_ENABLED"] = True
    yield module
    unload(module)


def add(client: FlaskClient, name: str) -> None:
    assert client.post("/items", data={"name": name}).status_code == 302


def names(tutorial: ModuleType) -> list[str]:
    with tutorial.app.app_context():
        db = tutorial.db
        return sorted(db.session.scalars(db.select(tutorial.Item.name)))


def item_id(tutorial: ModuleType, name: str) -> int:
    with tutorial.app.app_context():
        db = tutorial.db
        return int(db.session.scalar(db.select(tutorial.Item.id).filter_by(name=name)))


def test_confirm_delete_undo_and_log_without_javascript(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    add(client, "Milk")
    add(client, "Bread")
    home = client.get("/").get_data(as_text=True)
    milk = item_id(tutorial, "Milk")
    assert f'href="/item/{milk}/delete?next=/"' in home
    assert 'aria-label="Delete Milk"' in home  # each button named after its row

    page = client.get(f"/item/{milk}/delete?next=/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Delete item “Milk”?" in text and "You can undo it" in text
    assert names(tutorial) == ["Bread", "Milk"]  # asking deletes nothing

    form = {"csrf_token": csrf(text), "token": TOKEN.search(text).group(1), "next": "/"}  # type: ignore[union-attr]
    done = client.post(f"/item/{milk}/delete", data=form | {"reason": "ran out"})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert names(tutorial) == ["Bread"]
    home = client.get("/").get_data(as_text=True)
    assert "Deleted item “Milk”." in home
    undo = re.search(r'action="(/operations/(\d+)/undo)"', home)
    assert undo, "the notice offers Undo"

    trash = client.get("/trash").get_data(as_text=True)
    assert "Item “Milk”" in trash and "ran out" in trash
    assert "Removed for good after" in trash

    undone = client.post(undo.group(1), data={"csrf_token": csrf(home), "next": "/"})
    assert undone.status_code == 303
    assert names(tutorial) == ["Bread", "Milk"]
    log = client.get("/operations").get_data(as_text=True)
    assert "Moved to the trash: item “Milk”" in log
    assert "Restored: item “Milk”" in log and "Undone" in log
    assert "#" not in re.sub(r"<[^>]+>|&#\d+;", "", log.split("<table", 1)[1])  # names, not ids

    again = client.post(undo.group(1), data={"csrf_token": csrf(home), "next": "/"})
    assert again.status_code == 303
    assert "already undone" in client.get("/").get_data(as_text=True)
    assert names(tutorial) == ["Bread", "Milk"]


def test_posts_without_the_csrf_token_change_nothing(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    add(client, "Milk")
    milk = item_id(tutorial, "Milk")
    assert client.post(f"/item/{milk}/delete", data={"next": "/"}).status_code == 400
    assert client.post(f"/item/{milk}/delete", data={"csrf_token": "forged"}).status_code == 400
    assert names(tutorial) == ["Milk"]


def test_ids_are_canonical_and_trashed_rows_say_so(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    add(client, "Milk")
    milk = item_id(tutorial, "Milk")
    for odd in (f"0{milk}", f"+{milk}", chr(0xFF10 + milk), f"{milk}.0", "x", "9" * 30, "9" * 4301):
        assert client.get(f"/item/{odd}/delete").status_code == 404, odd
    assert client.get("/nothing/1/delete").status_code == 404
    page = client.get(f"/item/{milk}/delete").get_data(as_text=True)
    form = {"csrf_token": csrf(page), "token": TOKEN.search(page).group(1)}  # type: ignore[union-attr]
    assert client.post(f"/item/{milk}/delete", data=form).status_code == 303
    assert client.get(f"/item/{milk}/delete").status_code == 410
    assert (
        client.post("/operations/01/undo", data={"csrf_token": form["csrf_token"]}).status_code
        == 404
    )


def test_the_seeds_own_delete_route_now_goes_to_the_trash(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    add(client, "Milk")
    milk = item_id(tutorial, "Milk")
    assert client.post(f"/delete/{milk}").status_code == 302
    assert names(tutorial) == []
    assert "Item “Milk”" in client.get("/trash").get_data(as_text=True)


def test_a_changed_plan_is_refused_and_an_overlong_reason_too(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    add(client, "Milk")
    milk = item_id(tutorial, "Milk")
    page = client.get(f"/item/{milk}/delete").get_data(as_text=True)
    form = {"csrf_token": csrf(page), "token": "stale", "next": "/"}
    refused = client.post(f"/item/{milk}/delete", data=form)
    assert refused.status_code == 409
    assert "changed since you looked" in refused.get_data(as_text=True)
    too_long = client.post(f"/item/{milk}/delete", data=form | {"reason": "x" * 501})
    assert too_long.status_code == 422
    assert names(tutorial) == ["Milk"]


def test_listing_filters_are_checked_not_dropped(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    for query in ("since=yesterday", "until=2026-13-01", "kind=Nope", "page=0", "q=" + "x" * 201):
        assert client.get(f"/trash?{query}").status_code == 422, query
        assert client.get(f"/operations?{query}").status_code == 422, query
    assert client.get("/trash?kind=Item&since=2020-01-01&q=milk&page=1").status_code == 200
    for edge in ("until=9999-12-31", "since=9999-12-31", "since=0001-01-01&until=0001-01-01"):
        assert client.get(f"/trash?{edge}").status_code == 200, edge
        assert client.get(f"/operations?{edge}").status_code == 200, edge
    assert client.get("/operations?kind=restore&actor=ann").status_code == 200


def changed_lines(before: str, after: str) -> list[str]:
    """Lines ``after`` adds or changes, docstrings and blank lines left out."""

    def code(text: str) -> list[str]:
        text = re.sub(r'^""".*?"""\n', "", text, flags=re.S)
        return [line for line in text.splitlines() if line.strip()]

    diff = difflib.ndiff(code(before), code(after))
    return [line[2:] for line in diff if line.startswith("+ ")]


def test_the_safe_app_adds_at_most_five_lines_to_the_seeds_app() -> None:
    added = changed_lines((TUTORIAL / "unsafe.py").read_text(), (TUTORIAL / "app.py").read_text())
    added = [line for line in added if "render_template(" not in line]  # the template's name
    assert len(added) <= 5, added
    templates = TUTORIAL / "templates"
    page = changed_lines(
        (templates / "unsafe_index.html").read_text(), (templates / "index.html").read_text()
    )
    assert page == [
        "  {{ tombstone_notices() }}",
        "      {{ tombstone_delete_button(item, next=url_for('index')) }}",
    ]


def test_own_csrf_token_when_flask_wtf_is_absent(
    tutorial: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "flask_wtf.csrf", None)  # import fails: not installed
    client = tutorial.app.test_client()
    add(client, "Milk")
    milk = item_id(tutorial, "Milk")
    page = client.get(f"/item/{milk}/delete").get_data(as_text=True)
    form: dict[str, Any] = {"token": TOKEN.search(page).group(1)}  # type: ignore[union-attr]
    assert client.post(f"/item/{milk}/delete", data=form).status_code == 400
    for forged in ("x", "é", "☃"):  # text hmac cannot compare is refused like any other
        sent = form | {"csrf_token": forged}
        assert client.post(f"/item/{milk}/delete", data=sent).status_code == 400
        headers = {"X-CSRFToken": forged}
        assert client.post(f"/item/{milk}/delete", data=form, headers=headers).status_code == 400
    assert names(tutorial) == ["Milk"]
    done = client.post(f"/item/{milk}/delete", data=form | {"csrf_token": csrf(page)})
    assert done.status_code == 303
    assert names(tutorial) == []


def test_an_operation_id_beyond_the_table_is_another_url(tutorial: ModuleType) -> None:
    client = tutorial.app.test_client()
    add(client, "Milk")
    page = client.get(f"/item/{item_id(tutorial, 'Milk')}/delete").get_data(as_text=True)
    token = {"csrf_token": csrf(page)}
    for op_id in (str(2**31), "9" * 18):
        assert client.post(f"/operations/{op_id}/undo", data=token).status_code == 404
        assert client.post(f"/trash/{op_id}/restore", data=token).status_code == 404
