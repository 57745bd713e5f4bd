"""The model graph: nodes (mapped tables with their policy) and edges (foreign keys with a rule).

Rules are read from what the developer already declared: ``ForeignKey(ondelete=...)``,
relationship cascades and many-to-many association tables, with a per-column override in
``Column.info["on_delete"]``. A graph the engine cannot honour raises
:class:`~.errors.ConfigurationError` naming the model and the column, when it is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, ColumnElement, ForeignKeyConstraint, MetaData, Table, inspect
from sqlalchemy.orm import Mapper, RelationshipDirection, registry

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
    def soft(self) -> bool:
        return self.policy is Policy.SOFT

    def col(self, name: str) -> Column[Any]:
        return self.table.c[name]

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

    @property
    def name(self) -> str:
        owner = self.child.name if self.child else self.table.name
        return f"{owner}.{self.column.name}"

    def __repr__(self) -> str:
        return f"<Edge {self.parent.name} -> {self.name} {self.rule.value}>"


class ModelGraph:
    """Every node and edge of one declarative registry, validated once."""

    def __init__(self, nodes: dict[type, Node], edges: list[Edge]) -> None:
        self.nodes = nodes  # {mapped class: node}
        self.edges = edges
        self._by_table = {node.table: node for node in nodes.values()}
        self._by_name = {node.name: node for node in nodes.values()}

    # -- lookup -----------------------------------------------------------------------------
    def node_for(self, cls_or_table: type | Table) -> Node | None:
        if isinstance(cls_or_table, Table):
            return self._by_table.get(cls_or_table)
        for klass in cls_or_table.__mro__:
            if klass in self.nodes:
                return self.nodes[klass]
        return None

    def node_named(self, name: str) -> Node:
        return self._by_name[name]

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


# -- building ---------------------------------------------------------------------------------
def build_graph(reg: registry, extra: Iterable[type] = ()) -> ModelGraph:
    """Read the graph from a declarative registry's mappers and metadata."""
    mappers = [m for m in reg.mappers if m.inherits is None]
    mappers += [inspect(cls) for cls in extra if inspect(cls) not in mappers]
    nodes: dict[type, Node] = {}
    for mapper in mappers:
        table = mapper.local_table
        if not isinstance(table, Table):
            continue
        nodes[mapper.class_] = _node(mapper, table)
    by_table = {node.table: node for node in nodes.values()}
    metadatas: list[MetaData] = []
    for node in nodes.values():
        if node.table.metadata not in metadatas:
            metadatas.append(node.table.metadata)
    edges: list[Edge] = []
    for metadata in metadatas:
        for table in metadata.tables.values():
            for fkc in table.foreign_key_constraints:
                edge = _edge(fkc, table, by_table, mappers)
                if edge is not None:
                    edges.append(edge)
    for edge in edges:
        edge.parent.dependents.append(edge)
        if edge.child is not None:
            edge.child.parents.append(edge)
    graph = ModelGraph(nodes, edges)
    _validate(graph)
    return graph


def _node(mapper: Mapper[Any], table: Table) -> Node:
    cls = mapper.class_
    policy = policy_of(cls)
    pk = list(table.primary_key.columns)
    if policy is Policy.SOFT:
        missing = [c for c in ("deleted_at", "deleted_by_op") if c not in table.c]
        if missing:
            raise ConfigurationError(
                f"{cls.__name__} is soft-deletable but its table has no {missing[0]} column",
                model=cls.__name__,
                column=missing[0],
            )
    label_name = getattr(cls, "__tombstone_label__", None)
    if label_name is None:
        label_name = next((n for n in LABEL_CANDIDATES if n in table.c), None)
    if label_name is not None and label_name not in table.c:
        raise ConfigurationError(
            f"{cls.__name__}.__tombstone_label__ names {label_name!r}, which is not a column",
            model=cls.__name__,
            column=label_name,
        )
    label = table.c[label_name] if label_name else (pk[0] if pk else next(iter(table.c)))
    return Node(cls=cls, table=table, policy=policy, label_column=label)


def _edge(
    fkc: ForeignKeyConstraint,
    table: Table,
    by_table: dict[Table, Node],
    mappers: list[Mapper[Any]],
) -> Edge | None:
    parent = by_table.get(fkc.referred_table)
    if parent is None:
        return None
    child = by_table.get(table)
    columns = list(fkc.columns)
    owner = child.name if child else table.name
    override = _override(columns)
    if len(columns) != 1:
        if override is Rule.KEEP:
            return None
        raise ConfigurationError(
            f"{owner} has a composite foreign key to {parent.name}; deletion rules need "
            f"single-column keys (or info={{'on_delete': KEEP}} on its columns)",
            model=owner,
            column=", ".join(c.name for c in columns),
        )
    (column,) = columns
    rule = override or _declared_rule(fkc, column, child, parent, mappers)
    return Edge(parent=parent, table=table, child=child, column=column, rule=rule)


def _override(columns: list[Column[Any]]) -> Rule | None:
    values = {c.info.get("on_delete") for c in columns} - {None}
    if not values:
        return None
    (value,) = values
    return value if isinstance(value, Rule) else Rule(str(value).lower())


def _declared_rule(
    fkc: ForeignKeyConstraint,
    column: Column[Any],
    child: Node | None,
    parent: Node,
    mappers: list[Mapper[Any]],
) -> Rule:
    if child is None:
        return Rule.DETACH
    ondelete = (fkc.ondelete or "").upper()
    if ondelete == "CASCADE" or _relationship_cascades(parent, column, mappers):
        return Rule.CASCADE
    if ondelete == "SET NULL":
        return Rule.SET_NULL
    if ondelete in ("RESTRICT", "NO ACTION"):
        return Rule.RESTRICT
    if ondelete:
        raise ConfigurationError(
            f"{child.name}.{column.name}: ondelete={fkc.ondelete!r} is not supported "
            f"(use CASCADE, SET NULL, RESTRICT or an info={{'on_delete': ...}} override)",
            model=child.name,
            column=column.name,
        )
    # Nothing declared: what SQLAlchemy's unit of work itself does, nulling nullable links.
    return Rule.SET_NULL if column.nullable else Rule.RESTRICT


def _relationship_cascades(parent: Node, column: Column[Any], mappers: list[Mapper[Any]]) -> bool:
    for mapper in mappers:
        if not issubclass(parent.cls, mapper.class_):
            continue
        for rel in mapper.relationships:
            one_to_many = rel.direction is RelationshipDirection.ONETOMANY
            if one_to_many and rel.cascade.delete and column in rel.remote_side:
                return True
    return False


def _validate(graph: ModelGraph) -> None:
    for node in graph.nodes.values():
        if len(node.table.primary_key.columns) != 1 and (node.soft or node.dependents):
            raise ConfigurationError(
                f"{node.name} needs a single-column primary key to take part in deletions",
                model=node.name,
                column=None,
            )
    for edge in graph.edges:
        child = edge.child
        if edge.rule is Rule.SET_NULL and not edge.column.nullable:
            raise ConfigurationError(
                f"{edge.name} is SET_NULL but the column is NOT NULL",
                model=child.name if child else edge.table.name,
                column=edge.column.name,
            )
        if edge.rule is Rule.DETACH and child is not None:
            raise ConfigurationError(
                f"{edge.name}: DETACH applies to association tables only",
                model=child.name,
                column=edge.column.name,
            )
        if (
            child is not None
            and edge.rule is Rule.CASCADE
            and edge.parent.soft
            and child.policy is Policy.HARD
        ):
            raise ConfigurationError(
                f"{edge.name} cascades from soft-deletable {edge.parent.name} into "
                f"{child.name}, which cannot be soft-deleted: add SoftDeleteMixin to "
                f"{child.name} or override the rule with info={{'on_delete': KEEP}}",
                model=child.name,
                column=edge.column.name,
            )
    _refuse_cascade_cycles(graph)


def _refuse_cascade_cycles(graph: ModelGraph) -> None:
    """Cascade cycles through several models cannot be ordered; self-references can."""
    state: dict[int, int] = {}

    def visit(node: Node, path: list[Node]) -> None:
        state[id(node)] = 1
        for edge in node.dependents:
            child = edge.child
            if child is None or child is node or edge.rule not in (Rule.CASCADE, Rule.RESTRICT):
                continue
            if state.get(id(child)) == 1:
                cycle = " -> ".join(n.name for n in [*path, child])
                raise ConfigurationError(
                    f"cascade cycle {cycle}: break it with info={{'on_delete': KEEP}} or "
                    f"SET NULL on {edge.name}",
                    model=child.name,
                    column=edge.column.name,
                )
            if id(child) not in state:
                visit(child, [*path, child])
        state[id(node)] = 2

    for node in graph.nodes.values():
        if id(node) not in state:
            visit(node, [node])
