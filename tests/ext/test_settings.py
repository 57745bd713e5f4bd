"""The extension's ``TOMBSTONE_*`` settings are checked when the app starts: a value of the
wrong type or out of range stops ``init_app`` naming the setting, never a late crash or a
setting that silently means something else (``"false"`` read as true, a number as a key)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_tombstone import ConfigurationError, SoftDeleteMixin, Tombstone

from .board import Note, Task, db, task
from .board import board as small_board


class Base(DeclarativeBase):
    pass


own_db = SQLAlchemy(model_class=Base)


class Entry(SoftDeleteMixin, own_db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)


def started(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config.update(config)
    own_db.init_app(app)
    Tombstone(app, db=own_db)
    return app


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("TOMBSTONE_SNAPSHOT", "false", "True or False"),
        ("TOMBSTONE_SNAPSHOT", 1, "True or False"),
        ("TOMBSTONE_SAMPLE_SIZE", "five", "whole number"),
        ("TOMBSTONE_SAMPLE_SIZE", None, "whole number"),
        ("TOMBSTONE_SAMPLE_SIZE", True, "whole number"),
        ("TOMBSTONE_SAMPLE_SIZE", -1, "between 0 and"),
        ("TOMBSTONE_SAMPLE_SIZE", 10**9, "between 0 and"),
        ("TOMBSTONE_RETENTION", "90 days", "not a duration"),
        ("TOMBSTONE_RETENTION", 30, "not a duration"),
        ("TOMBSTONE_RETENTION", "99999999999d", "longer than any"),
        ("TOMBSTONE_REQUEST_ID_HEADER", "", "request header"),
        ("TOMBSTONE_REQUEST_ID_HEADER", 5, "request header"),
        ("TOMBSTONE_AUDIT_KEY", 48, "text or bytes"),
        ("TOMBSTONE_AUDIT_KEY", 10**40, "text or bytes"),
    ],
)
def test_a_bad_setting_stops_init_app_naming_it(setting: str, value: Any, said: str) -> None:
    with pytest.raises(ConfigurationError, match=said) as raised:
        started(**{setting: value})
    assert setting in str(raised.value)


def test_good_settings_are_kept_parsed() -> None:
    app = started(TOMBSTONE_SNAPSHOT=True, TOMBSTONE_SAMPLE_SIZE=0, TOMBSTONE_RETENTION="2w")
    state = app.extensions["tombstone"]
    assert (state.snapshot, state.sample_size, state.retention) == (True, 0, timedelta(weeks=2))
    assert started(TOMBSTONE_RETENTION=None).extensions["tombstone"].retention is None


def test_without_a_retention_period_a_purge_by_age_asks_for_one() -> None:
    app = started(TOMBSTONE_RETENTION=None)
    with app.app_context():
        own_db.create_all()
    result = app.test_cli_runner().invoke(args=["tombstone", "purge"])
    assert result.exit_code == 2 and "--older-than" in result.output, result.output


@pytest.fixture
def board(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    yield from small_board(server_urls[db_kind], api=False)


def test_a_purge_that_leaves_deletions_in_the_trash_says_so_and_fails(board: Flask) -> None:
    """A retention job must hear of what it could not purge (a row brought back by hand
    still points at the trashed task): the reasons on stderr, exit status 1."""
    tombstone = board.extensions["tombstone"].tombstone
    trashed_task = task(board, "mia task 1")
    with board.app_context():
        op_id = tombstone.delete(Task, ids=[trashed_task], actor="mia").id
        db.session.commit()
        back = update(Note).where(Note.deleted_by_op == op_id).values(deleted_at=None)
        db.session.execute(back.execution_options(include_deleted=True))
        db.session.commit()
    result = board.test_cli_runner().invoke(args=["tombstone", "purge", "--older-than", "0d"])
    assert result.exit_code == 1, result.output
    assert f"operation {op_id}: left in the trash" in result.output
    with board.app_context():
        trashed = select(Task.id).execution_options(only_deleted=True)
        assert db.session.scalars(trashed).all() == [trashed_task]
