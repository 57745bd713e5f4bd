"""The per-statement opt-outs of the visibility filter (``include_deleted``: trashed rows too;
``only_deleted``: the trash only), as the listener reads them.

- A statement built around one select — a count of it, as Flask-SQLAlchemy's ``paginate``
  and the legacy ``Query.count()`` write — reads rows as that select does: SQLAlchemy keeps a
  select's execution options to itself once it is a subquery, so the listener would otherwise
  count live rows under a page of trashed ones.
- ``only_deleted`` is the trash of the first soft entity the statement selects (plain,
  aliased, inside the select a count wraps, or a union's): every other soft model it reads,
  and what is loaded from the trashed rows (their live parent, their post's comments), is
  read as everywhere else, now and later in the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, inspect
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.orm.context import FromStatement
from sqlalchemy.sql.selectable import AliasedReturnsRows, CompoundSelect

from .graph import ModelGraph
from .mixin import HIDE_TRASHED, INCLUDE_DELETED, ONLY_DELETED, SoftDeleteMixin, live

OPT_OUTS = (INCLUDE_DELETED, ONLY_DELETED)


def opted_out(state: ORMExecuteState) -> str | None:
    """``include_deleted``, ``only_deleted`` or ``None``: the statement's own option, or that
    of the one select it is built around."""
    options = state.execution_options
    for name in OPT_OUTS:
        if options.get(name):
            return name
    return _around(state.statement)


def _around(statement: Any) -> str | None:
    inner = _wrapped(statement)
    if inner is None:
        return None
    for name in OPT_OUTS:
        if inner._execution_options.get(name):
            return name
    return _around(inner)


def _wrapped(statement: Any) -> Any:
    """The select ``statement`` only wraps (selecting no entity of its own from one
    subquery), if it does."""
    if not isinstance(statement, Select):
        return None
    if any(d.get("entity") is not None for d in statement.column_descriptions):
        return None
    froms = list(statement._from_obj)
    if len(froms) != 1 or not isinstance(froms[0], AliasedReturnsRows):
        return None
    inner: Any = froms[0]
    while isinstance(inner, AliasedReturnsRows):  # the legacy Query's alias of a subquery
        inner = inner.element
    return inner if isinstance(inner, Select | CompoundSelect) else None


def trash_only(statement: Any, graph: ModelGraph) -> tuple[Any, tuple[Any, ...]]:
    """``statement`` reading the trash of the first soft entity it selects — in its columns,
    its ``select_from``, the select a count wraps, or the first select of a ``UNION`` — and
    every other soft model as everywhere else (live rows: the comments a trashed post's
    ``joinedload`` brings, the post a ``join`` reaches). The statement, and its loader
    options.

    The trash is a loader criterion on a plain class (in subqueries and a union's parts too,
    not passed on to relationship loads; not on aliases: those of its own eager loads, a
    self-join's, read whatever their state), a ``WHERE`` on an aliased entity the statement
    selects itself, and a criterion on the class and its aliases for an aliased entity
    inside the select a count wraps."""
    found = _first_soft(statement)
    if found is None:
        return statement, (HIDE_TRASHED,)  # no soft entity selected: read as everywhere else
    entity, cls, nested = found
    others = _others_live(graph, cls)
    aliased = bool(getattr(inspect(entity, raiseerr=False), "is_aliased_class", False))
    if not aliased:
        return statement, (_trash_only(cls, aliases=False), *others)
    if nested:  # an alias inside what the statement wraps: reached through its class only
        return statement, (_trash_only(cls, aliases=True), *others)
    column = getattr(entity, "deleted_at", None)
    if column is not None:
        statement = statement.where(column.is_not(None))
    return statement, others


def _first_soft(statement: Any, nested: bool = False) -> tuple[Any, type, bool] | None:
    """The first soft entity ``statement`` selects, its class, and whether it lies inside a
    select the statement wraps (a count's) or a union's part."""
    if isinstance(statement, FromStatement):  # select(Post).from_statement(a union)
        return _first_soft(statement.element, nested=True)
    if isinstance(statement, CompoundSelect):
        for part in statement.selects:
            found = _first_soft(part, nested=True)
            if found is not None:
                return found
        return None
    if not isinstance(statement, Select):
        return None
    for entity in _own_entities(statement):
        info = inspect(entity, raiseerr=False)
        cls = getattr(getattr(info, "mapper", None), "class_", None)
        if cls is not None and issubclass(cls, SoftDeleteMixin):
            return entity, cls, nested
    inner = _wrapped(statement)
    return None if inner is None else _first_soft(inner, nested=True)


def _others_live(graph: ModelGraph, cls: type) -> tuple[Any, ...]:
    """The live-rows criterion of every soft hierarchy but ``cls``'s, aliases included."""
    own = graph.governing(cls)
    return tuple(
        _live_only(node.cls) for node in graph.nodes.values() if node.soft and node is not own
    )


def without_trash_only(statement: Any) -> Any:
    """A relationship load of trashed rows (a ``selectinload`` of the trash's query) without
    the trash-only criteria, which SQLAlchemy passes on with every option of the statement
    it serves: what is loaded from the trash is read as everywhere else."""
    options = getattr(statement, "_with_options", ())
    kept = tuple(option for option in options if option not in _TRASH_ONLY.values())
    if len(kept) == len(options):
        return statement
    copy = statement._generate()
    copy._with_options = kept
    return copy


_TRASH_ONLY: dict[tuple[type, bool], Any] = {}  # {(soft class, on aliases): criterion}
_LIVE_ONLY: dict[type, Any] = {}  # {soft hierarchy's class: its live-rows criterion}


def _trash_only(cls: type, *, aliases: bool) -> Any:
    key = (cls, aliases)
    option = _TRASH_ONLY.get(key)
    if option is None:
        option = _TRASH_ONLY[key] = with_loader_criteria(
            cls, _trashed, include_aliases=aliases, propagate_to_loaders=False
        )
    return option


def _live_only(cls: type) -> Any:
    option = _LIVE_ONLY.get(cls)
    if option is None:
        option = _LIVE_ONLY[cls] = with_loader_criteria(cls, live, include_aliases=True)
    return option


def _own_entities(statement: Select[Any]) -> Iterator[Any]:
    """The entities ``statement`` itself selects: in its columns and its ``select_from``."""
    for description in statement.column_descriptions:
        entity = description.get("entity")
        if entity is not None:
            yield entity
    for from_ in statement._from_obj:
        entity = getattr(from_, "_annotations", {}).get("parententity")
        if entity is not None:
            yield entity.entity if hasattr(entity, "entity") else entity.class_


def _trashed(cls: Any) -> Any:
    return cls.deleted_at.is_not(None)
