"""Differential oracle: the engine's soft delete against SQLAlchemy's unit of work + ON DELETE.

For random model graphs (oracle_models.py: 2-5 models; int, BigInteger, UUID and String keys;
foreign keys with every ondelete, nullable or not; relationships with every cascade option and
passive_deletes, declared with backref, back_populates or not at all; one-to-one;
self-references; many-to-many through an association table and association objects; single-
and joined-table inheritance with keys pointing at the subclass table; models declared after
the Tombstone) and random rows, one target (rows of one model, deleted by ``session.delete``,
``ts.delete(instance)``, ``ts.delete(Model, ids=)`` or ``ts.delete(select(...))``):

1. ORACLE: a plain session the Tombstone knows nothing about loads the target rows and
   ``session.delete``s them; the flush runs the unit of work and the database's ON DELETE
   rules; what it removed and nulled is read in the same transaction, then rolled back.
   Where the unit of work fails (IntegrityError) the second oracle is the database alone: a
   plain ``DELETE`` of the target rows (each joined-inheritance table first), its ON DELETE
   rules doing the rest. A relationship that nulls a link before the database's rule could
   act (no ``passive_deletes``) is the unit of work's own answer, and wins while it succeeds.
2. ENGINE, same target through the Tombstone's session: if both oracles raised
   IntegrityError, the engine refuses (a TombstoneError) and nothing changed, or — where the
   declarations disagree so that neither can delete (a delete cascade left to a database that
   has none, an association table without ON DELETE, a joined subclass key without one) —
   follows the declared cascade, and restore must still be exact (docs/engine.md
   "How rules are read"); otherwise the rows now hidden
   (``deleted_at`` set) are exactly the rows the oracle removed, table by table, nothing else
   changed (SET NULL links untouched, nothing physically gone), nothing hidden is visible to
   ORM selects, ``Session.get`` or relationship loads, and instances deleted through the
   session read ``is_deleted``.
3. ``restore`` of the operation(s): the database equals its first state, column for column.
4. The same delete again, then ``purge``: the database equals the oracle's state after its
   delete (SET NULL links now nulled, association rows gone, no live row removed).

Examples: 40 on SQLite, 12 on PostgreSQL and MariaDB (see EXAMPLES for the heavier runs). The
regression tests at the end are minimal shapes the property found, and shapes of the contract.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis.control import currently_in_test_context
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, SAWarning
from sqlalchemy.orm import Session

from flask_tombstone.core import ConfigurationError, SoftDeleteMixin, Tombstone, TombstoneError

from .oracle_models import (
    M2M,
    Built,
    Graph,
    Link,
    ModelSpec,
    Row,
    State,
    Target,
    World,
    deletes,
    diff_states,
    drop_everything,
    oracle_engine,
    read_state,
    state_of,
    worlds,
)

# TOMBSTONE_HEAVY_PROPERTIES=1 runs ten times the examples (=N: N times) and shrinks failures;
# TOMBSTONE_ORACLE_SHRINK=1 shrinks in a default run too. A default run does not shrink: with
# several distinct failures hypothesis spends minutes shrinking each; a failure's report
# carries the drawn world (note) and the regression tests below hold the minimal shapes.
HEAVY = int(os.environ.get("TOMBSTONE_HEAVY_PROPERTIES", "0") or 0)
EXAMPLES = {"sqlite": 40, "postgresql": 12, "mariadb": 12}
if HEAVY:
    EXAMPLES = {kind: n * (10 if HEAVY == 1 else HEAVY) for kind, n in EXAMPLES.items()}
SHRINK = bool(HEAVY) or os.environ.get("TOMBSTONE_ORACLE_SHRINK", "0") not in ("", "0")
# The suite's own run draws the same examples every time (a CI run is reproducible); heavy
# runs, or TOMBSTONE_ORACLE_RANDOM=1, draw new ones.
DERANDOMIZE = not HEAVY and os.environ.get("TOMBSTONE_ORACLE_RANDOM", "0") in ("", "0")
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if SHRINK else [])


class Rejected(Exception):
    """The engine refused the graph at setup with a ConfigurationError naming model and column."""


def say(text: str) -> None:
    """A note in hypothesis's report of a failing example (nothing in a plain test)."""
    if currently_in_test_context():
        note(text)


# -- one world, end to end --------------------------------------------------------------------
def check_world(engine: Engine, world: World) -> None:
    """Run the oracle and the engine on ``world`` and compare (module docstring)."""
    drop_everything(engine)
    built = Built(world, engine)
    try:
        with refused_at_setup():
            ts = built.declare()
            if not built.configured:
                ts.configure()
        built.base.metadata.create_all(engine)
        built.insert_rows()
        tables = built.user_tables()
        before = state_of(engine, tables)
        blocked, expected, refusable = run_oracle(built, tables)
        assert state_of(engine, tables) == before, "the oracle's transaction was not rolled back"
        say(f"oracle: {'IntegrityError ' + blocked if blocked else 'deleted'}")
        with refused_at_setup():
            engine_round(built, ts, tables, before, blocked, expected, refusable=refusable)
    finally:
        built.dispose()


@contextmanager
def refused_at_setup() -> Iterator[None]:
    """A ConfigurationError must name model and column; then the graph is skipped."""
    try:
        yield
    except ConfigurationError as exc:
        message = str(exc)
        assert exc.model and exc.model in message, f"no model named: {message!r}"
        assert exc.column and exc.column in message, f"no column named: {message!r}"
        raise Rejected(message) from exc


def run_oracle(built: Built, tables: list[Any]) -> tuple[str | None, State, bool]:
    """Hard-delete the target in a plain session; (IntegrityError text or None, state after).

    Several target rows are deleted one by one, each flushed, replies before the rows they
    answer (a self-reference without a relationship gives the unit of work no order)."""
    cls = built.target_class()
    with built.plain() as session:
        objs = [session.get(cls, pk) for pk in built.target_pks(deepest_first=True)]
        assert all(obj is not None for obj in objs)
        try:
            with warnings.catch_warnings():
                # the unit of work deleting a row the database's ON DELETE CASCADE took
                # already (several targets, or an explicit cascade beside a database one)
                warnings.filterwarnings("ignore", "DELETE statement on table", SAWarning)
                for obj in objs:
                    if not inspect(obj).was_deleted:  # an earlier target's cascade took it
                        session.delete(obj)  # cascades load collections: may autoflush
                        session.flush()
        except IntegrityError as exc:
            session.rollback()
            # The unit of work refused: the engine may refuse too (an ORM cascade the database
            # does not know, such as one along a many-to-many relationship, reached a row that
            # cannot go), or do what the database alone does.
            failed, expected = database_oracle(built, tables, str(exc.orig).splitlines()[0][:200])
            return failed, expected, True
        after = read_state(session, tables)
        session.rollback()
    return None, after, False


def database_oracle(built: Built, tables: list[Any], failed: str) -> tuple[str | None, State]:
    """The database's own ON DELETE rules on a plain DELETE of the target rows (a joined
    subclass's table first, as the ORM orders an object's tables)."""
    mapper: Any = inspect(built.target_class())
    own = [t for t in mapper.tables if t in tables or t.name in {x.name for x in tables}]
    with built.engine.connect() as conn, conn.begin() as transaction:
        try:
            for key in built.target_pks(deepest_first=True):
                for table in reversed(own):
                    (pk,) = table.primary_key.columns
                    conn.execute(table.delete().where(pk == key))
        except IntegrityError as exc:
            transaction.rollback()
            return f"{failed}; database alone: {str(exc.orig).splitlines()[0][:120]}", {}
        after = read_state(conn, tables)
        transaction.rollback()
    say(f"the unit of work fails ({failed}); the database alone deletes")
    return None, after


def engine_delete(built: Built, ts: Tombstone, session: Session) -> list[Any]:
    """Delete the target the drawn way and commit; the instances deleted by session/instance."""
    target = built.world.target
    cls = built.target_class()
    pks = built.target_pks()
    objs: list[Any] = []
    how = target.how
    if any(deletes(m.left_cascade) or deletes(m.right_cascade) for m in built.graph.m2m):
        # The ORM's delete cascades along many-to-many relationships are collected by
        # session.delete; ts.delete by ids or filter does not follow them (docs/engine.md
        # "Limits, stated"), so such worlds are compared through the session.
        how = "session"
    if how in ("session", "instance"):
        objs = [session.get(cls, pk) for pk in pks]
        assert all(o is not None for o in objs), "a live target row is not visible"
    if how == "session":
        for obj in objs:
            session.delete(obj)
    elif how == "instance":
        ts.delete(objs if len(objs) > 1 else objs[0], session=session)
    elif how == "ids":
        ts.delete(cls, ids=pks, session=session)
    elif how == "select":
        ts.delete(select(cls).where(cls.id.in_(pks)), session=session)  # type: ignore[attr-defined]
    else:
        column, labels = built.target_labels()
        ts.delete(select(cls).where(column.in_(labels)), session=session)
    session.commit()
    return objs


def engine_round(
    built: Built,
    ts: Tombstone,
    tables: list[Any],
    before: State,
    blocked: str | None,
    expected: State,
    *,
    refusable: bool,
) -> None:
    engine = built.engine
    # 2. the engine's delete
    with built.governed() as session:
        try:
            objs = engine_delete(built, ts, session)
        except ConfigurationError:
            raise
        except TombstoneError as exc:
            session.rollback()
            assert refusable, f"engine refused ({exc!r}) what the unit of work deletes"
            changes = diff_states(before, state_of(engine, tables))
            assert not changes, f"a refused delete changed the database: {changes}"
            return
        if refusable:
            # The unit of work refused; the engine followed the declared cascades (which the
            # database alone, knowing none of the ORM's, may not reach): it hides at least
            # what the database alone removes, and stays exactly reversible.
            say(f"the unit of work fails ({blocked or 'database alone deletes'}); engine went on")
            if not blocked:
                after = state_of(engine, tables)
                for table in tables:
                    if "deleted_at" not in table.c:
                        continue
                    name = table.name
                    removed = before[name].keys() - expected[name].keys()
                    hidden = {k for k, r in after[name].items() if r["deleted_at"] is not None}
                    assert removed <= hidden, f"{name}: the database removes {removed - hidden}"
            check_hidden(built)
            restore_all(built, ts)
            changes = diff_states(before, state_of(engine, tables))
            assert not changes, f"restore did not bring back the first state: {changes}"
            return
        check_soft_state(built, tables, before, expected, state_of(engine, tables))
        for obj in objs:
            if isinstance(obj, SoftDeleteMixin):
                assert obj.is_deleted, f"{obj!r} deleted but is_deleted is False"
    check_hidden(built)
    # 3. restore
    restore_all(built, ts)
    changes = diff_states(before, state_of(engine, tables))
    assert not changes, f"restore did not bring back the first state: {changes}"
    # 4. delete again, purge
    with built.governed() as session:
        engine_delete(built, ts, session)
    purge_all(built, ts)
    changes = diff_states(expected, state_of(engine, tables))
    assert not changes, f"after purge the database differs from the oracle's: {changes}"


def check_soft_state(
    built: Built, tables: list[Any], before: State, expected: State, after: State
) -> None:
    """Hidden rows = rows the oracle removed; nothing else changed; nothing physically gone."""
    for table in tables:
        name = table.name
        removed = before[name].keys() - expected[name].keys()
        gone = before[name].keys() - after[name].keys()
        assert not gone, f"a soft delete removed rows of {name}: {sorted(gone, key=repr)}"
        if "deleted_at" in table.c:
            hidden = {k for k, row in after[name].items() if row["deleted_at"] is not None}
            assert hidden == removed, (
                f"{name}: hidden {sorted(hidden, key=repr)}, the unit of work removed "
                f"{sorted(removed, key=repr)}"
            )
            for key in hidden:
                assert after[name][key]["deleted_by_op"] is not None, (name, key)
        stamp = ("deleted_at", "deleted_by_op")
        for key, row in after[name].items():
            was = before[name][key]
            changed = {c: (was[c], row[c]) for c in row if c not in stamp and row[c] != was[c]}
            assert not changed, f"{name} {key}: a soft delete changed {changed}"


def check_hidden(built: Built) -> None:
    """Nothing in the trash is visible: selects, Session.get, relationship loads."""
    with built.plain() as plain, built.governed() as session:
        for cls in built.classes():
            if not issubclass(cls, SoftDeleteMixin):
                continue
            pk = cls.id  # type: ignore[attr-defined]
            rows = plain.execute(select(pk, cls.deleted_at)).all()
            live = {r[0] for r in rows if r[1] is None}
            visible = set(session.scalars(select(pk)))
            assert visible == live, f"{cls.__name__}: visible {visible}, live {live}"
            for value in (r[0] for r in rows if r[1] is not None):
                assert session.get(cls, value) is None, f"{cls.__name__} {value} trashed, got"
        for root in built.roots.values():
            objs: list[Any] = list(session.scalars(select(root)))
            for obj in objs:
                for rel in inspect(type(obj)).relationships:
                    value = getattr(obj, rel.key)
                    related = value if isinstance(value, list | set) else [value]
                    for other in related:
                        if isinstance(other, SoftDeleteMixin):
                            assert other.deleted_at is None, (
                                f"{type(obj).__name__}.{rel.key} loads trashed {other!r}"
                            )


def restore_all(built: Built, ts: Tombstone) -> None:
    for _ in range(10):
        with built.governed() as session:
            trash = sorted(op.id for op in session.scalars(ts.trash()))
            if not trash:
                return
            ts.restore(trash[-1], session=session)
            session.commit()
    raise AssertionError("restore did not empty the trash")


def purge_all(built: Built, ts: Tombstone) -> None:
    for _ in range(10):
        with built.governed() as session:
            trash = sorted(op.id for op in session.scalars(ts.trash()))
            if not trash:
                return
            ts.purge(trash[0], session=session)
            session.commit()
    raise AssertionError("purge did not empty the trash")


# -- the property -------------------------------------------------------------------------------
def test_engine_matches_unit_of_work(db_kind: str, server_urls: dict[str, str]) -> None:
    engine = oracle_engine(db_kind, None if db_kind == "sqlite" else server_urls[db_kind])

    @settings(
        max_examples=EXAMPLES[db_kind],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
        derandomize=DERANDOMIZE,
        phases=PHASES,
    )
    @given(world=worlds())
    def check(world: World) -> None:
        note(repr(world))
        try:
            check_world(engine, world)
        except Rejected as exc:
            note(f"refused at setup: {exc}")
            assume(False)

    try:
        check()
    finally:
        engine.dispose()


# -- regressions: minimal shapes the property found (shrunk by hand from its examples) -----------
def two_models(
    link: Link, *, child: ModelSpec | None = None, parent: ModelSpec | None = None
) -> Graph:
    """M0 <- M1 through ``link`` (M1.p0_id)."""
    child = child or ModelSpec()
    return Graph(models=(parent or ModelSpec(), replace(child, links=(link,))))


def parent_and_child(graph: Graph, *, child_sub: bool = False) -> World:
    """One M0 row and one M1 row pointing at it; M0's row is deleted by session.delete."""
    return World(
        graph=graph,
        rows=((Row(1),), (Row(1, sub=child_sub, refs=(1,)),)),
        pairs=(),
        target=Target(model=0, rows=(1,)),
    )


def linked_pair(m2m: M2M, *, delete: int) -> World:
    """One M0 row and one M1 row linked through the association table; one of them deleted."""
    return World(
        graph=Graph(models=(ModelSpec(), ModelSpec()), m2m=(m2m,)),
        rows=((Row(1),), (Row(1),)),
        pairs=(((1, 1),),),
        target=Target(model=delete, rows=(1,)),
    )


# Minimal shapes the property found against the engine of 2026-11-29 morning, kept as
# regressions. Fixed since: a nullable link under a relationship that nulls it is SET_NULL
# (the unit of work's answer); self-references with RESTRICT / NO ACTION are purged leaves
# first; big-integer keys are journaled in the entry's data; a second session.delete of an
# instance an autoflush already deleted no longer crashes the flush. The rest are shapes where
# neither the unit of work nor the database alone can delete and the engine follows the
# declared cascade (exactly reversible), or a many-to-many delete cascade (session.delete).
FOUND: dict[str, World] = {
    # session.delete of three rows where one is a reply of another (a cascading self
    # relationship): loading the replies autoflushed, the engine deleted two, and the third
    # session.delete put a deleted instance back in the identity map (expired at commit).
    "session-delete-of-a-reply-already-deleted-by-autoflush": World(
        graph=Graph(
            models=(
                ModelSpec(
                    pk="int", soft=True, inherit="none", sub_ondelete=None, links=(), self_link=None
                ),
                ModelSpec(
                    pk="int",
                    soft=True,
                    inherit="single",
                    sub_ondelete=None,
                    links=(
                        Link(
                            parent=0,
                            ondelete=None,
                            nullable=False,
                            unique=False,
                            to_sub=False,
                            rel="none",
                            cascade="save-update, merge",
                            passive=False,
                        ),
                    ),
                    self_link=Link(
                        parent=1,
                        ondelete=None,
                        nullable=True,
                        unique=False,
                        to_sub=False,
                        rel="parent",
                        cascade="all",
                        passive=False,
                    ),
                ),
                ModelSpec(
                    pk="int",
                    soft=True,
                    inherit="none",
                    sub_ondelete=None,
                    links=(
                        Link(
                            parent=0,
                            ondelete=None,
                            nullable=False,
                            unique=False,
                            to_sub=False,
                            rel="none",
                            cascade="save-update, merge",
                            passive=False,
                        ),
                        Link(
                            parent=1,
                            ondelete="CASCADE",
                            nullable=False,
                            unique=False,
                            to_sub=False,
                            rel="none",
                            cascade="save-update, merge",
                            passive=False,
                        ),
                    ),
                    self_link=None,
                ),
            ),
            m2m=(),
            late_from=None,
            configure_early=False,
        ),
        rows=(
            (Row(n=1, sub=False, refs=(), up=None), Row(n=2, sub=False, refs=(), up=None)),
            (
                Row(n=1, sub=True, refs=(1,), up=None),
                Row(n=2, sub=False, refs=(1,), up=None),
                Row(n=3, sub=False, refs=(1,), up=1),
            ),
            (Row(n=1, sub=False, refs=(1, 1), up=None),),
        ),
        pairs=(),
        target=Target(model=1, rows=(1, 2, 3), sub=False, how="session"),
    ),
    # A joined-inheritance model whose self-reference is RESTRICT: the purge removes the
    # replies before the rows they answer (batches of unreferenced keys).
    "joined-self-reference-restrict-purge": World(
        graph=Graph(
            models=(
                ModelSpec(
                    pk="int",
                    soft=True,
                    inherit="joined",
                    sub_ondelete=None,
                    links=(),
                    self_link=Link(
                        parent=0,
                        ondelete="RESTRICT",
                        nullable=True,
                        unique=False,
                        to_sub=False,
                        rel="none",
                        cascade="save-update, merge",
                        passive=False,
                    ),
                ),
                ModelSpec(
                    pk="int", soft=True, inherit="none", sub_ondelete=None, links=(), self_link=None
                ),
                ModelSpec(
                    pk="int", soft=True, inherit="none", sub_ondelete=None, links=(), self_link=None
                ),
                ModelSpec(
                    pk="int", soft=True, inherit="none", sub_ondelete=None, links=(), self_link=None
                ),
                ModelSpec(
                    pk="int", soft=True, inherit="none", sub_ondelete=None, links=(), self_link=None
                ),
            ),
            m2m=(),
            late_from=None,
            configure_early=False,
        ),
        rows=(
            (
                Row(n=1, sub=True, refs=(), up=None),
                Row(n=2, sub=False, refs=(), up=None),
                Row(n=3, sub=True, refs=(), up=1),
            ),
            (Row(n=1, sub=False, refs=(), up=None),),
            (Row(n=1, sub=False, refs=(), up=None),),
            (Row(n=1, sub=False, refs=(), up=None),),
            (Row(n=1, sub=False, refs=(), up=None),),
        ),
        pairs=(),
        target=Target(model=0, rows=(1, 3), sub=True, how="session"),
    ),
    # session.delete of M2 row 1: its many-to-many cascade ("all") reaches M0 row 1, which
    # NOT NULL links without ON DELETE hold (RESTRICT). The unit of work fails; the database
    # alone, which knows nothing of that cascade, deletes only M2 row 1; the engine refuses,
    # listing the rows, which is the unit of work's answer (found at 10x examples on MariaDB).
    "many-to-many-cascade-into-restricted-row": World(
        graph=Graph(
            models=(
                ModelSpec(),
                ModelSpec(links=(Link(parent=0, nullable=False),)),
                ModelSpec(),
            ),
            m2m=(M2M(left=0, right=2, right_ondelete="CASCADE", rel="right", right_cascade="all"),),
        ),
        rows=((Row(1),), (Row(1, refs=(1,)),), (Row(1),)),
        pairs=(((1, 1),),),
        target=Target(model=2, rows=(1,)),
    ),
    # ondelete=CASCADE, but M0.c1 (no delete cascade, passive_deletes=False) loads the children
    # and the unit of work nulls their key first: nullable -> the child stays, unlinked;
    # NOT NULL -> IntegrityError. The engine cascades (hides the child) in both cases.
    "cascade-key-under-nulling-relationship": parent_and_child(
        two_models(Link(parent=0, ondelete="CASCADE", nullable=True, rel="parent"))
    ),
    "cascade-not-null-key-under-nulling-relationship": parent_and_child(
        two_models(Link(parent=0, ondelete="CASCADE", nullable=False, rel="parent"))
    ),
    # ondelete=RESTRICT, nullable, M0.c1 nulls it first: the unit of work deletes; engine Blocked.
    "restrict-key-under-nulling-relationship": parent_and_child(
        two_models(Link(parent=0, ondelete="RESTRICT", nullable=True, rel="parent"))
    ),
    # cascade="all" with passive_deletes=True leaves unloaded children to the database, whose
    # key has no ON DELETE: IntegrityError. The engine cascades.
    "passive-delete-cascade-without-database-cascade": parent_and_child(
        two_models(
            Link(parent=0, nullable=False, rel="parent", cascade="all", passive=True),
        )
    ),
    # M1.mm0 = relationship(M0, secondary=..., cascade="all"): deleting M1 deletes its M0s.
    # ts.delete(M1, ids=...) hides none of them (session.delete does: the session cascades).
    "many-to-many-delete-cascade-by-ids": replace(
        linked_pair(M2M(left=0, right=1, rel="backref", right_cascade="all"), delete=1),
        target=Target(model=1, rows=(1,), how="ids"),
    ),
    # The association row's key has no ON DELETE and nothing from M0's side removes it (the
    # relationship is only on M1, or passive): IntegrityError. The engine goes ahead.
    "association-row-no-relationship-from-deleted-side": linked_pair(
        M2M(left=0, right=1, rel="right"), delete=0
    ),
    "association-row-passive-relationship": linked_pair(
        M2M(left=0, right=1, rel="left", passive=True), delete=0
    ),
    # session.delete of two M1 rows; M1 row 2's many-to-many cascade deletes M0 row 2, whose
    # delete-orphan collection holds M1 row 3: AssertionError "Failed to add object to the
    # flush context!" from the flush.
    "several-targets-reached-by-each-others-cascades": World(
        graph=Graph(
            models=(
                ModelSpec(),
                ModelSpec(
                    links=(
                        Link(
                            parent=0,
                            nullable=True,
                            rel="parent",
                            cascade="all, delete-orphan",
                            passive=True,
                        ),
                    )
                ),
            ),
            m2m=(M2M(left=0, right=1, rel="backref", right_cascade="all"),),
        ),
        rows=((Row(2),), (Row(2, refs=(None,)), Row(3, refs=(2,)))),
        pairs=(((2, 2),),),
        target=Target(model=1, rows=(2, 3)),
    ),
    # A self-reference declared ON DELETE RESTRICT (NO ACTION on MariaDB) with a cascading
    # relationship: the unit of work deletes the reply, then the row; the engine's soft delete
    # and restore are right, its purge fails (DatabaseFailure) on SQLite and MariaDB.
    "self-reference-restrict-purge": World(
        graph=Graph(
            models=(
                ModelSpec(
                    self_link=Link(parent=0, ondelete="RESTRICT", rel="parent", cascade="all")
                ),
            )
        ),
        rows=((Row(1), Row(2, up=1)),),
        pairs=(),
        target=Target(model=0, rows=(1,)),
    ),
    "self-reference-no-action-purge": World(
        graph=Graph(models=(ModelSpec(self_link=Link(parent=0, rel="parent", cascade="all")),)),
        rows=((Row(1), Row(2, up=1)),),
        pairs=(),
        target=Target(model=0, rows=(1,)),
    ),
    # ON DELETE CASCADE into M1, a joined-inheritance base whose subclass table's key has no
    # ON DELETE: the database cannot remove the M1S row -> IntegrityError. The engine cascades.
    "database-cascade-into-joined-subclass-row": parent_and_child(
        two_models(
            Link(parent=0, ondelete="CASCADE", nullable=False), child=ModelSpec(inherit="joined")
        ),
        child_sub=True,
    ),
    # A BigInteger key beyond 32 bits in a model whose SET NULL link the purge nulls: the
    # journal's row_id is an Integer -> DatabaseFailure on PostgreSQL and MariaDB.
    "big-integer-key-set-null-purge": parent_and_child(
        two_models(Link(parent=0, ondelete="SET NULL", nullable=True), child=ModelSpec(pk="bigint"))
    ),
    # 2026-11-30 (heavy run): M0 (with a self-reference, which lets the unit of work order
    # the rows) and its partner M1 through a many-to-many relationship with cascade="all";
    # M1's own link to M0 is RESTRICT. session.delete(M0 row) collects the partner too, and
    # the unit of work deletes it first; the engine ran M0's operation first and refused,
    # blocked by the partner the same flush was deleting.
    "restrict-dependent-deleted-by-the-same-flush": World(
        graph=Graph(
            models=(
                ModelSpec(self_link=Link(parent=0, nullable=True, rel="child")),
                ModelSpec(links=(Link(parent=0, nullable=False),)),
            ),
            m2m=(M2M(left=0, right=1, rel="backref", left_cascade="all"),),
        ),
        rows=((Row(1),), (Row(1, refs=(1,)),)),
        pairs=(((1, 1),),),
        target=Target(model=0, rows=(1,)),
    ),
}

# Shapes of the contract the engine gets right today (the property draws them too): kept so
# that a change breaking one of them says which.
GUARDS: dict[str, World] = {
    "joined-subclass-target-key-to-subclass-table": World(
        graph=Graph(
            models=(
                ModelSpec(inherit="joined", sub_ondelete="CASCADE"),
                ModelSpec(links=(Link(parent=0, ondelete="CASCADE", nullable=False, to_sub=True),)),
            )
        ),
        rows=((Row(1, sub=True), Row(2)), (Row(1, refs=(1,)),)),
        pairs=(),
        target=Target(model=0, rows=(1,), sub=True, how="select_col"),
    ),
    "single-table-subclass-select-on-subclass-column": World(
        graph=Graph(
            models=(
                ModelSpec(inherit="single"),
                ModelSpec(links=(Link(parent=0, ondelete="CASCADE", nullable=False),)),
            )
        ),
        rows=((Row(1, sub=True), Row(2)), (Row(1, refs=(1,)), Row(2, refs=(2,)))),
        pairs=(),
        target=Target(model=0, rows=(1,), sub=True, how="select_col"),
    ),
    "uuid-keys-by-ids": replace(
        parent_and_child(
            two_models(
                Link(parent=0, ondelete="CASCADE", nullable=False),
                parent=ModelSpec(pk="uuid"),
                child=ModelSpec(pk="uuid"),
            )
        ),
        target=Target(model=0, rows=(1,), how="ids"),
    ),
    "string-keys-by-select": replace(
        parent_and_child(
            two_models(
                Link(parent=0, ondelete="SET NULL", rel="back_populates"),
                parent=ModelSpec(pk="str"),
                child=ModelSpec(pk="str"),
            )
        ),
        target=Target(model=0, rows=(1,), how="select"),
    ),
    "model-declared-after-configure": replace(
        parent_and_child(
            two_models(
                Link(parent=0, nullable=False, rel="backref_child", cascade="all, delete-orphan")
            )
        ),
        graph=Graph(
            models=(
                ModelSpec(),
                ModelSpec(
                    links=(
                        Link(
                            parent=0,
                            nullable=False,
                            rel="backref_child",
                            cascade="all, delete-orphan",
                        ),
                    )
                ),
            ),
            late_from=1,
            configure_early=True,
        ),
    ),
    "self-reference-delete-orphan-three-levels": World(
        graph=Graph(
            models=(
                ModelSpec(
                    self_link=Link(
                        parent=0,
                        ondelete="CASCADE",
                        rel="backref_child",
                        cascade="all, delete-orphan",
                    )
                ),
            )
        ),
        rows=((Row(1), Row(2, up=1), Row(3, up=2), Row(4, up=3), Row(5)),),
        pairs=(),
        target=Target(model=0, rows=(1,)),
    ),
    "association-object": World(
        graph=Graph(
            models=(
                ModelSpec(),
                ModelSpec(pk="uuid"),
                ModelSpec(
                    links=(
                        Link(
                            parent=0,
                            nullable=False,
                            rel="back_populates",
                            cascade="all, delete-orphan",
                        ),
                        Link(
                            parent=1,
                            ondelete="CASCADE",
                            nullable=False,
                            rel="backref_parent",
                            passive=True,
                        ),
                    )
                ),
            )
        ),
        rows=((Row(1), Row(2)), (Row(1), Row(2)), (Row(1, refs=(1, 1)), Row(2, refs=(2, 1)))),
        pairs=(),
        target=Target(model=1, rows=(1,), how="ids"),
    ),
    "one-to-one-delete-orphan": parent_and_child(
        two_models(
            Link(
                parent=0,
                nullable=False,
                unique=True,
                rel="back_populates",
                cascade="all, delete-orphan",
            )
        )
    ),
    "model-without-mixin-set-null": parent_and_child(
        two_models(Link(parent=0, ondelete="SET NULL"), child=ModelSpec(soft=False))
    ),
    "association-table-both-sides": linked_pair(M2M(left=0, right=1, rel="backref"), delete=0),
}


@pytest.fixture
def oracle_db(db_kind: str, server_urls: dict[str, str]) -> Iterator[Engine]:
    engine = oracle_engine(db_kind, None if db_kind == "sqlite" else server_urls[db_kind])
    yield engine
    engine.dispose()


@pytest.mark.parametrize("shape", list(FOUND))
def test_found_shape(shape: str, oracle_db: Engine) -> None:
    check_world(oracle_db, FOUND[shape])


@pytest.mark.parametrize("shape", list(GUARDS))
def test_contract_shape(shape: str, oracle_db: Engine) -> None:
    check_world(oracle_db, GUARDS[shape])
