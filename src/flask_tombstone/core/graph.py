"""The model graph: nodes (mapped tables with their policy) and edges (foreign keys with a rule),
and the closures the planner walks. It is read from the mappers by :mod:`.graph_rules`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, ColumnElement, Select, String, Table, cast, literal, select
from sqlalchemy.orm import Mapper

from .errors import ConfigurationError
from .mixin import policy_of
from .policy import Policy, Rule

LABEL_CANDIDATES = ("name", "title", "label", "username", "email", "body")


@dataclass(eq=False)
class Node:
    """A mapped table that rows are deleted from."""

    cls: type
    table: Table
    policy: Policy
    label_column: Column[Any]
    mapper: Mapper[Any] | None = None
    joined: list[Table] = field(default_factory=list)  # joined-inheritance tables, base first
    dependents: list[Edge] = field(default_factory=list)  # edges whose parent is this node
    parents: list[Edge] = field(default_factory=list)  # edges whose child is this node

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def pk(self) -> Column[Any]:
        (column,) = self.table.primary_key.columns
        return column

    @property
    def key(self) -> ColumnElement[Any]:
        """What names one row where rows are listed, sampled or summed up: the primary key;
        for a composite one (a hard leaf, the association-object pattern: no other row points
        at such a model: the graph refuses it otherwise) its columns as text, ``3,7``."""
        columns = list(self.table.primary_key.columns)
        if len(columns) == 1:
            return columns[0]
        text: ColumnElement[Any] = cast(columns[0], String)
        for column in columns[1:]:
            text = text + literal(",", String()) + cast(column, String)
        return text

    @property
    def soft(self) -> bool:
        return self.policy is Policy.SOFT

    def col(self, name: str) -> Column[Any]:
        return self.table.c[name]

    @property
    def pk_key(self) -> str:
        """The mapped attribute of the primary key (``Model.<pk_key>``)."""
        return self.attribute_of(self.pk)

    def attribute_of(self, column: Column[Any]) -> str:
        """The mapped attribute of one of its columns (``product_name = mapped_column("name")``
        maps the column ``name`` to ``Model.product_name``)."""
        if self.mapper is None:
            return str(column.key)
        return str(self.mapper.get_property_by_column(column).key)

    def joined_pk(self, table: Table) -> Column[Any]:
        """The key column of one of its joined-inheritance tables (same values as ``pk``)."""
        (column,) = table.primary_key.columns
        return column

    def live(self) -> ColumnElement[bool]:
        """``deleted_at IS NULL`` for soft nodes; always true otherwise."""
        from sqlalchemy import true

        return self.col("deleted_at").is_(None) if self.soft else true()

    def __repr__(self) -> str:
        return f"<Node {self.name} {self.policy.value}>"


@dataclass(eq=False)
class Edge:
    """A foreign key from a dependent table to a node, and the rule that governs it."""

    parent: Node
    table: Table  # the dependent table: a node's table, or an association table
    child: Node | None  # None for an association table
    column: Column[Any]
    rule: Rule
    parent_key: Column[Any] | None = None  # the parent's column the link holds, if not its pk
    via: Table | None = None  # the child's joined-inheritance table holding ``column``

    @property
    def name(self) -> str:
        owner = self.child.name if self.child else self.table.name
        return f"{owner}.{self.column.name}"

    def links(self, parent_ids: Select[Any], *, wrap: bool = False) -> ColumnElement[bool]:
        """Criterion on the dependent table: the link points at one of ``parent_ids``."""
        if self.parent_key is not None:
            keys = select(self.parent_key).where(self.parent.pk.in_(parent_ids))
            parent_ids = select(*keys.subquery().c) if wrap else keys
        return self.column.in_(parent_ids)

    def child_rows(self, parent_ids: Select[Any], *, wrap: bool = False) -> ColumnElement[bool]:
        """Criterion on the child node's own table: rows linked to one of ``parent_ids``."""
        linked = self.links(parent_ids, wrap=wrap)
        if self.via is None or self.child is None:
            return linked
        return self.child.pk.in_(select(self.child.joined_pk(self.via)).where(linked))

    def child_from(self) -> Any:
        """The FROM of the child's rows with the link column (a join for joined tables)."""
        assert self.child is not None
        if self.via is None:
            return self.child.table
        via_pk = self.child.joined_pk(self.via)
        return self.child.table.join(self.via, self.child.pk == via_pk)

    def parent_column(self, parent_table: Any) -> Any:
        """The column of ``parent_table`` (the parent's table or an alias) the link holds."""
        key = self.parent_key if self.parent_key is not None else self.parent.pk
        return parent_table.c[key.name]

    def __repr__(self) -> str:
        return f"<Edge {self.parent.name} -> {self.name} {self.rule.value}>"


class ModelGraph:
    """Every node and edge of one declarative registry, validated once."""

    def __init__(self, nodes: dict[type, Node], edges: list[Edge]) -> None:
        self.nodes = nodes  # {mapped class: node}
        self.edges = edges
        self._by_table = {node.table: node for node in nodes.values()}
        self._by_name = {node.name: node for node in nodes.values()}
        self._reaches_soft: dict[int, bool] = {}  # {id(node): whether a hard delete does}
        # What is built once per graph (plans' shapes, prepared statements), by a key of
        # its builder's: {key: value}. A graph rebuilt for new models starts empty.
        self.memo: dict[tuple[Any, ...], Any] = {}

    # -- lookup -----------------------------------------------------------------------------
    def node_for(self, cls_or_table: type | Table) -> Node | None:
        if isinstance(cls_or_table, Table):
            return self._by_table.get(cls_or_table)
        for klass in cls_or_table.__mro__:
            if klass in self.nodes:
                return self.nodes[klass]
        return None

    def governing(self, cls: type) -> Node | None:
        """The node of ``cls``; ``None`` for a class the graph does not hold that deletes
        physically anyway. A soft or protected class it does not hold is a configuration
        error: the engine never lets such rows fall through to a plain hard delete."""
        node = self.node_for(cls)
        if node is None:
            policy = policy_of(cls)
            if policy is not Policy.HARD:
                name = getattr(cls, "__name__", repr(cls))
                raise ConfigurationError(
                    f"{name} is {policy.value} but not governed by this Tombstone: declare "
                    f"it on the base the Tombstone was given",
                    model=name,
                    column=None,
                )
        return node

    def node_named(self, name: str) -> Node:
        return self._by_name[name]

    def nodes_by_name(self) -> dict[str, Node]:
        return dict(self._by_name)

    def reaches_soft(self, node: Node) -> bool:
        """Whether a hard delete of ``node``'s rows can reach soft rows (removing trashed
        ones, nulling or refusing on live ones): then the engine, not the unit of work, which
        cannot see trashed rows, must run it."""
        key = id(node)
        if key not in self._reaches_soft:
            self._reaches_soft[key] = any(
                self._links_soft_rows(edge)
                for reached in self.hard_closure([node])
                for edge in reached.dependents
            )
        return self._reaches_soft[key]

    def _links_soft_rows(self, edge: Edge) -> bool:
        """Whether ``edge``'s dependent rows are soft rows, or association rows that also
        point at soft rows (left in place while those are in the trash, which the unit of
        work's relationship loads do not see)."""
        if edge.child is not None:
            return edge.child.soft
        return any(
            other.child is None and other.table is edge.table and other.parent.soft
            for parent in self.nodes.values()
            for other in parent.dependents
        )

    def soft_nodes(self) -> Iterator[Node]:
        return (node for node in self.nodes.values() if node.soft)

    # -- closures ---------------------------------------------------------------------------
    def soft_closure(self, roots: Node | Iterable[Node]) -> list[Node]:
        """The nodes a soft delete of ``roots`` stamps, parents before children."""
        return _topological(roots, _soft_children)

    def hard_closure(self, roots: Iterable[Node]) -> list[Node]:
        """The nodes a hard delete from ``roots`` removes rows from, parents before children.

        CASCADE edges take their dependents along; RESTRICT edges into soft nodes take the
        dependents that are already in the trash (they would dangle otherwise).
        """
        return _topological(roots, lambda node: (e.child for e in hard_edges(node)))


def _soft_children(node: Node) -> Iterator[Node]:
    for edge in node.dependents:
        if edge.rule is Rule.CASCADE and edge.child is not None and edge.child.soft:
            yield edge.child


def hard_edges(node: Node) -> Iterator[Edge]:
    """Edges from ``node`` whose dependents a hard delete removes (some or all of)."""
    for edge in node.dependents:
        if edge.child is None or edge.child.policy is Policy.PROTECTED:
            continue  # protected dependents refuse the operation (a check), never go
        if edge.rule is Rule.CASCADE or (edge.rule is Rule.RESTRICT and edge.child.soft):
            yield edge


def _topological(roots: Node | Iterable[Node], children: Any) -> list[Node]:
    """Nodes reachable from ``roots`` through ``children``, each after its reachable parents.

    Self-references are allowed (the executors repeat those steps until nothing changes);
    longer cycles were refused when the graph was built.
    """
    pending = [roots] if isinstance(roots, Node) else list(roots)
    reachable: list[Node] = []
    while pending:
        node = pending.pop(0)
        if node not in reachable:
            reachable.append(node)
            pending.extend(c for c in children(node) if c is not None)
    successors = {
        id(node): [c for c in dict.fromkeys(children(node)) if c is not None and c is not node]
        for node in reachable
    }  # {id(node): children other than itself}
    indegree = {id(node): 0 for node in reachable}
    for node in reachable:
        for child in successors[id(node)]:
            indegree[id(child)] += 1
    ordered: list[Node] = []
    ready = [node for node in reachable if indegree[id(node)] == 0]
    while ready:
        node = ready.pop(0)
        ordered.append(node)
        for child in successors[id(node)]:
            indegree[id(child)] -= 1
            if indegree[id(child)] == 0:
                ready.append(child)
    return ordered
