"""Turning what a caller passes to delete or preview into a :class:`~.planner.Target`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import object_session
from sqlalchemy.sql.util import find_tables

from .errors import InvalidTarget
from .graph import ModelGraph, Node
from .planner import Target


def resolve(graph: ModelGraph, target: Any, ids: Iterable[Any] | None = None) -> Target:
    """Accept an instance, a list of instances of one model, a model with ``ids``, or a
    ``select()`` of one model."""
    if isinstance(target, Select):
        return _from_select(graph, target)
    if isinstance(target, type):
        if ids is None:
            raise InvalidTarget(f"deleting from {target.__name__} needs ids= or a select()")
        node = _node(graph, target)
        keys = _ids(ids)
        return Target(node, node.pk.in_(keys), {"ids": list(keys)}, ids=keys)
    instances = list(target) if isinstance(target, list | tuple) else [target]
    if not instances:
        raise InvalidTarget("nothing to delete: the list is empty")
    classes = {type(obj) for obj in instances}
    node = _node(graph, instances[0].__class__)
    if any(graph.node_for(cls) is not node for cls in classes):
        raise InvalidTarget("one operation deletes rows of one model")
    keys = _ids(_identity(obj) for obj in instances)
    criterion = node.pk == keys[0] if len(keys) == 1 else node.pk.in_(keys)
    return Target(node, criterion, {"ids": list(keys)}, ids=keys, instances=tuple(instances))


def session_of(target: Any) -> Any:
    """The session an instance (or the first of a list) belongs to, if any."""
    first = target[0] if isinstance(target, list | tuple) and target else target
    try:
        return object_session(first)
    except Exception:
        return None


def _node(graph: ModelGraph, cls: type) -> Node:
    node = graph.node_for(cls)
    if node is None:
        raise InvalidTarget(f"{getattr(cls, '__name__', cls)!r} is not a mapped model")
    return node


def _identity(obj: Any) -> Any:
    try:
        state = inspect(obj)
    except NoInspectionAvailable as exc:
        raise InvalidTarget(f"{type(obj).__name__} is not a mapped instance") from exc
    if state.identity is None:
        raise InvalidTarget(f"{type(obj).__name__} instance has not been saved yet")
    return state.identity[0]


def _ids(values: Iterable[Any]) -> tuple[int, ...]:
    keys: list[int] = []
    for value in values:
        if isinstance(value, bool):
            raise InvalidTarget(f"{value!r} is not a valid id")
        try:
            keys.append(int(value))
        except (TypeError, ValueError) as exc:
            raise InvalidTarget(f"{value!r} is not a valid id") from exc
    if not keys:
        raise InvalidTarget("nothing to delete: no ids given")
    return tuple(dict.fromkeys(keys))


def _from_select(graph: ModelGraph, statement: Select[Any]) -> Target:
    entities = [d.get("entity") for d in statement.column_descriptions]
    if len(entities) != 1 or not isinstance(entities[0], type):
        raise InvalidTarget("a bulk delete takes a select() of exactly one model")
    node = _node(graph, entities[0])
    description = {"filter": _describe(statement)}
    simple = not (
        statement._setup_joins
        or statement._limit_clause is not None
        or statement._offset_clause is not None
        or statement._group_by_clauses
        or statement._having_criteria
        or statement._distinct
        or statement._from_obj
    )
    if statement.whereclause is None:
        raise InvalidTarget(f"a bulk delete of {node.name} needs a filter (a WHERE clause)")
    # The WHERE reads the model's own table and nothing else (no other table, alias or
    # subquery): it can serve as the target's criterion as it is. (Cheaper than asking the
    # statement for its FROM list, which compiles it.)
    tables = find_tables(statement.whereclause, check_columns=True, include_aliases=True)
    if simple and all(table is node.table for table in tables):
        return Target(node, statement.whereclause, description)
    ids = statement.with_only_columns(node.pk)
    if statement._limit_clause is None:
        ids = ids.order_by(None)
    inner = ids.subquery()
    return Target(node, node.pk.in_(select(inner.c[0])), description)


def _describe(statement: Select[Any]) -> str:
    where = statement.whereclause
    if where is None:
        return ""
    try:
        return str(where.compile(compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(where)
