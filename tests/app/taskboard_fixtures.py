"""The Taskboard app fixtures shared by the HTTP, API and browser suites: a scratch database per
kind, migrated once per run, emptied before each test, and apps built on it.

Imported by each suite's ``conftest.py`` (pytest does not share a sibling folder's conftest).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from taskboard_support import config_for, empty_tables

from dbs import scratch_database
from taskboard import create_app
from taskboard.extensions import db


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One scratch database per kind for the run, migrated to the latest revision lazily."""
    with ExitStack() as stack:

        class Lazy(dict[str, str]):
            def __missing__(self, kind: str) -> str:
                tmp = tmp_path_factory.mktemp(f"taskboard-{kind}")
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
    """``make_app(**config)``: an app on this test's database, with extra configuration."""
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
