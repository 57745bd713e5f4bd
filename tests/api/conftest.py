"""API fixtures: the Taskboard app fixtures (same databases, same world) plus bearer tokens.

The helpers come from ``tests/app/taskboard_support.py``; the fixtures mirror
``tests/app/conftest.py`` (pytest does not share a sibling folder's conftest).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).parents[1] / "app"))

from api_support import Caller, issue_token
from taskboard_support import World, build_world, config_for, empty_tables

from dbs import scratch_database
from taskboard import create_app
from taskboard.extensions import db


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with ExitStack() as stack:

        class Lazy(dict[str, str]):
            def __missing__(self, kind: str) -> str:
                tmp = tmp_path_factory.mktemp(f"api-{kind}")
                url = stack.enter_context(scratch_database(kind, tmp))
                app = create_app(config_for(url, tmp))
                with app.app_context():
                    upgrade(directory=app.extensions["migrate"].directory)
                    db.engine.dispose()
                self[kind] = url
                return url

        yield Lazy()


@pytest.fixture
def database_url(db_kind: str, migrated: dict[str, str]) -> str:
    url = migrated[db_kind]
    empty_tables(url)
    return url


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(config_for(database_url, tmp_path, **overrides))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    created: Flask = make_app()
    return created


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


@pytest.fixture
def api(app: Flask, world: World) -> Any:
    """``api("mia")``: a :class:`Caller` with a fresh token of that user; ``api(None)``: none."""

    def factory(username: str | None) -> Caller:
        if username is None:
            return Caller(app, None)
        return Caller(app, issue_token(app, getattr(world, username)))

    return factory
