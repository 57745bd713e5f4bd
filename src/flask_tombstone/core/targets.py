"""Turning what a caller passes to delete or preview into a :class:`~.planner.Target`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, inspect, select
from sqlalchemy.orm import InstanceState, object_session
from sqlalchemy.sql.util import find_tables

from .errors import InvalidTarget
from .graph import ModelGraph, Node
from .keys import json_key, key_in, key_values
from .live_only import live_only
from .mixin import INCLUDE_DELETED, ONLY_DELETED
from .planner import Target


def resolve(
    graph: ModelGraph,
    target: Any,
    ids: Any = None,
    *,
    dialect: str | None = None,
    hard: bool = False,
) -> Target:
    """Accept an instance, a list of instances of one model, a model with ``ids``, or a
    ``select()`` of one model. A subclass (single- or joined-table inheritance) is a target
    of its own rows only."""
    if isinstance(target, Select):
        if ids is not None:
            raise InvalidTarget("ids= goes with a model class, not with a select()")
        return _from_select(graph, target, hard)
    if isinstance(target, CompoundSelect):
        raise InvalidTarget("a bulk delete takes a select() of one model, not a UNION of selects")
    if isinstance(target, type):
        if ids is None:
            raise InvalidTarget(f"deleting from {target.__name__} needs ids= or a select()")
        node = _node(graph, target)
        keys = key_values(node.pk, ids, dialect=dialect)
        scope = _scope(node, target)
        matches = key_in(node.pk, keys, dialect)
        criterion = matches if scope is None else and_(matches, scope)
        described = {"ids": [json_key(k) for k in keys]}
        return Target(node, criterion, described, ids=keys, scope=scope, matches=matches)
    if ids is not None:
        raise InvalidTarget("ids= goes with a model class, not with instances")
    if isinstance(target, str | bytes | dict) or target is None:
        raise _not_a_target(target)
    instances = list(target) if isinstance(target, list | tuple | set) else [target]
    if not instances:
        raise InvalidTarget("nothing to delete: the list is empty")
    for obj in instances:
        _identity(obj)  # mapped and saved, or a clear error
    classes = {type(obj) for obj in instances}
    node = _node(graph, instances[0].__class__)
    if any(graph.node_for(cls) is not node for cls in classes):
        raise InvalidTarget("one operation deletes rows of one model")
    keys = tuple(dict.fromkeys(_identity(obj) for obj in instances))
    matches = key_in(node.pk, keys, dialect)
    described = {"ids": [json_key(k) for k in keys]}
    return Target(node, matches, described, ids=keys, instances=tuple(instances), matches=matches)


def session_of(target: Any) -> Any:
    """The session an instance (or the first of a list) belongs to, if any."""
    first = target[0] if isinstance(target, list | tuple) and target else target
    try:
        return object_session(first)
    except Exception:
        return None


def _node(graph: ModelGraph, cls: type) -> Node:
    node = graph.governing(cls)
    if node is None:
        raise InvalidTarget(f"{getattr(cls, '__name__', cls)!r} is not a mapped model")
    return node


def _scope(node: Node, cls: type) -> ColumnElement[bool] | None:
    """For a subclass of the node's model: its rows among the node's (the discriminator of
    single-table inheritance, the join of joined-table inheritance), as the ORM selects them."""
    mapper: Any = inspect(cls)
    if node.mapper is None or mapper is node.mapper or mapper.concrete:
        return None
    inner = select(getattr(cls, node.pk_key)).subquery()
    return node.pk.in_(select(inner.c[0]))


def _not_a_target(value: Any) -> TypeError:
    return TypeError(
        "delete() takes an instance, a list of instances, a model class with ids=, or a "
        f"select() of one model, not {type(value).__name__}"
    )


def _identity(obj: Any) -> Any:
    state = inspect(obj, raiseerr=False)
    if not isinstance(state, InstanceState):
        raise _not_a_target(obj)
    if state.identity is None:
        raise InvalidTarget(f"{type(obj).__name__} instance has not been saved yet")
    if len(state.identity) != 1:
        raise InvalidTarget(f"{type(obj).__name__} has a composite key; deletions need one")
    return state.identity[0]


def _from_select(graph: ModelGraph, statement: Select[Any], hard: bool) -> Target:
    described = statement.column_descriptions
    if len(described) != 1:
        raise InvalidTarget("a bulk delete takes a select() of exactly one model")
    (column,) = described
    entity = column.get("entity")
    if not isinstance(entity, type) or column.get("type") is not entity:
        raise InvalidTarget(
            "a bulk delete takes a select() of a model (select(Item).where(...)), "
            "not of columns or expressions"
        )
    if column.get("aliased"):
        raise InvalidTarget("a bulk delete selects the model itself, not an alias of it")
    node = _node(graph, entity)
    description = {"filter": _describe(statement)}
    if statement.whereclause is None:
        raise InvalidTarget(f"a bulk delete of {node.name} needs a filter (a WHERE clause)")
    simple = not (
        statement._setup_joins
        or statement._limit_clause is not None
        or statement._offset_clause is not None
        or statement._group_by_clauses
        or statement._having_criteria
        or statement._distinct
        or statement._from_obj
    )
    # The WHERE reads the model's own table and nothing else (no other table, alias or
    # subquery), and the model is the node's own class (no discriminator or join to add): it
    # can serve as the target's criterion as it is. (Cheaper than asking the statement for
    # its FROM list, which compiles it.)
    tables = find_tables(statement.whereclause, check_columns=True, include_aliases=True)
    own = node.mapper is None or inspect(entity) is node.mapper
    if simple and own and all(table is node.table for table in tables):
        return Target(node, statement.whereclause, description)
    ids = statement.with_only_columns(getattr(entity, node.pk_key))
    if statement._limit_clause is None and statement._offset_clause is None:
        ids = ids.order_by(None)
    if not _opted_out(statement):
        # Its subqueries and joins read other models as every ORM query does: without their
        # trashed rows (a trashed comment is not one of the post's comments any more); and
        # a soft delete's LIMIT counts the model's live rows (a hard one takes trashed ones).
        soft = {node.table for node in graph.soft_nodes()}
        ids = live_only(ids, soft, None if node.soft and not hard else node.table)
    inner = ids.subquery()
    return Target(node, node.pk.in_(select(inner.c[0])), description, stable=False)


def _opted_out(statement: Select[Any]) -> bool:
    options = statement.get_execution_options()
    return bool(options.get(INCLUDE_DELETED) or options.get(ONLY_DELETED))


def _describe(statement: Select[Any]) -> str:
    where = statement.whereclause
    if where is None:
        return ""
    try:
        return str(where.compile(compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(where)
