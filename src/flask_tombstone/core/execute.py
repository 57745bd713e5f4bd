"""The executors: each step of a plan is one set-based statement (or a few, for journaling).

Soft deletes stamp rows model by model; each model's parent rows are found by the
operation's own stamp. Hard deletes remove rows children first, nulling ``SET_NULL`` links and
detaching association rows just before the rows they point at go, journaling both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, delete, func, insert, literal, null, select, update
from sqlalchemy.orm import Session

from .errors import ConfigurationError
from .graph import Node
from .keys import fits_row_id
from .operations import FROM_SEQUENCE, next_in_sequence
from .planner import NestedRows, Plan, RowSets, StampedRows, Step, TrashedRows, derived
from .policy import Rule
from .records import JournalEntry, JournalKind
from .snapshots import write_snapshots
from .sql import INTERNAL, json_row

JOURNAL: Table = JournalEntry.__table__  # type: ignore[assignment]


def run(session: Session, statement: Any) -> int:
    """Execute a set-based write on the session's connection, as Core: none of the ORM's
    execution work (``synchronize_session``, events) applies to the engine's own statements,
    and the session's instances are brought up to date by :mod:`.sync` afterwards."""
    return int(session.connection().execute(statement).rowcount)


@dataclass(frozen=True)
class Stamped:
    """Rows stamped per model, how many of them the target itself asked for (the rest of the
    target model's count is replies reached through a self-reference), and the id they were
    stamped with."""

    counts: dict[str, int]
    roots: int
    op_id: Any = None


def stamp_soft(session: Session, plan: Plan, op_id: Any, now: datetime, sets: RowSets) -> Stamped:
    """Stamp every step's live rows with ``deleted_at`` and ``deleted_by_op``.

    ``op_id`` is the operation's id, a SQL expression giving it (SQLite's ``max(id) + 1``),
    or :data:`~.operations.FROM_SEQUENCE`: the first statement then takes it from the
    operations table's sequence and returns it with its count (PostgreSQL), and ``sets``
    (a :class:`StampedRows`) learns it. ``sets`` finds the parent rows already stamped: all
    of the operation's, or (chunked) the current chunk's.
    """
    counts: dict[str, int] = {}
    roots = 0
    for step in plan.steps:
        table = step.node.table
        first = step is plan.steps[0]
        if first and op_id is FROM_SEQUENCE:
            op_id, n = _stamp_from_sequence(session, table, step.where(sets, with_self=False), now)
            assert isinstance(sets, StampedRows)
            sets.op_ids = [op_id]
            values = kept_as_they_are(table) | {"deleted_at": now, "deleted_by_op": op_id}
        else:
            values = kept_as_they_are(table) | {"deleted_at": now, "deleted_by_op": op_id}
            n = run(session, update(table).where(step.where(sets, with_self=False)).values(values))
        if first:
            roots = n
        if step.self_links and n:
            # Self-references (replies to comments): one statement a level, until none is
            # left; with no row stamped at this step, no reply can be reached.
            # The seed's rows were all stamped above: the levels follow the links only (a
            # filter read again would find rows it did not select at first).
            while True:
                replies = step.where(sets, with_seed=False)
                level = run(session, update(table).where(replies).values(values))
                if not level:
                    break
                n += level
        counts[step.node.name] = n
    return Stamped(counts, roots, op_id)


def _stamp_from_sequence(
    session: Session, table: Table, where: Any, now: datetime
) -> tuple[int, int]:
    """PostgreSQL: take the operation's id from its table's sequence and stamp the first
    step's rows with it, in one statement; returns the id and the rows stamped."""
    found, n = session.connection().execute(from_sequence(table, where, now)).one()
    return checked_sequence_id(found), int(n)


def from_sequence(table: Table, where: Any, now: Any) -> Any:
    """PostgreSQL: one statement taking the operation's id from its table's sequence and
    stamping rows (``where``) with it; it returns the id and the rows stamped."""
    new_op = select(next_in_sequence().label("id")).cte("tombstone_new_op")
    op_id = select(new_op.c.id).scalar_subquery()
    values = kept_as_they_are(table) | {"deleted_at": now, "deleted_by_op": op_id}
    stamped = (
        update(table).where(where).values(values).returning(literal(1)).cte("tombstone_stamped")
    )
    return select(op_id, select(func.count()).select_from(stamped).scalar_subquery())


def checked_sequence_id(found: Any) -> int:
    if found is None:  # no sequence behind the column (pg_get_serial_sequence said NULL)
        raise ConfigurationError(
            "tombstone_operation.id has no sequence of its own (serial or identity)"
        )
    return int(found)


def kept_as_they_are(table: Table) -> dict[str, Any]:
    """``SET col = col`` for the columns an UPDATE would otherwise change by itself
    (``onupdate=`` such as ``updated_at``): trashing and restoring a row is not editing it,
    and a restore must give back exactly the row that was there."""
    return {column.name: column for column in table.c if column.onupdate is not None}


def unstamp(session: Session, nodes: list[Node], op_ids: list[int], wrap: bool) -> dict[str, int]:
    """Bring back exactly the rows stamped by ``op_ids`` still in the trash."""
    sets = TrashedRows(op_ids, wrap=wrap)
    counts: dict[str, int] = {}
    for node in nodes:
        values = kept_as_they_are(node.table) | {"deleted_at": None, "deleted_by_op": None}
        statement = update(node.table).where(sets.stamp(node)).values(values)
        counts[node.name] = run(session, statement)
    return counts


def journals(plan: Plan, *, snapshot: bool) -> bool:
    """Whether a hard delete of ``plan`` writes journal entries (which need its operation)."""
    return snapshot or any(
        edge.rule in (Rule.SET_NULL, Rule.DETACH)
        for step in plan.steps
        for edge in step.node.dependents
    )


def remove_hard(
    session: Session, plan: Plan, op_id: int | None, *, snapshot: bool, wrap: bool
) -> tuple[dict[str, int], dict[str, int]]:
    """Delete every step's rows children first; returns (counts, effects).

    ``effects`` counts what changed around the deleted rows: ``"Item.assignee_id": n`` links
    nulled, ``"item_tag": n`` association rows detached. ``op_id`` is the operation the
    journal entries belong to; ``None`` only where :func:`journals` says there are none.
    """
    sets = NestedRows(plan, wrap=wrap)
    if op_id is None and journals(plan, snapshot=snapshot):
        raise ValueError("a hard delete that journals needs its operation's id")
    journal_op = op_id or 0  # never written when op_id is None (checked above)
    counts: dict[str, int] = {}
    effects: dict[str, int] = {}
    for step in reversed(plan.steps):
        node = step.node
        in_plan = _membership(step, sets)
        for edge in node.dependents:
            if edge.rule is Rule.SET_NULL:
                linked = edge.links(sets.of(node), wrap=wrap)
                _journal_links(session, journal_op, edge.table, edge.column, linked)
                nulled = run(session, update(edge.table).where(linked).values({edge.column: None}))
                if nulled:
                    effects[edge.name] = effects.get(edge.name, 0) + nulled
            elif edge.rule is Rule.DETACH:
                linked = edge.links(sets.of(node), wrap=wrap)
                _journal_detached(session, journal_op, edge.table, linked)
                detached = run(session, delete(edge.table).where(linked))
                if detached:
                    effects[edge.table.name] = effects.get(edge.table.name, 0) + detached
        if snapshot:
            write_snapshots(session, journal_op, node.table, in_plan)
            for table in node.joined:
                rows = node.joined_pk(table).in_(select(node.pk).where(in_plan))
                write_snapshots(session, journal_op, table, rows)
        if node.joined:
            removed = _remove_joined(session, node, in_plan, _leaves(step, wrap))
        elif step.self_links:
            # A database-level cascade on the self-reference may remove rows of the set before
            # the statement reaches them (MariaDB goes row by row): count the set first. On
            # MariaDB as a locking read: a plain one reads the transaction's snapshot, which
            # may predate a concurrent purge's commit of these very rows (counted twice).
            counted = select(func.count()).select_from(node.table).where(in_plan)
            if wrap:
                counted = counted.with_for_update(read=True)
            removed = int(session.execute(counted, execution_options=INTERNAL).scalar_one())
            if all(_database_cascades(edge) for edge, _ in step.self_links):
                run(session, delete(node.table).where(in_plan))
            else:
                _remove_leaves_first(session, step, in_plan, removed, wrap)
        else:
            removed = run(session, delete(node.table).where(in_plan))
        if removed:
            counts[node.name] = removed
    return counts, effects


JOINED_BATCH = 1000
"""Rows of a joined-inheritance model removed per round (see :func:`_remove_joined`)."""


def _remove_joined(session: Session, node: Node, in_plan: Any, leaves: list[Any]) -> int:
    """Remove rows of a joined-inheritance model: each subclass table's rows before the base
    rows they point at. The set may be defined through a subclass table (``Laptop.ram >= 32``),
    which the first DELETE would empty, so it is read in batches of keys, each batch removed
    from every table before the next is read: memory stays flat, and the statements number
    ``tables x rows / JOINED_BATCH``. With ``leaves`` (a self-reference the database does not
    cascade), each batch takes rows no other row points at."""
    removed = 0
    while True:
        query = select(node.pk).where(in_plan, *leaves).limit(JOINED_BATCH)
        keys = list(session.scalars(query, execution_options=INTERNAL))
        if not keys and leaves:  # rows left only in a cycle: let the database say why
            leaves = []
            continue
        if not keys:
            return removed
        for table in reversed(node.joined):
            run(session, delete(table).where(node.joined_pk(table).in_(keys)))
        removed += run(session, delete(node.table).where(node.pk.in_(keys)))


def _database_cascades(edge: Any) -> bool:
    """Whether the database itself cascades along ``edge``'s foreign key."""
    return any((fk.ondelete or "").upper() == "CASCADE" for fk in edge.column.foreign_keys)


def _leaves(step: Step, wrap: bool) -> list[Any]:
    """Criteria for the rows of a self-referencing step that no row points at, where the
    database does not cascade the self-reference itself (none otherwise)."""
    links = step.self_links
    if not links or all(_database_cascades(edge) for edge, _ in links):
        return []
    node = step.node
    found = []
    for edge, _ in links:
        pointed = derived(select(edge.column).where(edge.column.is_not(None)), wrap)
        key = node.pk if edge.parent_key is None else edge.parent_key
        found.append(key.not_in(pointed))
    return found


def _remove_leaves_first(
    session: Session, step: Step, in_plan: Any, total: int, wrap: bool
) -> None:
    """Remove a self-referencing set whose constraint is RESTRICT or NO ACTION, which some
    databases check row by row within one statement (MariaDB always; SQLite for RESTRICT):
    one statement per level, each taking the rows no other row of the table points at."""
    table = step.node.table
    removed = 0
    unreferenced = _leaves(step, wrap)
    while removed < total:
        level = run(session, delete(table).where(in_plan, *unreferenced))
        if not level:  # a cycle: let the database say why
            run(session, delete(table).where(in_plan))
            return
        removed += level


def _membership(step: Step, sets: NestedRows) -> Any:
    """The criterion for a step's rows; self-references need the recursive set."""
    if step.self_links:
        return step.node.pk.in_(sets.of(step.node))
    return step.where(sets)


def _journal_links(session: Session, op_id: int, table: Table, column: Any, where: Any) -> None:
    (pk,) = table.primary_key.columns
    # Integer keys go in row_id; any other key into the data, beside the value nulled.
    integer = fits_row_id(pk)
    source = select(
        literal(op_id),
        literal(JournalKind.SET_NULL),
        literal(table.name),
        pk if integer else null().cast(Integer),
        literal(column.name),
        json_row(session, table, [column] if integer else [pk, column]),
    ).where(where)
    columns = ["op_id", "kind", "table_name", "row_id", "column", "data"]
    run(session, insert(JOURNAL).from_select(columns, source))


def _journal_detached(session: Session, op_id: int, table: Table, where: Any) -> None:
    """One journal entry per association row removed (they are few, and keyless)."""
    source = select(
        literal(op_id),
        literal(JournalKind.DETACH),
        literal(table.name),
        null().cast(Integer),
        json_row(session, table),
    ).where(where)
    columns = ["op_id", "kind", "table_name", "row_id", "data"]
    run(session, insert(JOURNAL).from_select(columns, source))
