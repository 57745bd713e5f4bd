"""The per-statement opt-outs of the visibility filter (``include_deleted``: trashed rows too;
``only_deleted``: the trash only), as the listener reads them.

- A statement built around one select — a count of it, as Flask-SQLAlchemy's ``paginate``
  and the legacy ``Query.count()`` write — reads rows as that select does: SQLAlchemy keeps a
  select's execution options to itself once it is a subquery, so the listener would otherwise
  count live rows under a page of trashed ones.
- ``only_deleted`` applies to the entities the statement selects (plain, aliased, or inside
  the subquery it is built around), not to what is loaded from them: the relationships of a
  trashed row (its live parent, its post's comments) load as everywhere else, now and later
  in the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, inspect
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.sql.selectable import AliasedReturnsRows

from .mixin import INCLUDE_DELETED, ONLY_DELETED, SoftDeleteMixin

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


def _wrapped(statement: Any) -> Select[Any] | None:
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
    return inner if isinstance(inner, Select) else None


def trash_only(statement: Any) -> tuple[Any, Any]:
    """``statement`` reading only the trashed rows of the first soft entity it selects (the
    trash of comments, ``select(Comment, Post.title).join(Comment.post)``, shows each with its
    post, trashed or not): a loader criterion for a plain class (in subqueries too, not passed
    on to relationship loads), a ``WHERE`` for an aliased one (a loader criterion on the class
    would reach the aliases of its eager loads too). Other soft models it reads are read
    whatever their state."""
    if not isinstance(statement, Select):
        return statement, ()
    for entity in _selected(statement):
        info = inspect(entity, raiseerr=False)
        cls = getattr(getattr(info, "mapper", None), "class_", None)
        if cls is None or not issubclass(cls, SoftDeleteMixin):
            continue
        if not getattr(info, "is_aliased_class", False):
            return statement, (_trash_only(cls),)
        column = getattr(entity, "deleted_at", None)
        return statement if column is None else statement.where(column.is_not(None)), ()
    return statement, ()


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


_TRASH_ONLY: dict[type, Any] = {}  # {soft class: its criterion, built once}


def _trash_only(cls: type) -> Any:
    option = _TRASH_ONLY.get(cls)
    if option is None:
        # Not on aliases: those of the statement's eager loads read as everywhere else.
        option = _TRASH_ONLY[cls] = with_loader_criteria(
            cls, _trashed, include_aliases=False, propagate_to_loaders=False
        )
    return option


def _selected(statement: Select[Any]) -> Iterator[Any]:
    """The entities ``statement`` selects: in its columns, its ``select_from``, and the one
    select it is built around."""
    for description in statement.column_descriptions:
        entity = description.get("entity")
        if entity is not None:
            yield entity
    for from_ in statement._from_obj:
        entity = getattr(from_, "_annotations", {}).get("parententity")
        if entity is not None:
            yield entity.entity if hasattr(entity, "entity") else entity.class_
    inner = _wrapped(statement)
    if inner is not None:
        yield from _selected(inner)


def _trashed(cls: Any) -> Any:
    return cls.deleted_at.is_not(None)
