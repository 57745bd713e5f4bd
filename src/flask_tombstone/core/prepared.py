"""Statements built once and run with bound parameters only: the single-row paths a web
request takes (a soft delete by ids or instances) would otherwise rebuild every statement on
every call, and SQLAlchemy would generate each one's cache key again before finding its
compiled form. A :class:`SoftStamps` holds the stamping statements of one (model, database,
one id or several); the graph holds them (:attr:`ModelGraph.memo`), so that a graph rebuilt
for new models starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    DateTime,
    Integer,
    and_,
    bindparam,
    exists,
    insert,
    not_,
    or_,
    select,
    update,
)

from .execute import Stamped, checked_sequence_id, from_sequence, kept_as_they_are
from .graph import ModelGraph, Node
from .inspect_rows import allowed_rows, probe_criteria
from .keys import is_integer_key
from .operations import FROM_SEQUENCE, NEXT_ROWID, OPERATIONS, row_param, row_params
from .permission_cache import cache_key
from .planner import LinkedStamps, Permission, Plan, StampedRows, Step, Target, plan_soft

T = TypeVar("T")
OP = bindparam("tombstone_op", type_=Integer())
NOW = bindparam("tombstone_now", type_=DateTime())


def prepared_target(target: Target) -> bool:
    """Whether a soft delete of ``target`` can run on prepared statements: asked by integer
    keys (ids or instances) of its node's own model, with no subclass scope."""
    return target.ids is not None and target.scope is None and is_integer_key(target.node.pk)


def by_ids(column: Any, many: bool) -> Any:
    """A criterion with the target's keys as a parameter: ``column = :tombstone_id`` or
    ``column IN (:tombstone_ids)`` (what :func:`.keys.key_in` builds for integer keys)."""
    if many:
        return column.in_(bindparam("tombstone_ids", expanding=True))
    return column == bindparam("tombstone_id")


def key_params(ids: tuple[Any, ...]) -> dict[str, Any]:
    """The asked keys as :func:`by_ids`'s parameter takes them."""
    return {"tombstone_ids": list(ids)} if len(ids) > 1 else {"tombstone_id": ids[0]}


def template_plan(graph: ModelGraph, node: Node, many: bool) -> Plan:
    """The soft plan of deleting ``node``'s rows by a key parameter (:func:`by_ids`), built
    once per graph: what the statements of any such delete are built from."""
    key = ("template", id(node), many)
    return remembered(graph, key, lambda: plan_soft(graph, Target(node, by_ids(node.pk, many), {})))


def remembered(graph: ModelGraph, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """What ``build`` makes for ``key``, built once and held by the graph's memo while it has
    room (:data:`MEMO_LIMIT`); past it, built for each call."""
    found = graph.memo.get(key)
    if found is None:
        found = build()
        if len(graph.memo) < MEMO_LIMIT:
            graph.memo[key] = found
    return found


def _narrowed(step: Step, target: Node, many: bool) -> Step:
    """``step`` with each link from the target's rows also narrowed to the asked keys
    (``item_id IN (SELECT id FROM item WHERE <stamped>) AND item_id = :tombstone_id``): true
    of the same rows, and what lets MariaDB, which does not turn the ``IN (SELECT …)`` of an
    ``UPDATE`` into a join, find them by index instead of scanning the table."""
    links = []
    for edge, extra in step.links:
        plain = edge.parent is target and edge.parent_key is None and edge.via is None
        narrowed = extra
        if plain and edge.parent is not step.node:
            asked = by_ids(edge.column, many)
            narrowed = asked if extra is None else and_(extra, asked)
        links.append((edge, narrowed))
    return Step(node=step.node, state=step.state, seed=step.seed, links=links)


@dataclass(frozen=True)
class _Step:
    name: str
    stamp: Any  # the step's rows (the first step: the target's)
    level: Any | None  # one level of self-referencing rows, repeated until none is left


class SoftStamps:
    """The statements stamping a soft delete's rows, for one (model, database, one id or
    several); :meth:`run` is :func:`.execute.stamp_soft` for such a target.

    ``reserved`` is the operation id's form (:func:`.operations.reserved_id`):
    ``FROM_SEQUENCE`` (the first statement takes it from the sequence and returns it), a SQL
    expression (SQLite), or ``None`` (an id known before, passed as a parameter)."""

    def __init__(self, graph: ModelGraph, node: Node, reserved: Any, many: bool, wrap: bool):
        criterion = by_ids(node.pk, many)
        plan = plan_soft(graph, Target(node, criterion, {}))
        self.from_sequence = reserved is FROM_SEQUENCE
        stamp = OP if reserved is None or self.from_sequence else reserved
        sets = StampedRows([stamp], wrap=wrap)
        steps: list[_Step] = []
        for step in plan.steps:
            table = step.node.table
            values = kept_as_they_are(table) | {"deleted_at": NOW, "deleted_by_op": stamp}
            # Narrowed to the asked keys unless the target reaches more of its own rows (a
            # self-reference): its replies' dependents hang from keys not asked for.
            narrow = step if plan.steps[0].self_links else _narrowed(step, node, many)
            where = narrow.where(sets, with_self=False)
            first = update(table).where(where).values(values)
            if self.from_sequence and step is plan.steps[0]:
                first = from_sequence(table, where, NOW)
            level = None
            if step.self_links:
                level = update(table).where(step.where(sets)).values(values)
            steps.append(_Step(step.node.name, first, level))
        self.steps = steps
        self.many = many

    def run(self, session: Any, ids: tuple[Any, ...], now: datetime, op_id: Any) -> Stamped:
        """Stamp the rows of ``ids`` and their dependents; ``op_id`` is the operation's id
        as :func:`.execute.stamp_soft` takes it."""
        known = op_id if isinstance(op_id, int) else None
        params: dict[str, Any] = {"tombstone_now": now, "tombstone_op": known}
        params |= key_params(ids)
        connection = session.connection()
        counts: dict[str, int] = {}
        roots = 0
        for number, step in enumerate(self.steps):
            if number == 0 and self.from_sequence:
                found, n = connection.execute(step.stamp, params).one()
                op_id = params["tombstone_op"] = checked_sequence_id(found)
                n = int(n)
            else:
                n = int(connection.execute(step.stamp, params).rowcount)
            if number == 0:
                roots = n
            if step.level is not None and n:
                while True:
                    level = int(connection.execute(step.level, params).rowcount)
                    if not level:
                        break
                    n += level
            counts[step.name] = n
        return Stamped(counts, roots, op_id)


def soft_stamps(
    graph: ModelGraph, node: Node, dialect: str, reserved: Any, many: bool, wrap: bool
) -> SoftStamps:
    """The :class:`SoftStamps` of ``node`` on ``dialect``, built on first use."""
    key = ("soft_stamps", id(node), dialect, many, wrap)
    found = graph.memo.get(key)
    if found is None:
        found = graph.memo[key] = SoftStamps(graph, node, reserved, many, wrap)
    return found


MEMO_LIMIT = 1024
"""Entries a graph's memo takes (shapes of plans, statements: a few per model and shape of
the permission hook's criteria, a few kilobytes each); past it, what is not held is built
for each call, as it was before there was a memo."""


class HookCriteria:
    """The permission hook's criteria for a plan's models, and what a statement built
    around an earlier call's criteria of the same shape needs to run with this call's:
    their parameters, matched by position in the criteria's cache keys (as SQLAlchemy
    matches a cached statement's own). Criteria that cannot be cached (no cache key) make
    the statement be built afresh."""

    def __init__(self, plan: Plan, permission: Permission | None, actor: Any) -> None:
        self.allowed = allowed_rows(plan, permission, actor)
        self.keys = [cache_key(permission, criterion) for _, criterion in self.allowed]
        self.cacheable = all(key is not None for key in self.keys)

    @property
    def shape(self) -> tuple[Any, ...]:
        return tuple(key.key for key in self.keys if key is not None)

    def binds(self) -> list[Any]:
        """The criteria's parameters, in cache-key order (recorded with a built statement)."""
        return [bind for key in self.keys if key is not None for bind in key.bindparams]

    def params(self, held: list[Any]) -> dict[str, Any]:
        """This call's values for the parameters ``held`` by a statement built before."""
        given = self.binds()
        return {old.key: new.effective_value for old, new in zip(held, given, strict=True)}

    def remembered(
        self, graph: ModelGraph, key: tuple[Any, ...], build: Callable[[], T]
    ) -> tuple[T, dict[str, Any]]:
        """What ``build`` makes around these criteria (statements), built once per ``key`` and
        shape of the criteria while the graph's memo has room and the criteria can be cached;
        with the parameters that give what was built around an earlier call's criteria this
        call's values (none when built now). A ``None`` built is not held."""
        full = (*key, self.shape)
        held = graph.memo.get(full) if self.cacheable else None
        if held is not None:
            found, binds = held
            return found, self.params(binds)
        found = build()
        if found is not None and self.cacheable and len(graph.memo) < MEMO_LIMIT:
            graph.memo[full] = (found, self.binds())
        return found, {}


@dataclass(frozen=True)
class StampedChecks:
    """The checks of a soft delete by keys (``ids`` of ``node``), with the permission hook's
    criteria for ``actor``, over the rows it stamped: :func:`.inspect_rows.find_blockers`'s
    first statement on its own (:meth:`blocked`), or as the ``WHERE`` of a write of the
    operation row the delete makes anyway (:meth:`record_unless_blocked`,
    :meth:`close_unless_blocked`: one statement fewer). Each statement is built once per
    (model, database, one key or several, shape of the hook's criteria) and reads each
    model's stamped rows through their parents' keys (:class:`LinkedStamps`); when one finds
    anything, the caller lists the blockers the general way."""

    graph: ModelGraph
    node: Node
    ids: tuple[Any, ...]
    wrap: bool
    permission: Permission | None
    actor: Any

    def blocked(self, session: Any, reserved: Any, op_id: Any) -> bool:
        """Whether any check refuses the rows stamped with ``op_id`` (``reserved``: its
        form, :func:`.operations.reserved_id`)."""
        stamp = OP if reserved is None or reserved is FROM_SEQUENCE else reserved

        def build(probes: list[Any], columns: tuple[str, ...]) -> Any:
            return select(*probes) if probes else None

        known = op_id if isinstance(op_id, int) else None
        result = self._run(session, "soft_probe", stamp, {}, build, {"tombstone_op": known})
        return result is not None and any(result.one())

    def record_unless_blocked(self, session: Any, values: dict[str, Any]) -> int | None:
        """SQLite: write the finished operation row (``values``, its id ``max(id) + 1``, the
        one its rows were stamped with) only if no check refuses them: an ``INSERT …
        SELECT`` whose ``WHERE`` is the probe. The row's id, or ``None`` when refused
        (nothing written). The transaction holds SQLite's write lock since its first stamp:
        nothing changes between the probe and the write."""

        def build(probes: list[Any], columns: tuple[str, ...]) -> Any:
            row = select(NEXT_ROWID, *(row_param(name) for name in columns))
            if probes:
                row = row.where(not_(or_(*probes)))
            return insert(OPERATIONS).from_select(["id", *columns], row)

        result = self._run(session, "sqlite_record", NEXT_ROWID, values, build, {})
        assert result is not None
        return int(result.lastrowid) if result.rowcount == 1 else None

    def close_unless_blocked(self, session: Any, op_id: int, closing: dict[str, Any]) -> bool:
        """MariaDB: close the operation opened ``running`` as ``op_id`` with ``closing``
        (:func:`.operations.closing_values`) only if no check refuses its rows: an
        ``UPDATE`` whose ``WHERE`` is the probe. Whether it was closed (``False``: refused,
        nothing changed). The probes read the stamped rows this transaction holds locked and
        take shared locks on what they read besides (as InnoDB's reads inside a write do),
        so nothing they saw changes before the commit."""

        def build(probes: list[Any], columns: tuple[str, ...]) -> Any:
            values = {name: row_param(name) for name in columns}
            statement = update(OPERATIONS).where(OPERATIONS.c.id == OP).values(values)
            return statement.where(not_(or_(*probes))) if probes else statement

        params = {"tombstone_op": op_id}
        result = self._run(session, "close_unless_blocked", OP, closing, build, params)
        assert result is not None
        return int(result.rowcount) == 1

    def _run(
        self,
        session: Any,
        name: str,
        stamp: Any,
        values: dict[str, Any],
        build: Callable[[list[Any], tuple[str, ...]], Any],
        params: dict[str, Any],
    ) -> Any:
        """Run the statement ``build`` makes around the probes over the rows stamped with
        ``stamp`` and the operation row's ``values`` (``None``: nothing to run)."""
        many = len(self.ids) > 1
        template = template_plan(self.graph, self.node, many)
        hook = HookCriteria(template, self.permission, self.actor)
        columns = tuple(values)

        def probes() -> Any:
            sets = LinkedStamps(template, [stamp], wrap=self.wrap)
            found = [
                exists().select_from(n.table).where(w)
                for n, w in probe_criteria(template, sets, hook.allowed)
            ]
            return build(found, columns)

        key = (name, id(self.node), stamp is OP, many, self.wrap, columns)
        statement, held = hook.remembered(self.graph, key, probes)
        if statement is None:
            return None
        held |= params | row_params(values) | key_params(self.ids)
        return session.connection().execute(statement, held)
