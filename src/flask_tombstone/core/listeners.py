"""Session listeners: soft-deleted rows hidden from every query, and the tutorials' own
deletion code (``session.delete(obj)``, ``query.delete()``, ``delete(Model)``) routed
through the engine.

Attached by :meth:`Tombstone.attach` to the session class, sessionmaker or scoped session
the application uses, idempotently; never at import time.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Delete, Engine, event, inspect, select
from sqlalchemy.engine import IteratorResult
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    UOWTransaction,
    object_session,
)

from .errors import Conflict, NotFound, Protected, TombstoneError
from .flush_first import flushing_first, lost_children, write_moves_first
from .graph import ModelGraph, Node
from .mixin import HIDE_TRASHED, INCLUDE_DELETED, ONLY_DELETED, SoftDeleteMixin, live
from .operations import atomic
from .opt_outs import opted_out, trash_only, without_trash_only
from .planner import Plan
from .policy import Policy, Rule
from .records import Operation
from .sql import INTERNAL, dialect_name
from .sync import forget_removed, mark_deleted, unmark_deleted
from .transaction_writes import watch
from .versions import refuse_stale

if TYPE_CHECKING:
    from .service import Tombstone

OPTED_OUT = "tombstone_opted_out"  # InstanceState.info: loaded with an opt-out
GOVERNED = "tombstone_graph"  # Session.info: the graph whose engine runs its deletions


def _bind_of(target: Any) -> Any:
    """The engine a ``sessionmaker`` (or a ``scoped_session`` of one) binds, if it says."""
    factory = getattr(target, "session_factory", target)
    return getattr(factory, "kw", {}).get("bind")


def _watch_engine(session: Session, transaction: Any, connection: Connection) -> None:
    """Whether a transaction wrote is known from the next one on (the engine's ``begin``)."""
    watch(connection.engine)


class RowCountResult(IteratorResult[Any]):
    """The result ``query.delete()`` reads its row count from, for deletes the engine ran;
    with the rows of its ``RETURNING`` when the statement had one."""

    def __init__(self, rowcount: int, keys: Any = (), rows: Any = ()) -> None:
        super().__init__(SimpleResultMetaData(list(keys)), iter(rows))
        self._rowcount = rowcount

    @property
    def rowcount(self) -> int:
        return self._rowcount


class Listeners:
    """The listeners of one :class:`Tombstone`, attached to any number of session targets."""

    def __init__(self, tombstone: Tombstone) -> None:
        self.tombstone = tombstone
        self._hide = HIDE_TRASHED

    def _events(self) -> tuple[tuple[str, Any], ...]:
        return (
            ("do_orm_execute", self.on_execute),
            ("before_flush", self.on_flush),
            ("deleted_to_persistent", _forget_stamp),
            ("after_begin", _watch_engine),
        )

    def attach(self, target: Any) -> None:
        bind = _bind_of(target)
        if isinstance(bind, Engine):
            watch(bind)  # its transactions known from the first: see .transaction_writes
        for name, fn in self._events():
            if not event.contains(target, name, fn):
                event.listen(target, name, fn)
        if not event.contains(SoftDeleteMixin, "load", _note_opt_out):
            event.listen(SoftDeleteMixin, "load", _note_opt_out, propagate=True)
        if not event.contains(SoftDeleteMixin, "before_delete", _refuse_hard_delete):
            event.listen(SoftDeleteMixin, "before_delete", _refuse_hard_delete, propagate=True)

    def detach(self, target: Any) -> None:
        for name, fn in self._events():
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    # -- visibility and bulk statements ----------------------------------------------------
    def on_execute(self, state: ORMExecuteState) -> Any:
        options = state.execution_options
        if options.get("tombstone_internal"):
            return None
        if state.is_delete:
            routed = self._route_delete(state)
            if routed is None and not options.get(INCLUDE_DELETED):
                self._hide_trashed(state)  # the unit of work's own: its filter reads live rows
            return routed
        opted = opted_out(state)
        if opted == INCLUDE_DELETED:
            return None
        if state.is_column_load:
            # A refresh or an expired attribute's load: SQLAlchemy applies no loader criteria
            # there, so a row trashed since would come back. Like a row deleted since, it
            # does not (ObjectDeletedError), unless it was loaded from the trash on purpose;
            # nor do the trashed rows its eager loads and column subqueries read.
            refreshed = state.load_options._refresh_state
            if refreshed is None or not refreshed.info.get(OPTED_OUT):
                state.statement = _live_rows_only(state)
                self._hide_trashed(state)
            return None
        if state.is_select or state.is_update or state.is_insert:
            if opted == ONLY_DELETED and state.is_select and not state.is_relationship_load:
                statement, criteria = trash_only(state.statement, self.tombstone.graph)
                state.statement = statement.options(*criteria)
            else:
                if state.is_relationship_load:
                    state.statement = without_trash_only(state.statement)
                # Relationship loads of rows loaded through this filter carry it already
                # (propagated); the others (of objects added or loaded with include_deleted)
                # get it here; an INSERT ... SELECT copies live rows only.
                self._hide_trashed(state)
            if state.is_update and isinstance(state.parameters, list):
                state.statement = _live_rows_only(state)
                if "synchronize_session" not in options:
                    # SQLAlchemy cannot synchronise a bulk UPDATE that has extra criteria;
                    # like synchronize_session=None, it leaves instances as they are.
                    state.update_execution_options(synchronize_session=None)
        return None

    def _hide_trashed(self, state: ORMExecuteState) -> None:
        if self._hide not in getattr(state.statement, "_with_options", ()):
            state.statement = state.statement.options(self._hide)

    def _route_delete(self, state: ORMExecuteState) -> Any:
        mapper = state.bind_mapper
        statement = state.statement
        if mapper is None or not isinstance(statement, Delete):
            return None
        node = _governing(self.tombstone.graph, mapper.class_)
        if node is None:
            return None
        query = select(mapper.class_)
        if statement.whereclause is not None:
            query = query.where(statement.whereclause)
        keys: list[str] = []
        rows: list[Any] = []
        if statement._returning and statement.whereclause is not None:
            # the matched rows' columns, read before they go (unfiltered, the engine refuses)
            returned = select(*statement._returning).where(statement.whereclause)
            result = state.session.execute(returned)
            keys, rows = list(result.keys()), list(result.all())
        try:
            operation = self.tombstone.delete(query, session=state.session, hard=not node.soft)
        except NotFound:
            return RowCountResult(0, keys)
        matched = operation.target_rows
        count = operation.counts.get(node.name, 0) if matched is None else matched
        return RowCountResult(count, keys, rows)

    # -- session.delete(obj) ---------------------------------------------------------------
    def on_flush(self, session: Session, context: UOWTransaction, instances: Any) -> None:
        """Deletions the unit of work is about to run, on rows the engine governs, run through
        the engine instead: soft ones stamped, hard ones with soft rows below them removed
        with those (the unit of work cannot see trashed rows). All or nothing: a refusal
        leaves the database as it was and the instances persistent, no longer marked deleted.
        """
        if flushing_first(session):
            return  # the moves of this flush, written before its deletions (below)
        graph = self.tombstone.graph
        session.info[GOVERNED] = graph  # what the unit of work must never DELETE itself
        # Instances an earlier flush of this transaction already deleted through the engine
        # (an autoflush inside a later session.delete's cascade) and deleted again since.
        # (Session.delete put them back in the identity map: take them out again.)
        session._remove_newly_deleted([state for state in session._deleted if state._deleted])
        self._leave_operations(session, graph)
        self._refuse_trashed_keys(session, graph)
        groups: dict[Node, list[Any]] = {}  # {node: instances the engine deletes}
        deleting = [*session.deleted, *_soft_orphans(session, graph)]
        replaced = _replaced_keys(session) if deleting else set()  # (most flushes delete none)
        left: list[Any] = []  # deletions the unit of work would run itself
        for obj in deleting:
            if inspect(obj).key in replaced:
                continue  # a new instance takes its key: the unit of work UPDATEs the row
            node = _governing(graph, type(obj))
            if node is not None:
                groups.setdefault(node, []).append(obj)
            else:
                left.append(obj)
        if not groups:
            return
        _take_restricting_rows(graph, groups, left)
        taken = [obj for objs in groups.values() for obj in objs]
        write_moves_first(session, taken)
        tombstone = self.tombstone
        request = tombstone._request(None, None, None, None)
        done: list[tuple[Plan, Operation]] = []
        try:
            with atomic(session):
                refuse_stale(session, groups)  # as the unit of work's versioned DELETE would
                dialect = dialect_name(session)
                plans = {
                    node: tombstone.plan(groups[node], hard=not node.soft, dialect=dialect)
                    for node in graph.hard_closure(list(groups))
                    if node in groups
                }
                for plan in restricting_first(plans):
                    try:
                        op = tombstone.execute(
                            session,
                            plan,
                            request,
                            missing_ok=True,
                            snapshot=tombstone.snapshot,
                            sync=False,
                        )
                    except NotFound:
                        continue  # every row already taken by a parent's cascade
                    done.append((plan, op))
        except BaseException:
            unmark_deleted(session, taken)
            raise
        for plan, op in done:
            forget_removed(session, plan, op)
        mark_deleted(session, [obj for obj in taken if inspect(obj).persistent])

    def _leave_operations(self, session: Session, graph: ModelGraph) -> None:
        """A row brought back by hand (``obj.deleted_at = None``) leaves its operation: a later
        restore or purge of that operation no longer counts it as its own."""
        for obj in session.dirty:
            node = graph.node_for(type(obj))
            if node is None or not node.soft:
                continue
            state = inspect(obj)
            changed = state.attrs.deleted_at.history
            if changed.added == [None] and changed.deleted:
                obj.deleted_by_op = None

    def _refuse_trashed_keys(self, session: Session, graph: ModelGraph) -> None:
        """A new instance whose key a trashed row holds (``session.merge`` of a trashed id,
        ``add`` with an explicit key) is refused by name, not by a raw duplicate-key error."""
        wanted: dict[Node, list[Any]] = {}  # {node: keys of new instances}
        for obj in session.new:
            node = graph.node_for(type(obj))
            if node is None or not node.soft:
                continue
            value = getattr(obj, node.pk_key, None)
            if value is not None:
                wanted.setdefault(node, []).append(value)
        for node, keys in wanted.items():
            query = select(node.pk, node.col("deleted_by_op")).where(
                node.pk.in_(keys), node.col("deleted_at").is_not(None)
            )
            rows = session.execute(query, execution_options=INTERNAL).all()
            if rows:
                held = ", ".join(f"{node.name} {pk} (operation {op})" for pk, op in rows)
                raise Conflict(
                    detail=f"{held} is in the trash: restore it, or give the new row another key"
                )


def _note_opt_out(target: Any, context: Any) -> None:
    """Remember that an instance was loaded with ``include_deleted`` / ``only_deleted``: its
    later refreshes may see it in the trash."""
    options = getattr(context, "execution_options", None) or {}
    if options.get(INCLUDE_DELETED) or options.get(ONLY_DELETED):
        inspect(target).info[OPTED_OUT] = True


GOVERNED_REGISTRIES: weakref.WeakSet[Any] = weakref.WeakSet()
"""The declarative registries a Tombstone governs (whatever session their models are used in)."""

UNGOVERNED = "tombstone_ungoverned"
"""``Session.info`` key: ``sessionmaker(info={UNGOVERNED: True})`` is a session whose unit of
work may delete soft rows for good (a test comparing with plain SQLAlchemy, a data migration),
as if Flask-Tombstone were not there."""


def _refuse_hard_delete(mapper: Any, connection: Any, target: Any) -> None:
    """The last guard: a soft row of a governed model never reaches the unit of work's own
    ``DELETE``. The flush listener takes every deletion it can see; one it could not (a
    cascade it does not know of) refuses the flush, which then changes nothing — and so does
    a session the listeners are not attached to (a ``sessionmaker`` of the app's own on its
    engine, in a script or a job), where nothing would have put the row in the trash."""
    session = object_session(target)
    graph = None if session is None else session.info.get(GOVERNED)
    if session is not None and session.info.get(UNGOVERNED):
        return
    if graph is None and mapper.registry in GOVERNED_REGISTRIES:
        raise TombstoneError(
            detail=f"{type(target).__name__} rows go to the trash, but this session is not "
            "one Flask-Tombstone is attached to (a sessionmaker of your own?): refused, nothing "
            "was deleted. Use the app's session, or attach this one: tombstone.attach(Session) "
            "(or, to delete for good, Session(info={UNGOVERNED: True}))"
        )
    node = None if graph is None else graph.governing(type(target))
    if node is not None and node.soft:
        key = inspect(target).identity
        raise TombstoneError(
            detail=f"{node.name} {key[0] if key else ''} was about to be removed by the unit "
            "of work behind Flask-Tombstone's back (a deletion its flush listener did not "
            "see); refused: nothing was deleted"
        )


def _forget_stamp(session: Session, instance: Any) -> None:
    """A deletion reverted by a rollback: the stamp the engine set on the instance is stale."""
    if isinstance(instance, SoftDeleteMixin):
        session.expire(instance, ["deleted_at", "deleted_by_op"])


def _live_rows_only(state: ORMExecuteState) -> Any:
    """A statement that the loader criteria do not reach (an ORM bulk UPDATE by primary key,
    a refresh) says itself that it reads or writes live rows only."""
    mapper = state.bind_mapper
    statement: Any = state.statement
    if mapper is None or not issubclass(mapper.class_, SoftDeleteMixin):
        return statement
    if not hasattr(statement, "where"):
        # The columns of a joined subclass loaded on first access (SQLAlchemy's FromStatement
        # over the subclass's own table, which has no stamp): the row was read live.
        return statement
    return statement.where(live(mapper.class_))


def _governing(graph: ModelGraph, cls: type) -> Node | None:
    """The node whose deletions the engine runs for instances of ``cls``, if it does."""
    node = graph.governing(cls)
    if node is None:
        return None
    if node.policy is Policy.PROTECTED:
        raise Protected(f"{node.name} rows are protected and cannot be deleted", model=node.name)
    if node.policy is Policy.HARD and not graph.reaches_soft(node):
        return None
    return node


def _replaced_keys(session: Session) -> set[Any]:
    """Identity keys of the flush's new instances: a deleted instance whose key a new one
    takes is replaced, which the unit of work writes as an ``UPDATE`` of the row (its "row
    switch"), never a deletion."""
    keys = set()
    for obj in session.new:
        state = inspect(obj)
        key = state.mapper._identity_key_from_state(state)
        if None not in key[1]:
            keys.add(key)
    return keys


def _take_restricting_rows(
    graph: ModelGraph, groups: dict[Node, list[Any]], left: list[Any]
) -> None:
    """Plain rows this flush deletes that point, through a ``RESTRICT`` link, at rows the
    engine deletes (an order and the receipt its delete cascade takes): the engine deletes
    them too, first (:func:`restricting_first`), so that the rows one flush deletes never
    block each other; left to the unit of work, they would still be there when the engine
    checks."""
    while True:
        taken = [
            obj
            for obj in left
            if (node := graph.governing(type(obj))) is not None
            and node.policy is Policy.HARD
            and any(e.rule is Rule.RESTRICT and e.parent in groups for e in node.parents)
        ]
        if not taken:
            return
        for obj in taken:
            left.remove(obj)
            groups.setdefault(graph.governing(type(obj)), []).append(obj)  # type: ignore[arg-type]


def restricting_first(plans: dict[Node, Plan]) -> list[Plan]:
    """The plans of one flush in the order they run: parents before children (``plans``'
    order), except that rows another plan's RESTRICT check looks for go first — the flush
    deletes them too, so they must not block it (``session.delete`` of a post's comments and
    of the post, which the unit of work orders children first). Where two plans each look
    for the other's rows, the first in ``plans``' order goes first."""
    before: dict[Node, set[Node]] = {node: set() for node in plans}  # {node: run after these}
    for node, plan in plans.items():
        for check in plan.checks:
            child = check.edge.child
            if check.reason == "restrict" and child is not node and child in plans:
                before[node].add(child)
    ordered: list[Plan] = []
    pending = list(plans)
    while pending:
        ready = next((n for n in pending if not before[n] & set(pending)), pending[0])
        ordered.append(plans[ready])
        pending.remove(ready)
    return ordered


def _soft_orphans(session: Session, graph: ModelGraph) -> list[Any]:
    """Persistent soft instances a ``delete-orphan`` cascade is about to delete, found as the
    unit of work finds them: changed instances that lost their parent, and instances taken
    out of (or replaced in) a ``delete-orphan`` relationship of a changed parent with no
    parent left on that relationship — a child the ORM loaded only to replace it, or one of a
    relationship declared without a backref, is itself unchanged."""
    found: dict[Any, None] = {}
    for obj in session.dirty:
        state = inspect(obj)
        if state.mapper._delete_orphans and state.mapper._is_orphan(state):
            found[obj] = None
        for impl, child in lost_children(state):
            if impl.hasparent(inspect(child)) is False:
                found[child] = None
    return [
        obj
        for obj in found
        if (state := inspect(obj)).has_identity
        and state not in session._deleted
        and (node := graph.node_for(type(obj))) is not None
        and node.soft
    ]
