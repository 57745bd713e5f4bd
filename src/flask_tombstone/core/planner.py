"""Plan, then execute: the steps of an operation, and the row sets they run over.

A plan is a list of :class:`Step` s, one per model, parents first, and the
:class:`Check` s that can refuse it. Neither says *how* a model's rows in the operation are
found: a :class:`RowSets` does. The executors find them by the operation's stamp
(``deleted_by_op = :op``), one indexed lookup; the preview, which writes nothing, by nested
sub-selects from the target's criterion. The same plan thus feeds execution and the dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select, true
from sqlalchemy.sql.util import ClauseAdapter

from .graph import Edge, ModelGraph, Node, hard_edges
from .policy import Policy, Rule
from .selective import Selective
from .sql import any_of

Permission = Callable[[Any, type], "ColumnElement[bool] | None"]
"""``permission(actor, model) -> criterion``: the rows of ``model`` the actor may delete
(``None``: all of them). Applied set-based to every model an operation reaches."""


@dataclass(frozen=True)
class Target:
    """What an operation was asked to act on: rows of one model, by criterion."""

    node: Node
    criterion: ColumnElement[bool]
    description: dict[str, Any]
    ids: tuple[Any, ...] | None = None  # the ids asked for, when asked by id
    instances: tuple[Any, ...] = ()
    scope: ColumnElement[bool] | None = None  # a subclass's rows among its node's
    matches: ColumnElement[bool] | None = None  # the asked keys, exactly (without the scope)
    # False when the criterion reads other rows (joins, subqueries, LIMIT): what it selects
    # can change as the operation writes, so its keys are read once, first (service.execute)
    stable: bool = True


@dataclass
class Step:
    """The rows of one model an operation acts on.

    A row belongs when it is in ``state`` and either matches ``seed`` or points, through one
    of ``links``, at a row of the parent model that belongs (``extra`` narrows that link).
    """

    node: Node
    state: ColumnElement[bool] | None = None
    seed: ColumnElement[bool] | None = None
    links: list[tuple[Edge, ColumnElement[bool] | None]] = field(default_factory=list)

    @property
    def self_links(self) -> list[tuple[Edge, ColumnElement[bool] | None]]:
        return [(e, x) for e, x in self.links if e.parent is self.node]

    def where(
        self, sets: RowSets, *, with_self: bool = True, with_seed: bool = True
    ) -> ColumnElement[bool]:
        """The criterion selecting this step's rows, given how parent rows are found."""
        alternatives: list[ColumnElement[bool]] = []
        if self.seed is not None and with_seed:
            alternatives.append(self.seed)
        for edge, extra in self.links:
            if edge.parent is self.node and not with_self:
                continue
            linked = edge.child_rows(sets.of(edge.parent), wrap=sets.wrap)
            alternatives.append(linked if extra is None else and_(linked, extra))
        found = any_of(alternatives)
        return found if self.state is None else and_(self.state, found)


@dataclass(frozen=True)
class Check:
    """Dependents that refuse the plan: rows of ``edge``'s table pointing at rows in the plan."""

    reason: str  # restrict | protected | live | other_operation
    edge: Edge
    state: ColumnElement[bool] | None = None
    inside: bool = False  # the rows it looks for are in the plan (a purge's own cascade)


@dataclass
class Plan:
    """Steps parents-first, and the checks that can refuse them."""

    mode: str  # "soft" | "hard"
    target: Target
    steps: list[Step]
    checks: list[Check]

    @property
    def nodes(self) -> list[Node]:
        return [step.node for step in self.steps]

    def step_for(self, node: Node) -> Step | None:
        return next((s for s in self.steps if s.node is node), None)


class RowSets(Protocol):
    """How the rows of a model that belong to the operation are found."""

    wrap: bool  # MariaDB/MySQL: subqueries on a modified table go through a derived table

    def of(self, node: Node) -> Select[Any]:
        """``SELECT pk`` of the node's rows in the operation."""

    def member(self, node: Node) -> ColumnElement[bool]:
        """A criterion on the node's own table true for exactly its rows in the operation.

        What reads the rows (counts, samples, permission checks) filters by this, never by
        ``pk IN (SELECT pk FROM the same table ...)``: a database may answer that by scanning
        the whole table and probing the set, where this is looked up through the parents'
        keys, at the cost of the rows involved."""

    def outside(self, node: Node) -> ColumnElement[bool]:
        """A criterion true for rows of ``node`` that the operation does not remove."""


# -- planning ---------------------------------------------------------------------------------
def plan_soft(graph: ModelGraph, target: Target) -> Plan:
    """Stamp the target's live rows and, level by level, their live CASCADE dependents."""
    _, shape, checks = _soft_shape(graph, target.node)
    steps = [
        Step(
            node=node,
            state=state,
            seed=target.criterion if node is target.node else None,
            links=list(links),
        )
        for node, state, links in shape
    ]
    return Plan("soft", target, steps, list(checks))


def _soft_shape(graph: ModelGraph, root: Node) -> Any:
    """What a soft delete from ``root`` walks, whatever its rows: the nodes, each with its
    ``deleted_at IS NULL`` and CASCADE links, and the checks; built once per graph."""
    key = ("soft_shape", id(root))
    found = graph.memo.get(key)
    if found is None:
        nodes = graph.soft_closure(root)
        shape = [
            (
                node,
                node.live(),
                [(e, None) for e in node.parents if e.rule is Rule.CASCADE and e.parent in nodes],
            )
            for node in nodes
        ]
        found = graph.memo[key] = (nodes, shape, _checks(nodes))
    return found


def plan_hard(graph: ModelGraph, target: Target, seeds: dict[Node, Any] | None = None) -> Plan:
    """Remove the target's rows and their CASCADE dependents (live or trashed) physically.

    RESTRICT dependents in the trash are taken along (they would dangle); live ones refuse.
    ``seeds`` adds rows to remove directly (a purge seeds every model its operation stamped).
    """
    seeds = dict(seeds or {})
    seeds.setdefault(target.node, target.criterion)
    nodes = graph.hard_closure(seeds)
    steps: list[Step] = []
    for node in nodes:
        links: list[tuple[Edge, ColumnElement[bool] | None]] = []
        for edge in node.parents:
            if edge.parent not in nodes or edge not in list(hard_edges(edge.parent)):
                continue
            extra = None if edge.rule is Rule.CASCADE else not_(node.live())
            links.append((edge, extra))
        steps.append(Step(node=node, seed=seeds.get(node), links=links))
    return Plan("hard", target, steps, _checks(nodes))


def _checks(nodes: list[Node]) -> list[Check]:
    """Live RESTRICT dependents and protected CASCADE dependents of the plan's rows refuse it."""
    checks: list[Check] = []
    for node in nodes:
        for edge in node.dependents:
            child = edge.child
            if child is None:
                continue
            if edge.rule is Rule.RESTRICT:
                checks.append(Check("restrict", edge, child.live()))
            elif edge.rule is Rule.CASCADE and child.policy is Policy.PROTECTED:
                checks.append(Check("protected", edge))
    return checks


# -- row sets ---------------------------------------------------------------------------------
def derived(select_ids: Select[Any], wrap: bool) -> Select[Any]:
    """Wrap in a derived table where the database refuses a subquery on the modified table."""
    if not wrap:
        return select_ids
    inner = select_ids.subquery()
    return select(*inner.c)


class StampedRows:
    """Rows in the operation are the rows stamped with its id (soft delete, restore)."""

    def __init__(self, op_ids: Sequence[Any], *, wrap: bool) -> None:
        # ids, or a SQL expression or parameter giving the one id (prepared statements)
        self.op_ids = list(op_ids)
        self.wrap = wrap

    def stamp(self, node: Node) -> ColumnElement[bool]:
        column = node.col("deleted_by_op")
        one = len(self.op_ids) == 1
        return Selective(column == self.op_ids[0] if one else column.in_(self.op_ids))

    def of(self, node: Node) -> Select[Any]:
        return derived(select(node.pk).where(self.stamp(node)), self.wrap)

    def member(self, node: Node) -> ColumnElement[bool]:
        return self.stamp(node)

    def outside(self, node: Node) -> ColumnElement[bool]:
        if not node.soft:
            return true()
        return or_(node.col("deleted_by_op").is_(None), not_(self.stamp(node)))


class TrashedRows(StampedRows):
    """The rows operations stamped that are still in the trash: a row brought back by hand
    (its ``deleted_at`` cleared) is live whatever its stamp, so a restore neither brings it
    back nor counts it, nor does it stand in the way (a purge reads the trash the same way)."""

    def stamp(self, node: Node) -> ColumnElement[bool]:
        return and_(super().stamp(node), node.col("deleted_at").is_not(None))


class LinkedStamps(StampedRows):
    """Stamped rows, each model's also read through its link to the rows stamped above it
    (the target's: its criterion), which is true of exactly the same rows.

    Where a database takes the index on ``deleted_by_op`` for useless — SQLite's planner
    does, when ``ANALYZE`` saw the column all ``NULL`` — a probe by the stamp alone scans
    the table; through the parents' keys it is looked up by index, at the cost of the rows
    involved."""

    def __init__(self, plan: Plan, op_ids: Sequence[Any], *, wrap: bool) -> None:
        super().__init__(op_ids, wrap=wrap)
        self.plan = plan
        self._members: dict[int, ColumnElement[bool]] = {}  # {id(node): criterion}

    def member(self, node: Node) -> ColumnElement[bool]:
        key = id(node)
        if key not in self._members:
            self._members[key] = self._member(node)
        return self._members[key]

    def _member(self, node: Node) -> ColumnElement[bool]:
        step = self.plan.step_for(node)
        if step is None:
            return self.stamp(node)
        alternatives: list[ColumnElement[bool]] = [] if step.seed is None else [step.seed]
        for edge, extra in step.links:
            if edge.parent is node:  # a self-reference: the stamp alone
                parents = self.of(node)
            else:
                parent = edge.parent
                parents = derived(select(parent.pk).where(self.member(parent)), self.wrap)
            linked = edge.child_rows(parents, wrap=self.wrap)
            alternatives.append(linked if extra is None else and_(linked, extra))
        return and_(self.stamp(node), any_of(alternatives))


class NestedRows:
    """Rows in the operation are found from the target's criterion, model by model.

    Used by the preview (which writes nothing) and by hard deletes (whose rows carry no
    stamp). Self-references become recursive CTEs.
    """

    def __init__(self, plan: Plan, *, wrap: bool) -> None:
        self.plan = plan
        self.wrap = wrap
        self._cache: dict[int, Select[Any]] = {}  # {id(node): SELECT pk}

    def of(self, node: Node) -> Select[Any]:
        key = id(node)
        if key not in self._cache:
            self._cache[key] = derived(self._build(node), self.wrap)
        return self._cache[key]

    def member(self, node: Node) -> ColumnElement[bool]:
        step = self.plan.step_for(node)
        if step is None:
            return ~true()
        if step.self_links:  # the recursive set
            return node.pk.in_(self.of(node))
        return step.where(self, with_self=False)

    def outside(self, node: Node) -> ColumnElement[bool]:
        if self.plan.step_for(node) is None:
            return true()
        return not_(node.pk.in_(self.of(node)))

    def _build(self, node: Node) -> Select[Any]:
        step = self.plan.step_for(node)
        if step is None:
            return select(node.pk).where(~true())
        where = step.where(self, with_self=False)
        if not step.self_links:
            return select(node.pk.label("id")).where(where)
        # The tree carries, beside each row's key, the values its children's links hold when
        # they point at another column (``parent_code`` -> ``code``): the recursive term reads
        # the tree once, as every database requires, joined on those.
        held = {
            e.parent_key.name: e.parent_key for e, _ in step.self_links if e.parent_key is not None
        }
        base = select(node.pk.label("id"), *(c.label(f"k_{name}") for name, c in held.items()))
        tree = base.where(where).cte(name=f"tree_{node.table.name}", recursive=True, nesting=True)
        table = node.table.alias()
        on_alias = ClauseAdapter(table)  # a link's extra criterion, on the recursive alias
        recursive = select(table.c[node.pk.name], *(table.c[name] for name in held)).where(
            any_of(
                [
                    _linked(table.c[e.column.name] == _parent_of(e, tree), extra, on_alias)
                    for e, extra in step.self_links
                ]
            )
        )
        if step.state is not None:
            recursive = recursive.where(table.c["deleted_at"].is_(None))
        tree = tree.union(recursive)
        return select(tree.c.id)


def _linked(link: Any, extra: Any, on_alias: ClauseAdapter) -> Any:
    """A self-referencing link in the recursive term, with its extra criterion (a hard
    delete's RESTRICT self-link takes trashed rows only: a live one refuses, never goes)."""
    return link if extra is None else and_(link, on_alias.traverse(extra))


def _parent_of(edge: Edge, tree: Any) -> Any:
    """The value a self-referencing link holds for the rows of ``tree`` (a CTE of keys, and
    of the values the links to another column hold)."""
    if edge.parent_key is None:
        return tree.c.id
    return tree.c[f"k_{edge.parent_key.name}"]


class ChunkRows(StampedRows):
    """The rows one chunk of a chunked soft delete stamped: the root model's rows with ids in
    ``(low, high]`` and their dependents, found through the stamp and the chunk's parents so
    that each chunk's statements stay as small as the chunk."""

    def __init__(self, plan: Plan, op_id: int, low: int | None, high: int, *, wrap: bool) -> None:
        super().__init__([op_id], wrap=wrap)
        self.plan = plan
        self.low = low
        self.high = high
        self._cache: dict[int, Select[Any]] = {}  # {id(node): SELECT pk}

    def of(self, node: Node) -> Select[Any]:
        key = id(node)
        if key not in self._cache:
            self._cache[key] = self._build(node)
        return self._cache[key]

    def member(self, node: Node) -> ColumnElement[bool]:
        # Not the stamp alone: the chunk's rows among everything the operation stamped.
        return node.pk.in_(self.of(node))

    def _build(self, node: Node) -> Select[Any]:
        step = self.plan.step_for(node)
        if step is None or step.self_links:
            # Self-references (the target's too: a reply's id may lie beyond the chunk's
            # range): every row the operation stamped, so each level finds its parents.
            return super().of(node)
        if node is self.plan.target.node:
            where = and_(self.stamp(node), node.pk <= self.high)
            if self.low is not None:
                where = and_(where, node.pk > self.low)
        else:
            parents = [e.child_rows(self.of(e.parent), wrap=self.wrap) for e, _ in step.links]
            where = and_(self.stamp(node), any_of(parents))
        return derived(select(node.pk).where(where), self.wrap)
