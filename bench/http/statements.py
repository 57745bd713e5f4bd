"""Statements per request, to read the throughput by: one request of each side replayed
in-process (Flask's test client) on the benchmark's database, counting the DBAPI cursor
executes (SAVEPOINT and RELEASE included, BEGIN and COMMIT not), as ``bench`` counts them.

Run after the timed turns and the checks: each DELETE and RESTORE takes the next id of its
first client's range, a row (a deletion) no turn reached; each PREVIEW, its range's first
item, still live. The handled server's views run with the engine's flush listener detached,
as there (the preview and restore views flush nothing, so it changes nothing for them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from bench import tutorial_app
from taskboard.extensions import db, tombstone

from . import handled
from .runner import Side
from .seed import app_on

Apps = dict[str, tuple[Flask, Engine, Callable[[], AbstractContextManager[Any]]]]


@contextmanager
def unfiltered() -> Iterator[None]:
    """As in :mod:`bench.http.unfiltered`: the engine's listeners off, for one request."""
    tombstone.listeners.detach(db.session)
    try:
        yield
    finally:
        tombstone.listeners.attach(db.session)


@contextmanager
def hard_deleting() -> Iterator[None]:
    """As in :mod:`bench.http.handled`'s server: ``session.delete`` left to the ORM."""
    handled.hard_deletes()
    try:
        yield
    finally:
        tombstone.listeners.attach(db.session)


def _apps(url: str) -> Apps:
    # One Taskboard app for every side of it: the extra view changes nothing for the others.
    taskboard = handled.register(app_on(url))
    tutorial = tutorial_app.create_app(url)
    with taskboard.app_context():
        engine = db.engine
    with tutorial.app_context():
        bare = tutorial_app.db.engine
    return {
        "taskboard": (taskboard, engine, nullcontext),
        "unfiltered": (taskboard, engine, unfiltered),
        "handled": (taskboard, engine, hard_deleting),
        "tutorial": (tutorial, bare, nullcontext),
    }


def count(side: Side, apps: Apps) -> tuple[int, int]:
    """(status, statements) of one request of ``side``."""
    app, engine, around = apps[side.server]
    load = side.load
    path = load.path.format(id=load.ranges[0][0]) if load.ranges else load.path
    executed: list[str] = []

    def note(*args: Any) -> None:
        executed.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        with around():
            response = app.test_client().open(path, method=load.method, headers=load.headers)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return response.status_code, len(executed)


def per_request(url: str, sides: list[Side]) -> dict[str, int]:
    """``{side label: statements}``; a side that does not answer as it should raises, one
    whose first client ran out of ids is left out."""
    apps = _apps(url)
    counts: dict[str, int] = {}
    try:
        for side in sides:
            if side.load.ranges and side.load.ranges[0][0] >= side.load.ranges[0][1]:
                # Its first client ran out of ids: no row left to replay on. The run already
                # reports it ("ran out of ids"); the count is left out rather than the results.
                continue
            status, statements = count(side, apps)
            if status != side.expect:
                raise RuntimeError(f"{side.label} answered {status} in-process")
            counts[side.label] = statements
    finally:
        for _, engine, _ in apps.values():
            engine.dispose()
    return counts
