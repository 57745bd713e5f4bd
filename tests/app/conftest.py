"""Taskboard fixtures: an app on each database (schema from the migrations), a small world of
two teams, and logged-in browsers that post forms with their CSRF tokens.

The schema is migrated once per database kind and run; each test starts from empty tables
(``taskboard_fixtures.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from taskboard_fixtures import app, database_url, make_app, migrated
from taskboard_support import Browser, World, build_world

# The shared fixtures are imported to register them with pytest.
__all__ = ["app", "database_url", "make_app", "migrated"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


@pytest.fixture
def browser(app: Flask) -> Any:
    """``browser("mia")``: a logged-in :class:`Browser`; ``browser(None)``: anonymous."""

    def factory(username: str | None) -> Browser:
        person = Browser(app)
        if username is not None:
            person.login(username)
        return person

    return factory
