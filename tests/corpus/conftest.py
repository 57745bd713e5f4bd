"""The corpus harness: real apps' code on every database, soft app against its hard twin.

Each app module has a ``build(uri, soft=True)`` that is the app's own code (models, routes,
delete code) with ``SoftDeleteMixin`` added to the models that should be soft-deletable when
``soft`` is true, and nothing else changed; with ``soft=False`` it is the untouched app, whose
hard deletes (SQLAlchemy's unit of work plus the database's ON DELETE) are the oracle: what
the soft app hides must be what the plain app removes, and where the plain app fails with an
``IntegrityError`` the soft app must refuse with ``Blocked`` and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_tombstone import Blocked, Operation, OperationKind

ENGINE_TABLES = ("tombstone_operation", "tombstone_journal")
STAMPS = ("deleted_at", "deleted_by_op")


class Plain:
    """What a model derives from in the untouched app, where the soft app has the mixin."""


@dataclass
class App:
    """One built app: the Flask app, its ``db``, its tombstone (None in the plain twin) and
    whatever else the app module wants to hand to its tests (models, views' functions)."""

    app: Flask
    db: SQLAlchemy
    tombstone: Any
    ns: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.ns[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def session(self) -> Any:
        return self.db.session


Build = Callable[..., App]
Act = Callable[[App], Any]


def _fk_pragma(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Harness:
    """Opens apps on the database of one kind: tables created fresh, dropped on close."""

    def __init__(self, kind: str, uri: str) -> None:
        self.kind = kind
        self.uri = uri
        self._stack = ExitStack()

    def open(self, build: Build, *, soft: bool = True) -> App:
        """Build the app and create its tables; closed (tables dropped) at the test's end."""
        built, ctx = self._open(build, soft)
        self._stack.callback(self._close, built, ctx)
        return built

    def _open(self, build: Build, soft: bool) -> tuple[App, Any]:
        built = build(self.uri, soft=soft)
        ctx = built.app.app_context()
        ctx.push()
        if self.kind == "sqlite":
            event.listen(built.db.engine, "connect", _fk_pragma)
            built.db.engine.dispose()
        built.db.drop_all()
        built.db.create_all()
        return built, ctx

    @staticmethod
    def _close(built: App, ctx: Any) -> None:
        try:
            built.db.session.remove()
            built.db.drop_all()
        finally:
            built.db.engine.dispose()
            ctx.pop()

    def close(self) -> None:
        self._stack.close()

    def twin(self, build: Build, seed: Act, hard_act: Act) -> Outcome:
        """Run ``hard_act`` on the plain app (closed afterwards): what a hard delete does."""
        plain, ctx = self._open(build, soft=False)
        try:
            seed(plain)
            plain.session.commit()
            try:
                hard_act(plain)
                plain.session.commit()
            except IntegrityError as exc:
                plain.session.rollback()
                return Outcome(world(plain), pks(plain.db), refused=exc)
            return Outcome(world(plain), pks(plain.db), refused=None)
        finally:
            self._close(plain, ctx)


@dataclass
class Outcome:
    world: dict[str, Any]
    pks: dict[str, set[tuple[Any, ...]]]
    refused: Exception | None


@pytest.fixture
def corpus(db_kind: str, server_urls: dict[str, str]) -> Iterator[Harness]:
    harness = Harness(db_kind, server_urls[db_kind])
    try:
        yield harness
    finally:
        harness.close()


# -- what an app's database holds, and what its ORM shows ---------------------------------------
def _app_tables(db: SQLAlchemy) -> list[Any]:
    return [t for t in db.metadata.sorted_tables if t.name not in ENGINE_TABLES]


def raw(db: SQLAlchemy, *, stamps: bool = True) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every app table, read with Core (no ORM filter): the database's truth."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in _app_tables(db):
            cols = [c for c in table.c if stamps or c.name not in STAMPS]
            out[table.name] = {tuple(row) for row in conn.execute(select(*cols))}
    return out


def pks(db: SQLAlchemy) -> dict[str, set[tuple[Any, ...]]]:
    """The primary keys (whole rows for tables without one) of every app table, with Core."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in _app_tables(db):
            cols = list(table.primary_key.columns) or [c for c in table.c if c.name not in STAMPS]
            out[table.name] = {tuple(row) for row in conn.execute(select(*cols))}
    return out


def trashed(db: SQLAlchemy) -> dict[str, dict[Any, Any]]:
    """{table: {primary key: deleted_by_op}} of the rows stamped deleted, read with Core."""
    out: dict[str, dict[Any, Any]] = {}
    with db.engine.connect() as conn:
        for table in _app_tables(db):
            if "deleted_at" not in table.c:
                continue
            pk = next(iter(table.primary_key.columns))
            rows = conn.execute(
                select(pk, table.c.deleted_by_op).where(table.c.deleted_at.is_not(None))
            )
            found = dict(rows.all())
            if found:
                out[table.name] = found
    with db.engine.connect() as conn:
        for table in _app_tables(db):
            # rows stamped by an operation but not deleted would be half-done work
            if "deleted_at" in table.c:
                stray = conn.execute(
                    select(table.c.deleted_by_op).where(
                        table.c.deleted_at.is_(None), table.c.deleted_by_op.is_not(None)
                    )
                ).all()
                assert not stray, f"{table.name}: live rows still carry deleted_by_op {stray}"
    return out


def _pk(obj: Any) -> Any:
    ident = inspect(obj).identity
    return ident[0] if ident is not None and len(ident) == 1 else ident


def _related(session: Session, obj: Any, prop: Any) -> Any:
    value = getattr(obj, prop.key)
    if prop.lazy == "dynamic":
        return sorted(map(_pk, value.all()), key=repr)
    if prop.lazy == "write_only":
        return sorted(map(_pk, session.scalars(value.select())), key=repr)
    if prop.uselist:
        return sorted(map(_pk, value), key=repr)
    return None if value is None else _pk(value)


def world(built: App) -> dict[str, Any]:
    """What the app sees through its own session class (with the engine's listeners when it
    has them): every model's rows by primary key and every relationship of every row."""
    session: Session = built.db.session.session_factory()
    out: dict[str, Any] = {}
    try:
        mappers = sorted(built.db.Model.registry.mappers, key=lambda m: m.class_.__name__)
        for mapper in mappers:
            cls = mapper.class_
            rows = session.scalars(select(cls)).all()
            out[cls.__name__] = sorted(map(_pk, rows), key=repr)
            for obj in sorted(rows, key=lambda o: repr(_pk(o))):
                for prop in mapper.relationships:
                    out[f"{cls.__name__}[{_pk(obj)!r}].{prop.key}"] = _related(session, obj, prop)
    finally:
        session.close()
    return out


def operations(built: App, kind: str | None = OperationKind.DELETE) -> list[Operation]:
    with built.db.session.session_factory() as session:
        query = select(Operation).order_by(Operation.id)
        if kind is not None:
            query = query.where(Operation.kind == kind)
        return list(session.scalars(query))


def check_like_hard(
    corpus: Harness,
    build: Build,
    seed: Act,
    act: Act,
    hard_act: Act | None = None,
) -> tuple[App, list[Operation]]:
    """The soft app's ``act`` against the plain app's ``hard_act`` (``act`` by default).

    Asserts: the plain app's outcome is what the soft app shows (or, where the plain app's
    delete fails, that the soft app raises Blocked and changes nothing); rows stay, changed
    only by their stamps; every trashed row is stamped by an operation the act recorded, whose
    counts are what it trashed; restoring those operations brings back exactly the prior rows;
    the session stays usable. Returns the soft app (still open) and the act's operations.
    """
    expected = corpus.twin(build, seed, hard_act or act)
    soft = corpus.open(build)
    seed(soft)
    soft.session.commit()
    before = raw(soft.db)
    before_world = world(soft)
    if expected.refused is not None:
        with pytest.raises(Blocked):
            act(soft)
        soft.session.rollback()
        assert raw(soft.db) == before, "a refused delete changed rows"
        assert operations(soft) == [], "a refused delete recorded an operation"
        assert world(soft) == before_world
        return soft, []
    act(soft)
    soft.session.commit()
    ops = operations(soft)
    assert ops, "the delete recorded no operation"
    assert world(soft) == expected.world, "the soft delete hid other rows than a hard delete"
    stripped = {t: {_strip(soft.db, t, r) for r in rows} for t, rows in before.items()}
    assert raw(soft.db, stamps=False) == stripped, "the soft delete changed or removed rows"
    stamped = trashed(soft.db)
    op_ids = {op.id for op in ops}
    for table, rows in stamped.items():
        assert set(rows.values()) <= op_ids, f"{table} rows stamped by an unknown operation"
    assert sum(sum(op.counts.values()) for op in ops) == sum(map(len, stamped.values()))
    for op in reversed(ops):
        soft.tombstone.restore(op.id)
    soft.session.commit()
    assert raw(soft.db) == before, "restore did not bring back exactly the prior rows"
    assert world(soft) == before_world
    return soft, ops


def _strip(db: SQLAlchemy, table_name: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    table = db.metadata.tables[table_name]
    return tuple(v for c, v in zip(table.c, row, strict=True) if c.name not in STAMPS)


def session_usable(built: App, obj: Any, attr: str, value: Any) -> None:
    """The session still works: an edit of ``obj`` commits and reads back."""
    setattr(obj, attr, value)
    built.session.commit()
    cls = type(obj)
    with built.db.session.session_factory() as other:
        fresh = other.get(cls, _pk(obj))
        assert fresh is not None and getattr(fresh, attr) == value
