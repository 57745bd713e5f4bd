"""PostgreSQL: a small soft delete in one statement of data-modifying CTEs.

The operation's id from its sequence, the checks (permission, RESTRICT and protected
dependents) and the target's live rows read first, then — only if nothing refuses and every
asked row is there — the target's rows stamped, each level of dependents stamped through the
keys the level above returned, and the operation row written, finished, with its exact counts:

.. code-block:: sql

    WITH tombstone_new_op AS (SELECT nextval(...) AS id),
         tombstone_checked AS (SELECT EXISTS (...) OR ... AS blocked,
                                      (SELECT count(*) ...) AS found),
         tombstone_s0 AS (UPDATE item SET ... WHERE id = :id AND deleted_at IS NULL
                          AND EXISTS (SELECT FROM tombstone_checked
                                      WHERE NOT blocked AND found = 1)
                          RETURNING item.id),
         tombstone_s1 AS (UPDATE comment SET ... WHERE item_id IN (SELECT id FROM tombstone_s0)
                          AND deleted_at IS NULL RETURNING comment.id),
         tombstone_op AS (INSERT INTO tombstone_operation (...) SELECT ... WHERE <the same>)
    SELECT id, blocked, found, count(s0), count(s1), count(op)

A refusal writes nothing (and is then listed in full by the same reads the preview makes);
every statement of a data-modifying ``WITH`` sees one snapshot, so the checks read the rows
as the writes find them. What it does not take — many ids, self-references (a level per
statement until none is left), joined inheritance, links to a column other than the key, a
confirm token to check, other databases — goes the general way (:mod:`.execute`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from .errors import ConfigurationError
from .execute import kept_as_they_are
from .graph import ModelGraph, Node
from .inspect_rows import probe_criteria
from .operations import (
    OPERATIONS,
    Request,
    next_in_sequence,
    restored_or_purged,
    row_param,
    row_params,
)
from .planner import NestedRows, Permission, Plan, TrashedRows
from .prepared import (
    NOW,
    HookCriteria,
    key_params,
    prepared_target,
    remembered,
    template_plan,
)
from .records import OperationKind, OperationStatus
from .restore import conflict_probes

MAX_IDS = 20
"""At most this many asked rows go in one statement (a request's delete); more go the
general way, whose statements stay the same size whatever the number of rows."""


def fits(plan: Plan, dialect: str, expect: str | None) -> bool:
    """Whether the soft delete of ``plan`` can run as one statement."""
    target = plan.target
    if dialect != "postgresql" or plan.mode != "soft" or expect is not None:
        return False
    if not prepared_target(target) or target.ids is None or len(target.ids) > MAX_IDS:
        return False
    if target.instances and len(target.instances) > MAX_IDS:
        return False
    for step in plan.steps:
        if step.self_links or step.node.joined:
            return False
        if any(edge.parent_key is not None or edge.via is not None for edge, _ in step.links):
            return False
    return True


@dataclass(frozen=True)
class Outcome:
    op_id: int | None
    blocked: bool
    found: int  # the target's live rows asked for, as the statement saw them
    counts: dict[str, int]  # stamped per model (all zero when nothing was written)
    written: bool


@dataclass(frozen=True)
class _Built:
    statement: Any
    names: list[str]  # the models, in the order their counts come back


def run(
    session: Session,
    graph: ModelGraph,
    plan: Plan,
    *,
    now: datetime,
    missing_ok: bool,
    permission: Permission | None,
    actor: Any,
    values: dict[str, Any],
) -> Outcome:
    """Run the soft delete of ``plan`` as one statement; ``values`` are the operation row's
    columns (without its id and counts), as :func:`.operations.record_operation` writes
    them.

    The statement is built once per (model, one id or several, ``missing_ok``, shape of the
    permission hook's criteria) and run with bound parameters only: the asked keys, the
    operation's values, and the hook criteria's own values, matched by their position in
    the criteria's cache keys (as SQLAlchemy matches a cached statement's)."""
    target = plan.target
    assert target.ids is not None
    many = len(target.ids) > 1
    template = template_plan(graph, target.node, many)
    hook = HookCriteria(template, permission, actor)
    key = ("one_statement", id(target.node), many, missing_ok, tuple(values))
    built, params = hook.remembered(graph, key, lambda: _build(template, hook, missing_ok, values))
    params |= row_params(values)
    params |= {"tombstone_now": now, "tombstone_expected": len(target.ids)}
    params |= key_params(target.ids)
    result = session.connection().execute(built.statement, params).one()
    new_id, blocked, seen, *numbers, inserted = result
    if new_id is None:
        raise ConfigurationError(
            "tombstone_operation.id has no sequence of its own (serial or identity)"
        )
    counts = {name: int(n) for name, n in zip(built.names, numbers, strict=True)}
    return Outcome(int(new_id), bool(blocked), int(seen), counts, bool(inserted))


def _build(plan: Plan, hook: HookCriteria, missing_ok: bool, values: dict[str, Any]) -> _Built:
    target = plan.target
    root = target.node
    new_op = select(next_in_sequence().label("id")).cte("tombstone_new_op")
    op_id = select(new_op.c.id).scalar_subquery()
    nested = NestedRows(plan, wrap=False)
    probes = [
        exists().select_from(node.table).where(where)
        for node, where in probe_criteria(plan, nested, hook.allowed)
    ]
    found = (
        select(func.count())
        .select_from(root.table)
        .where(root.live(), target.criterion)
        .scalar_subquery()
    )
    checked = select(
        (or_(*probes) if probes else false()).label("blocked"), found.label("found")
    ).cte("tombstone_checked")
    expected = bindparam("tombstone_expected", type_=Integer())
    enough = checked.c.found > 0 if missing_ok else checked.c.found == expected
    go = exists().select_from(checked).where(not_(checked.c.blocked), enough, op_id.is_not(None))
    stamped: dict[int, Any] = {}  # {id(node): the CTE of its stamped keys}
    for number, step in enumerate(plan.steps):
        node = step.node
        if number == 0:
            where = and_(root.live(), target.criterion, go)
        else:
            links = [
                edge.column.in_(select(stamped[id(edge.parent)].c.id)) for edge, _ in step.links
            ]
            where = and_(node.live(), or_(*links))
        stamp = kept_as_they_are(node.table) | {"deleted_at": NOW, "deleted_by_op": op_id}
        stamped[id(node)] = (
            update(node.table)
            .where(where)
            .values(stamp)
            .returning(node.pk.label("id"))
            .cte(f"tombstone_s{number}")
        )
    counted = [
        select(func.count()).select_from(stamped[id(step.node)]).scalar_subquery()
        for step in plan.steps
    ]
    pairs: list[Any] = []
    for step, count in zip(plan.steps, counted, strict=True):
        pairs += [cast(literal(step.node.name), String), func.nullif(count, 0)]
    counts_json = func.json_strip_nulls(func.json_build_object(*pairs))
    columns = list(values)
    row = select(
        op_id,
        *(row_param(name) for name in columns),
        counts_json.cast(JSON),
    ).where(go)
    written = (
        insert(OPERATIONS)
        .from_select(["id", *columns, "counts"], row)
        .returning(OPERATIONS.c.id)
        .cte("tombstone_op")
    )
    statement = select(
        op_id,
        checked.c.blocked,
        checked.c.found,
        *counted,
        select(func.count()).select_from(written).scalar_subquery(),
    ).select_from(checked)
    return _Built(statement, [step.node.name for step in plan.steps])


def operation_values(
    request: Request,
    *,
    root_model: str,
    target: dict[str, Any],
    now: datetime,
    kind: str = OperationKind.DELETE,
    ref_op: int | None = None,
) -> dict[str, Any]:
    """The operation row's columns other than its id and counts, finished at ``now``: a
    delete's, or with ``kind`` and ``ref_op`` a restore's."""
    return {
        "kind": kind,
        "status": OperationStatus.DONE,
        "actor": request.actor,
        "reason": request.reason,
        "request_id": request.request_id,
        "root_model": root_model,
        "target": target,
        "effects": {},
        "context": request.context,
        "ref_op": ref_op,
        "created_at": now,
        "finished_at": now,
    }


@dataclass(frozen=True)
class _Restore:
    statement: Any
    names: list[str]


@dataclass(frozen=True)
class Restored:
    op_id: int | None  # the restore's operation (None: refused, nothing written)
    settled: bool  # a restore or purge of the deletion is recorded
    blocked: bool  # a row cannot come back (a parent in the trash, a unique value taken)
    counts: dict[str, int]  # brought back per model


def restore(
    session: Session,
    graph: ModelGraph,
    nodes: list[Node],
    values: dict[str, Any],
    *,
    checked: bool,
) -> Restored:
    """PostgreSQL: bring back the rows operation ``values["ref_op"]`` stamped, model by
    model, and write the restore's operation row, finished, with its exact counts, in one
    statement (built once per set of models); ``values`` are that row's columns.

    With ``checked``, the same statement first asks whether the deletion was already
    restored or purged (or is being purged) and whether any row cannot come back
    (:func:`.restore.conflict_probes`), and then writes nothing: the caller lists why the
    general way. The caller refuses (and rolls back) a restore that brought nothing back."""
    key = ("restore", tuple(id(node) for node in nodes), tuple(values), checked)
    built = remembered(graph, key, lambda: _build_restore(nodes, list(values), checked))
    params = row_params(values)
    new_id, settled, blocked, *numbers = session.connection().execute(built.statement, params).one()
    counts = {name: int(n) for name, n in zip(built.names, numbers, strict=True)}
    return Restored(None if new_id is None else int(new_id), bool(settled), bool(blocked), counts)


def _build_restore(nodes: list[Node], columns: list[str], checked: bool) -> _Restore:
    ref = bindparam("tombstone_v_ref_op", type_=Integer())
    go: Any = None
    if checked:
        settled = restored_or_purged(ref)
        probes = conflict_probes(nodes, [ref], wrap=False)
        blocked = or_(*probes) if probes else false()
        verdict = select(settled.label("settled"), blocked.label("blocked")).cte(
            "tombstone_checked"
        )
        go = exists().select_from(verdict).where(not_(verdict.c.settled), not_(verdict.c.blocked))
        flags: list[Any] = [verdict.c.settled, verdict.c.blocked]
    else:
        flags = [false(), false()]
    counted = []
    for number, node in enumerate(nodes):
        back = kept_as_they_are(node.table) | {"deleted_at": None, "deleted_by_op": None}
        where = TrashedRows([ref], wrap=False).stamp(node)
        unstamped = (
            update(node.table)
            .where(where if go is None else and_(where, go))
            .values(back)
            .returning(node.pk.label("id"))
            .cte(f"tombstone_r{number}")
        )
        counted.append(select(func.count()).select_from(unstamped).scalar_subquery())
    pairs: list[Any] = []
    for node, count in zip(nodes, counted, strict=True):
        pairs += [cast(literal(node.name), String), func.nullif(count, 0)]
    counts_json = func.json_strip_nulls(func.json_build_object(*pairs))
    row = select(
        *(row_param(name) for name in columns),
        counts_json.cast(JSON),
    )
    written = (
        insert(OPERATIONS)
        .from_select([*columns, "counts"], row if go is None else row.where(go))
        .returning(OPERATIONS.c.id)
        .cte("tombstone_op")
    )
    statement = select(select(written.c.id).scalar_subquery(), *flags, *counted)
    if checked:
        statement = statement.select_from(verdict)
    return _Restore(statement, [node.name for node in nodes])
