"""What the API's hot paths send to the database, counted per request (DBAPI cursor executes,
as ``bench`` counts them): a page costs the same statements for one row as for twenty, and a
``DELETE`` reads the caller and the row once each, and asks the database once whether the
caller may delete it (docs/api.md, "Cost per request")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select
from taskboard_support import World

from taskboard.extensions import db
from taskboard.models import Item, Tag


@contextmanager
def recorded(app: Flask) -> Iterator[list[str]]:
    """The statements sent while the block runs, in order."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def add_tagged_items(app: Flask, world: World, count: int) -> None:
    with app.app_context():
        tag = db.session.get(Tag, world.alpha_tag)
        for n in range(count):
            db.session.add(Item(name=f"Tagged {n}", project_id=world.alpha, tags=[tag]))
        db.session.commit()


def test_a_page_costs_the_same_statements_for_one_row_as_for_twenty(
    app: Flask, api: Any, world: World
) -> None:
    add_tagged_items(app, world, 12)
    mia = api("mia")
    url = f"/api/items?project_id={world.alpha}"
    assert mia.get(url).status_code == 200  # the token's first use is noted: not counted
    with recorded(app) as one:
        single = mia.get(url + "&per_page=1")
    with recorded(app) as twenty:
        page = mia.get(url + "&per_page=20")
    assert single.status_code == page.status_code == 200
    assert len(page.json["items"]) == page.json["total"] == 14
    assert len(one) == len(twenty) <= 4  # token + user, count, rows, the page's tags
    tagged = [row for row in page.json["items"] if row["tag_ids"]]
    assert len(tagged) == 13 and all(row["tag_ids"] == [world.alpha_tag] for row in tagged)


def test_a_trashed_tag_is_not_among_a_listed_items_tags(app: Flask, api: Any, world: World) -> None:
    mia = api("mia")
    assert api("mia").delete(f"/api/tags/{world.alpha_tag}").status_code == 204
    row = mia.get(f"/api/items/{world.alpha_item}").json
    listed = mia.get(f"/api/items?project_id={world.alpha}").json["items"]
    assert row["tag_ids"] == [] and all(r["tag_ids"] == [] for r in listed)


def test_delete_reads_the_caller_and_the_row_once_each(app: Flask, api: Any, world: World) -> None:
    caller = api("max")  # a member: the permission check reads the item's project
    assert caller.get(f"/api/items/{world.max_item}").status_code == 200  # token's first use
    with recorded(app) as sent:
        response = caller.delete(f"/api/items/{world.max_item}")
    assert response.status_code == 204
    statistics = [s for s in sent if "pg_stats" in s]
    assert len(statistics) <= 1  # PostgreSQL's planner statistics: once a minute per engine
    sent = [s for s in sent if s not in statistics]
    writing = next(i for i, s in enumerate(sent) if not s.upper().startswith("SELECT"))
    reads = sent[:writing]
    # The token with its account; the item, if the caller sees it, with whether they may
    # delete it (one statement: the deletion API's 403 before the engine).
    assert len(reads) == 2, reads
    assert "api_token" in reads[0] and "FROM item" in reads[1] and "project" in reads[1]
    assert not [s for s in sent if "item_tag" in s]  # no ETag without If-Match
    assert not [s for s in sent if s.startswith("SELECT user_account.role")]
    with app.app_context():
        trashed = db.session.scalars(
            select(Item).where(Item.id == world.max_item).execution_options(include_deleted=True)
        ).one()
        assert trashed.deleted_at is not None


def test_delete_with_if_match_still_checks_the_current_etag(
    app: Flask, api: Any, world: World
) -> None:
    caller = api("max")
    url = f"/api/items/{world.max_item}"
    etag = caller.get(url).headers["ETag"]
    stale = caller.delete(url, headers={"If-Match": '"0000"'})
    assert stale.status_code == 412
    assert stale.content_type == "application/problem+json"
    assert caller.delete(url, headers={"If-Match": etag}).status_code == 204


def test_the_project_owner_deleting_a_comment_reads_it_with_its_project_at_once(
    app: Flask, api: Any, world: World
) -> None:
    owner = api("mia")  # owns Alpha; the comment is max's: may_delete_comment reads the project
    assert owner.get(f"/api/comments/{world.alpha_comment}").status_code == 200
    with recorded(app) as sent:
        response = owner.delete(f"/api/comments/{world.alpha_comment}")
    assert response.status_code == 204
    writing = next(i for i, s in enumerate(sent) if not s.upper().startswith("SELECT"))
    reads = sent[:writing]
    # The token with its account; the comment, if the caller sees it, with whether they may
    # delete it (one EXISTS over the comment, its item and project); the comment's item, for
    # the project the operation is scoped to (taskboard.access.hooks.scope).
    assert len(reads) == 3, reads
    assert "project" in reads[1] and "FROM item WHERE" in reads[2]
