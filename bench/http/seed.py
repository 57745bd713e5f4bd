"""The HTTP benchmark's data: Taskboard's schema (its own migrations) on a scratch
PostgreSQL database, filled set-based, with an API token and some rows in the trash.

Projects, all owned by one member, ``bench``:

- ``listed``: the project the LIST requests page through; every row live, so that the list
  with and without soft-delete filtering returns the same rows;
- ``sibling`` (every third item trashed) and ``trashed`` (the whole project trashed, its
  items and comments with it): rows the filter has to keep out of the caller's scope;
- ``ours``, ``bare`` and ``handled``: the rows each DELETE side deletes (named after the
  side), one id range per client;
- ``ours-restore`` and ``handled-restore``: the rows each RESTORE side brings back, every
  item trashed with its comments by a finished ``delete`` operation of its own, recorded as
  Taskboard records one (actor, counts, ``project_ids`` context, ``operation_project`` row)
  and sealed into the audit chain; one operation-id range per client.

The PREVIEW sides preview ``listed``'s items (live, with comments, never deleted): both
sides cycle through the same id ranges, one per client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from taskboard import create_app
from taskboard.auth import tokens
from taskboard.deletion import services
from taskboard.extensions import db, tombstone
from taskboard.models import Item, Project, User

Range = tuple[int, int]  # [start, stop) of item ids
ITEM_IDS = "generate_series(CAST(:first AS integer), CAST(:last AS integer))"
DELETE_SIDES = ("ours", "bare", "handled")
PREVIEW_SIDES = ("ours-preview", "handled-preview")
RESTORE_SIDES = ("ours-restore", "handled-restore")
SIDES = (*DELETE_SIDES, *PREVIEW_SIDES, *RESTORE_SIDES)  # the sides with id ranges


@dataclass(frozen=True)
class Layout:
    list_items: int = 2_000  # items in each of listed, sibling and trashed
    side_items: int = 40_000  # items each DELETE side may delete
    comments: int = 2  # comments per item
    clients: int = 8
    restore_ops: int = 40_000  # trashed items (one operation each) per RESTORE side


@dataclass(frozen=True)
class Seeded:
    token: str
    projects: dict[str, int]  # {name: id}
    # {DELETE and PREVIEW side: item ids, RESTORE side: operation ids; one range per client}
    ranges: dict[str, list[Range]]
    counts: dict[str, int]


def app_on(url: str) -> Flask:
    """Taskboard on ``url``, in this process (seeding, settling, counting statements)."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TASKBOARD_SECURE_COOKIES": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def _insert_items(first: int, count: int, project_id: int, owner_id: int, comments: int) -> None:
    params: dict[str, Any] = {
        "first": first,
        "last": first + count - 1,
        "project": project_id,
        "owner": owner_id,
        "comments": comments,
    }
    db.session.execute(
        text(
            "INSERT INTO item (id, name, description, status, project_id, owner_id, "
            "created_at, updated_at) "
            "SELECT g, 'item ' || g, 'seeded for the HTTP benchmark', "
            "(ARRAY['open', 'in_progress', 'done'])[g % 3 + 1], :project, :owner, "
            f"LOCALTIMESTAMP, LOCALTIMESTAMP FROM {ITEM_IDS} AS g"
        ),
        params,
    )
    db.session.execute(
        text(
            "INSERT INTO comment (body, item_id, created_at) "
            "SELECT 'comment ' || c || ' on item ' || i, i, LOCALTIMESTAMP "
            f"FROM {ITEM_IDS} AS i, "
            "generate_series(1, CAST(:comments AS integer)) AS c"
        ),
        params,
    )


def _split(first: int, count: int, clients: int) -> list[Range]:
    size = count // clients
    return [(first + i * size, first + (i + 1) * size) for i in range(clients)]


def seed(url: str, layout: Layout) -> Seeded:
    """Migrate the empty database at ``url`` and fill it as the module says."""
    app = app_on(url)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        user = User(username="bench", email="bench@example.org", password_hash="-")
        db.session.add(user)
        db.session.flush()
        names = ("listed", "sibling", "trashed", *DELETE_SIDES, *RESTORE_SIDES)
        projects = {name: Project(name=name, owner_id=user.id) for name in names}
        db.session.add_all(projects.values())
        db.session.flush()
        ids = {name: project.id for name, project in projects.items()}
        owner = user.id
        sizes = dict.fromkeys(names[:3], layout.list_items)
        sizes |= dict.fromkeys(DELETE_SIDES, layout.side_items)
        sizes |= dict.fromkeys(RESTORE_SIDES, layout.restore_ops)
        first = 1
        ranges: dict[str, list[Range]] = {}
        for name in names:
            _insert_items(first, sizes[name], ids[name], owner, layout.comments)
            ranges[name] = _split(first, sizes[name], layout.clients)
            first += sizes[name]
        for table in ("item", "comment"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )
        secret = tokens.issue(user, "HTTP benchmark").secret
        db.session.commit()
        _trash(user, ids["sibling"], projects["trashed"])
        for name in RESTORE_SIDES:
            (start, _), *_ = ranges[name]
            ranges[name] = _trash_one_by_one(start, sizes[name], ids[name], owner, layout)
        tombstone.seal(db.session)  # as the servers' sealers would, before anything is timed
        db.session.commit()
        counts = {
            table: int(db.session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            for table in ("item", "comment")
        }
        counts["trashed items"] = int(
            db.session.scalar(text("SELECT count(*) FROM item WHERE deleted_at IS NOT NULL")) or 0
        )
        db.session.remove()
        db.engine.dispose()
    settle(url)
    ranges |= dict.fromkeys(PREVIEW_SIDES, ranges["listed"])
    return Seeded(secret, ids, {k: ranges[k] for k in SIDES}, counts)


def _trash(user: User, sibling_id: int, trashed: Project) -> None:
    """Through the app's own deletion service: operations recorded as in real use."""
    every_third = select(Item).where(Item.project_id == sibling_id, Item.id % 3 == 0)
    for target in (every_third, trashed):
        services.delete(services.DeleteCommand(target, user))
        db.session.commit()


def _trash_one_by_one(
    first: int, count: int, project_id: int, owner_id: int, layout: Layout
) -> list[Range]:
    """Items ``first`` .. ``first + count - 1`` (of ``project_id``) and their comments
    trashed by one finished ``delete`` operation each, as Taskboard's ``DELETE
    /api/items/<id>`` leaves them, set-based; returns the operations' id ranges per client."""
    op_first = int(
        db.session.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM tombstone_operation")) or 1
    )
    params: dict[str, Any] = {
        "first": first,
        "last": first + count - 1,
        "shift": op_first - first,  # operation id = item id + shift
        "project": project_id,
        "actor": f"user:{owner_id}",
        "comments": layout.comments,
    }
    now = "date_trunc('second', timezone('UTC', statement_timestamp()))"
    statements = [
        "INSERT INTO tombstone_operation (id, kind, status, actor, root_model, target, counts, "
        "effects, context, created_at, finished_at) "
        "SELECT g + :shift, 'delete', 'done', :actor, 'Item', "
        "json_build_object('ids', json_build_array(g)), "
        "json_build_object('Item', 1, 'Comment', CAST(:comments AS integer)), "
        "CAST('{}' AS json), "
        "json_build_object('project_ids', json_build_array(CAST(:project AS integer))), "
        f"{now}, {now} FROM {ITEM_IDS} AS g",
        "INSERT INTO operation_project (op_id, project_id) "
        f"SELECT g + :shift, :project FROM {ITEM_IDS} AS g",
        f"UPDATE item SET deleted_at = {now}, deleted_by_op = id + :shift "
        "WHERE id BETWEEN :first AND :last",
        f"UPDATE comment SET deleted_at = {now}, deleted_by_op = item_id + :shift "
        "WHERE item_id BETWEEN :first AND :last",
        "SELECT setval(pg_get_serial_sequence('tombstone_operation', 'id'), max(id)) "
        "FROM tombstone_operation",
    ]
    for statement in statements:
        db.session.execute(text(statement), params)
    return _split(op_first, count, layout.clients)


def settle(url: str) -> None:
    """Fresh statistics and hint bits, dirty pages written out, before anything is timed."""
    app = app_on(url)
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
            conn.exec_driver_sql("CHECKPOINT")
        db.engine.dispose()
