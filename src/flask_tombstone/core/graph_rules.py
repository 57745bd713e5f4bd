"""Reading the model graph from the mappers: nodes (one per inheritance hierarchy), edges
(foreign keys) and the rule of each, as SQLAlchemy's unit of work and the database would
apply them; a graph the engine cannot honour raises :class:`~.errors.ConfigurationError`
naming the model and the column, when it is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, inspect
from sqlalchemy.orm import Mapper, RelationshipDirection, registry
from sqlalchemy.sql import operators

from .errors import ConfigurationError
from .graph import LABEL_CANDIDATES, Edge, ModelGraph, Node
from .mixin import policy_of
from .policy import Policy, Rule


def build_graph(reg: registry, extra: Iterable[type] = ()) -> ModelGraph:
    """Read the graph from a declarative registry's mappers and metadata.

    One node per inheritance hierarchy (its base mapper's table; the tables of joined
    subclasses belong to it), and one per concretely mapped class.
    """
    everything = list(reg.mappers) + [inspect(cls) for cls in extra]
    _refuse_unusable(everything)
    roots = [m for m in everything if m.inherits is None or m.concrete]
    nodes: dict[type, Node] = {}
    by_table: dict[Table, Node] = {}  # {base or joined table: its node}
    for mapper in dict.fromkeys(roots):
        table = mapper.local_table
        if not isinstance(table, Table):
            continue
        node = _node(mapper, table)
        nodes[mapper.class_] = node
        by_table[table] = node
        for joined in node.joined:
            by_table[joined] = node
    metadatas: list[MetaData] = []
    for table in by_table:
        if table.metadata not in metadatas:
            metadatas.append(table.metadata)
    edges: list[Edge] = []
    for metadata in metadatas:
        for table in metadata.tables.values():
            for fkc in table.foreign_key_constraints:
                edge = _edge(fkc, table, by_table, everything)
                if edge is not None:
                    edges.append(edge)
    for edge in edges:
        edge.parent.dependents.append(edge)
        if edge.child is not None:
            edge.child.parents.append(edge)
    graph = ModelGraph(nodes, edges)
    _validate(graph)
    _refuse_cascades_out_of_the_trash(everything)
    return graph


def _refuse_unusable(mappers: list[Mapper[Any]]) -> None:
    """Soft models the engine could not govern fail here, never at delete time."""
    for mapper in mappers:
        cls = mapper.class_
        policy = policy_of(cls)
        if policy is Policy.HARD:
            continue
        if not isinstance(mapper.local_table, Table):
            raise ConfigurationError(
                f"{cls.__name__} is {policy.value} but is not mapped to a table",
                model=cls.__name__,
                column=None,
            )
        table = mapper.local_table
        bind = table.info.get("bind_key", table.metadata.info.get("bind_key"))
        if bind is not None:
            # Flask-SQLAlchemy's __bind_key__: another database than the engine's own tables,
            # where a deletion and its operation row could not be one transaction.
            raise ConfigurationError(
                f"{cls.__name__} is {policy.value} but is on the bind {bind!r}: the engine's "
                "operations and their rows share one database (the default bind); keep it "
                "there, or leave the model without the mixin",
                model=cls.__name__,
                column=None,
            )
        base = mapper.inherits
        if base is not None and not mapper.concrete and policy_of(base.class_) is not policy:
            raise ConfigurationError(
                f"{cls.__name__} is {policy.value} but the class it inherits from, "
                f"{base.class_.__name__}, is {policy_of(base.class_).value}: declare the "
                f"mixin on the base class of the hierarchy",
                model=cls.__name__,
                column="deleted_at",
            )


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
    joined: list[Table] = []
    for sub in mapper.self_and_descendants:
        own = sub.local_table
        if sub.concrete or own is table or not isinstance(own, Table) or own in joined:
            continue
        if len(own.primary_key.columns) != 1:
            raise ConfigurationError(
                f"{sub.class_.__name__}'s table {own.name} needs a single-column primary key",
                model=sub.class_.__name__,
                column=None,
            )
        joined.append(own)
    return Node(
        cls=cls, table=table, policy=policy, label_column=label, mapper=mapper, joined=joined
    )


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
    if child is parent and table in parent.joined and _inherits(fkc, parent):
        return None  # a joined subclass's key pointing at its base row: the same row
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
    (element,) = fkc.elements
    referred = element.column
    parent_key: Column[Any] | None = None
    if referred is not parent.pk and not (
        referred.table in parent.joined and referred is parent.joined_pk(referred.table)
    ):
        if referred.table is not parent.table:
            raise ConfigurationError(
                f"{owner}.{column.name} points at {referred.table.name}.{referred.name}, a "
                f"column of a joined subclass table that is not its key: point it at the key "
                f"or override the rule with info={{'on_delete': KEEP}}",
                model=owner,
                column=column.name,
            )
        parent_key = referred
    via = table if child is not None and table is not child.table else None
    rule = override or _declared_rule(fkc, column, child, parent, mappers)
    return Edge(
        parent=parent,
        table=table,
        child=child,
        column=column,
        rule=rule,
        parent_key=parent_key,
        via=via,
    )


def _inherits(fkc: ForeignKeyConstraint, node: Node) -> bool:
    """Whether ``fkc`` is the key of a joined table pointing at its node's rows."""
    return all(c.primary_key for c in fkc.columns) and all(
        e.column is node.pk or e.column.table in node.joined for e in fkc.elements
    )


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
    relationships = list(_one_to_many(parent, column, mappers))
    cascading = [rel for rel in relationships if rel.cascade.delete]
    for rel in cascading:
        if _selects_some(rel):
            raise ConfigurationError(
                f"{rel.parent.class_.__name__}.{rel.key} cascades deletes to the {child.name} "
                f"rows its primaryjoin selects, not to every row {child.name}.{column.name} "
                "links: a rule the engine cannot follow (it would take them all). Declare the "
                "delete cascade on a relationship over the whole link, or none",
                model=child.name,
                column=column.name,
            )
    if any(_loads(rel) for rel in cascading) or (cascading and not ondelete):
        # The unit of work deletes the children itself; a passive cascade with nothing
        # declared in the database is taken at its word (the database alone would refuse).
        return Rule.CASCADE
    if column.nullable and any(_loads(rel) for rel in relationships):
        # The unit of work loads the children and nulls their link before the database's
        # own rule could act: what the application's hard delete does is SET NULL.
        return Rule.SET_NULL
    if ondelete == "CASCADE":
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
    # Nothing declared: what SQLAlchemy's unit of work itself does. It nulls a nullable link
    # that a one-to-many relationship of the parent loads (unless passive_deletes leaves it
    # to the database); any other link is the database's NO ACTION, which refuses.
    nulled_by_orm = any(_loads(rel) for rel in relationships)
    return Rule.SET_NULL if column.nullable and nulled_by_orm else Rule.RESTRICT


def _loads(rel: Any) -> bool:
    """Whether the unit of work loads ``rel``'s children when their parent is deleted (to
    delete them, or null their link). Not with ``passive_deletes``, nor for a write-only
    collection, which it never loads (the database's rule acts, as with ``passive_deletes``)."""
    return not rel.passive_deletes and rel.lazy != "write_only"


def _one_to_many(parent: Node, column: Column[Any], mappers: list[Mapper[Any]]) -> Iterator[Any]:
    """The one-to-many relationships of the parent's hierarchy that load through ``column``."""
    for mapper in mappers:
        if not (issubclass(parent.cls, mapper.class_) or issubclass(mapper.class_, parent.cls)):
            continue
        for rel in mapper.relationships:
            if rel.viewonly or rel.lazy == "noload":
                # It neither cascades nor nulls anything in the unit of work (a noload
                # collection is always empty to it): the database's rule decides.
                continue
            if rel.direction is RelationshipDirection.ONETOMANY and column in rel.remote_side:
                yield rel


def _selects_some(rel: Any) -> bool:
    """Whether ``rel``'s primaryjoin holds more than the equality of its columns (a filtered
    relationship: ``and_(Post.id == Comment.post_id, Comment.pinned)``)."""
    linked = {frozenset((_name(a), _name(b))) for a, b in rel.local_remote_pairs}
    clauses = getattr(rel.primaryjoin, "clauses", None)
    if clauses is None or getattr(rel.primaryjoin, "operator", None) is not operators.and_:
        clauses = [rel.primaryjoin]
    for clause in clauses:
        if getattr(clause, "operator", None) is not operators.eq:
            return True
        if frozenset((_name(clause.left), _name(clause.right))) not in linked:
            return True
    return False


def _name(column: Any) -> tuple[Any, Any]:
    return id(getattr(column, "table", None)), getattr(column, "name", None)


def _validate(graph: ModelGraph) -> None:
    for node in graph.nodes.values():
        if len(node.table.primary_key.columns) != 1 and (node.soft or node.dependents):
            columns = ", ".join(c.name for c in node.table.primary_key.columns)
            raise ConfigurationError(
                f"{node.name} needs a single-column primary key to take part in deletions "
                f"(it has {columns or 'none'}): give it an id column, or leave it without "
                f"SoftDeleteMixin and point no foreign key at it",
                model=node.name,
                column=columns or None,
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


def _refuse_cascades_out_of_the_trash(mappers: list[Mapper[Any]]) -> None:
    """A soft model's relationship that cascades deletes the other way than its foreign keys
    (many-to-one, ``user.address`` with ``cascade="all, delete-orphan"``) or through an
    association table (many-to-many, ``post.tags`` with ``cascade="all"``) into a model that
    cannot be soft-deleted: the unit of work would remove those rows for good when the soft
    row goes to the trash, and no restore could bring them back. Refused, as a foreign-key
    cascade from a soft model into a hard one is (:func:`_validate`)."""
    for mapper in mappers:
        if policy_of(mapper.class_) is not Policy.SOFT:
            continue
        for rel in mapper.relationships:
            if rel.viewonly or not rel.cascade.delete or rel.lazy == "noload":
                continue
            if rel.direction is RelationshipDirection.ONETOMANY:
                continue  # over the children's foreign key: an edge's rule, checked there
            target = rel.mapper.class_
            if policy_of(target) is Policy.HARD:
                owner = mapper.class_.__name__
                raise ConfigurationError(
                    f"{owner}.{rel.key} cascades deletes from soft-deletable {owner} into "
                    f"{target.__name__}, which cannot be soft-deleted: trashing a {owner} "
                    f"would remove its {target.__name__} for good. Add SoftDeleteMixin to "
                    f"{target.__name__}, or take 'delete' out of the relationship's cascade",
                    model=target.__name__,
                    column=None,
                )


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
