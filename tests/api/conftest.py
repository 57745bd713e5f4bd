"""API fixtures: the Taskboard app fixtures (same databases, same world) plus bearer tokens.

The helpers and the app fixtures come from ``tests/app/`` (``taskboard_support.py``,
``taskboard_fixtures.py``): pytest does not share a sibling folder's conftest.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, str(Path(__file__).parents[1] / "app"))

from api_support import Caller, issue_token
from taskboard_fixtures import app, database_url, make_app, migrated
from taskboard_support import World, build_world

# The shared fixtures are imported to register them with pytest.
__all__ = ["app", "database_url", "make_app", "migrated"]


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
