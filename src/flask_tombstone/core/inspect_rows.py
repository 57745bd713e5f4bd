"""Read-only questions about a plan's rows: blockers, counts, samples, fingerprints.

Each takes the :class:`~.planner.RowSets` that say how the plan's rows are found, so the same
function serves the executors (stamped rows) and the preview (nested sub-selects).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    literal_column,
    not_,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from .errors import Blocker, RowRef
from .graph import Node
from .keys import is_integer_key, json_key
from .permission_cache import criterion_of
from .planner import Check, Permission, Plan, RowSets
from .sql import INTERNAL, with_parent

BLOCKER_CAP = 50
"""Blockers listed per check; the total is always counted."""


def row_ref(node: Node, row: Any) -> RowRef:
    """A row named by its (key, label) as read: the label as text, "Note 3" when empty."""
    return RowRef(model=node.name, id=json_key(row[0]), label=label_text(node, row[0], row[1]))


def label_text(node: Node, key: Any, label: Any) -> str:
    """A row's label as text; a row whose label is empty (NULL, ``""``) is named by its model
    and key, "Note 3", never "None"."""
    if label is None or label == "":
        return f"{node.name} {json_key(key)}"
    return str(label)


def find_blockers(
    session: Session,
    plan: Plan,
    sets: RowSets,
    *,
    permission: Permission | None = None,
    actor: Any = None,
    cap: int = BLOCKER_CAP,
) -> tuple[list[Blocker], int]:
    """Every reason the plan cannot run, capped per check, with the total count.

    One statement asks whether any check finds a row at all; only the checks that do are
    then listed (the usual delete, blocked by nothing, pays one round trip for all checks).
    """
    probes = _probes(plan, sets, allowed_rows(plan, permission, actor))
    if not probes:
        return [], 0
    found = session.execute(
        select(*(exists().select_from(node.table).where(where) for _, node, where in probes)),
        execution_options=INTERNAL,
    ).one()
    blockers: list[Blocker] = []
    total = 0
    for (list_rows, node, where), hit in zip(probes, found, strict=True):
        if hit:
            rows, listed = list_rows(session, cap)
            blockers.extend(listed)
            total += _count_beyond(session, rows, cap, node, where)
    return blockers, total


Lister = Callable[[Session, int], tuple[Sequence[Any], list[Blocker]]]


def allowed_rows(
    plan: Plan, permission: Permission | None, actor: Any
) -> list[tuple[Node, ColumnElement[bool]]]:
    """The permission hook's criterion for each model of the plan it restricts."""
    if permission is None:
        return []
    found = [(node, criterion_of(permission(actor, node.cls), node.cls)) for node in plan.nodes]
    return [(node, allowed) for node, allowed in found if allowed is not None]


def probe_criteria(
    plan: Plan, sets: RowSets, allowed: list[tuple[Node, ColumnElement[bool]]]
) -> list[tuple[Node, ColumnElement[bool]]]:
    """Per check, and per model the permission hook restricts (``allowed``, from
    :func:`allowed_rows`): the model it reads and the criterion of its blocking rows, for a
    caller asking in a statement of its own."""
    return [(node, where) for _, node, where in _probes(plan, sets, allowed)]


def _probes(
    plan: Plan, sets: RowSets, allowed: list[tuple[Node, ColumnElement[bool]]]
) -> list[tuple[Lister, Node, ColumnElement[bool]]]:
    """Per check: how to list its blockers, the model it looks at, and its criterion."""
    probes: list[tuple[Lister, Node, ColumnElement[bool]]] = []
    for check in plan.checks:
        child = check.edge.child
        assert child is not None
        parents = sets.of(check.edge.parent)
        clauses = [check.edge.child_rows(parents, wrap=sets.wrap)]
        if not check.inside:
            clauses.append(sets.outside(child))
        if check.state is not None:
            clauses.append(check.state)
        where = and_(*clauses)
        probes.append((functools.partial(_list_check, check, where), child, where))
    for node, criterion in allowed:
        where = and_(sets.member(node), not_(criterion))
        probes.append((functools.partial(_list_forbidden, node, where), node, where))
    return probes


def _list_check(
    check: Check, where: ColumnElement[bool], session: Session, cap: int
) -> tuple[Sequence[Any], list[Blocker]]:
    edge, parent, child = check.edge, check.edge.parent, check.edge.child
    assert child is not None
    query, _ = with_parent(edge, "target_row")
    rows = session.execute(query.where(where).limit(cap), execution_options=INTERNAL).all()
    listed = [
        Blocker(
            reason=check.reason,
            row=row_ref(child, row),
            via=edge.name,
            target=RowRef(
                model=parent.name, id=json_key(row[2]), label=label_text(parent, row[2], row[3])
            ),
        )
        for row in rows
    ]
    return rows, listed


def _list_forbidden(
    node: Node, where: ColumnElement[bool], session: Session, cap: int
) -> tuple[Sequence[Any], list[Blocker]]:
    query = select(node.key, node.label_column).where(where).order_by(node.key).limit(cap)
    rows = session.execute(query, execution_options=INTERNAL).all()
    return rows, [Blocker(reason="forbidden", row=row_ref(node, r)) for r in rows]


def _count_beyond(
    session: Session, rows: Sequence[Any], cap: int, node: Node, where: ColumnElement[bool]
) -> int:
    if len(rows) < cap:
        return len(rows)
    query = select(func.count()).select_from(node.table).where(where)
    return int(session.execute(query, execution_options=INTERNAL).scalar_one())


def count_rows(session: Session, plan: Plan, sets: RowSets) -> dict[str, int]:
    """Rows per model, counted by the database."""
    return {name: count for name, (count, _) in summarize(session, plan, sets).items()}


Summary = tuple[int, list[Any]]  # rows, and the summary of their ids (see fingerprint)


def summarize(session: Session, plan: Plan, sets: RowSets) -> dict[str, Summary]:
    """Per model, the rows and the count, sum, min, max and sum of squares (folded) of their
    ids (UUID and string keys: distinct count, min and max of their text), computed in the
    database, no row loaded: one statement for every model (:func:`summary_statement`)."""
    statement = summary_statement(plan, sets)
    row = session.execute(statement, execution_options=INTERNAL).one()
    return read_summaries(plan, row)


def summary_statement(plan: Plan, sets: RowSets, *extra: Any) -> Select[Any]:
    """The statement :func:`summarize` runs, each model's aggregate a one-row derived table
    of its own, joined; ``extra`` columns first (a caller's probes)."""
    derived = []
    for number, node in enumerate(plan.nodes):
        pk = node.key
        summary: tuple[Any, ...]
        if is_integer_key(pk):
            # The sum of squares (of the keys modulo a prime below 2**16, so that it cannot
            # overflow) tells apart sets of keys that share their count, sum, min and max.
            folded = pk % FOLD
            summary = (func.sum(pk), func.min(pk), func.max(pk), func.sum(folded * folded))
        else:  # no sum; their text orders and compares everywhere
            text = cast(pk, String)
            summary = (func.count(func.distinct(text)), func.min(text), func.max(text))
        aggregates = [func.count(), *summary]
        labelled = [c.label(f"m{number}_{i}") for i, c in enumerate(aggregates)]
        one: Any = literal_column("1").label("one")  # what the one-row tables are joined on
        query = select(one, *labelled).select_from(node.table).where(sets.member(node))
        derived.append(query.subquery(f"tombstone_m{number}"))
    joined: Any = derived[0]
    for table in derived[1:]:
        joined = joined.join(table, table.c.one == derived[0].c.one)
    every = [column for table in derived for column in list(table.c)[1:]]
    return select(*extra, *every).select_from(joined)


FOLD = 65521


def read_summaries(plan: Plan, row: Any) -> dict[str, Summary]:
    """The summaries in a row of :func:`summary_statement`."""
    found: dict[str, Summary] = {}
    for number, node in enumerate(plan.nodes):
        width = 5 if is_integer_key(node.key) else 4
        count, *rest = (row._mapping[f"m{number}_{i}"] for i in range(width))
        found[node.name] = (int(count), [json_key(v or 0) for v in rest])
    return found


def sample_rows(session: Session, plan: Plan, sets: RowSets, size: int) -> dict[str, list[RowRef]]:
    """Up to ``size`` rows per model, lowest ids first (none asked: no statement)."""
    statements = sample_statements(plan, sets, size)
    return read_samples(session, plan, statements, {})


def sample_statements(plan: Plan, sets: RowSets, size: int) -> list[Select[Any] | None]:
    """Per model of the plan, the statement of its samples (``None``: none asked)."""
    if size == 0:
        return [None for _ in plan.nodes]
    return [
        select(node.key, node.label_column).where(sets.member(node)).order_by(node.key).limit(size)
        for node in plan.nodes
    ]


def read_samples(
    session: Session, plan: Plan, statements: list[Any], params: dict[str, Any]
) -> dict[str, list[RowRef]]:
    """Run :func:`sample_statements` (with ``params``)."""
    samples: dict[str, list[RowRef]] = {}
    for node, query in zip(plan.nodes, statements, strict=True):
        if query is None:
            samples[node.name] = []
            continue
        rows = session.execute(query, params, execution_options=INTERNAL).all()
        samples[node.name] = [row_ref(node, r) for r in rows]
    return samples


def samples_in_one(plan: Plan, statements: list[Any], *, cast_nulls: bool) -> Any:
    """:func:`sample_statements` as one statement (``None``: none asked): each model's
    samples a derived table of their own (its ``ORDER BY … LIMIT`` kept), joined with
    ``UNION ALL``, each model's key and label in columns of their own (``NULL`` in the other
    models' rows, typed so that every value comes back as its own query would give it: with
    ``cast_nulls`` — PostgreSQL, which types a ``UNION``'s columns branch by branch — as
    ``CAST(NULL AS …)``, elsewhere for SQLAlchemy only, MariaDB having no ``CAST`` to some
    types), ordered by model, then key. Read with :func:`read_samples_in_one`."""
    nodes = plan.nodes
    typed = cast if cast_nulls else type_coerce
    parts = []
    for number, query in enumerate(statements):
        if query is None:
            continue
        own = query.subquery(f"tombstone_s{number}")
        columns: list[Any] = [literal(number, Integer()).label("tombstone_m")]
        for other, node in enumerate(nodes):
            if other == number:
                key, label = own.c[0], own.c[1]
            else:
                key = typed(null(), node.key.type)
                label = typed(null(), node.label_column.type)
            columns += [key.label(f"tombstone_k{other}"), label.label(f"tombstone_l{other}")]
        parts.append(select(*columns))
    if not parts:
        return None
    combined = union_all(*parts)
    keys = [combined.selected_columns[f"tombstone_k{n}"] for n in range(len(nodes))]
    return combined.order_by(combined.selected_columns.tombstone_m, *keys)


def read_samples_in_one(
    session: Session, plan: Plan, statement: Any, params: dict[str, Any]
) -> dict[str, list[RowRef]]:
    """Run :func:`samples_in_one` (with ``params``)."""
    nodes = plan.nodes
    samples: dict[str, list[RowRef]] = {node.name: [] for node in nodes}
    if statement is None:
        return samples
    for row in session.execute(statement, params, execution_options=INTERNAL):
        number = row[0]
        node = nodes[number]
        samples[node.name].append(row_ref(node, row[1 + 2 * number : 3 + 2 * number]))
    return samples


def fingerprint(session: Session, plan: Plan, sets: RowSets, blocker_total: int) -> str:
    """A token that changes when the plan's rows change: per model, the count, sum, min and
    max of the ids, computed in the database (no row is loaded)."""
    return token_of(plan, summarize(session, plan, sets), blocker_total)


def token_of(plan: Plan, summaries: dict[str, Summary], blocker_total: int) -> str:
    """The confirm token of ``plan``'s rows as :func:`summarize` found them."""
    parts: list[Any] = [plan.mode, plan.target.node.name, blocker_total]
    for node in plan.nodes:
        count, rest = summaries[node.name]
        parts.append([node.name, count, *rest])
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
    return digest[:32]
