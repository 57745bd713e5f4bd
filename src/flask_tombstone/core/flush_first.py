"""A flush that moves rows and deletes others: the moves written first.

The engine's deletions read the database: which rows a cascade takes, which dependents
refuse. The unit of work writes a flush's updates before its deletes, so that a comment moved
to another post (``comment.post = other``, ``other.comments.append(comment)``,
``comment.post_id = 2``) and its old post deleted in the same flush leaves the comment with
the other post. The flush listener runs before any of that is written; without this, the
engine would find the comment still linked to the deleted post and take it along (or be
refused by it).

So when a flush both deletes governed rows and changes links — a foreign key column, a
many-to-one or a one-to-many relationship — of instances it does not delete, or adds new
ones, those are flushed first, by the unit of work itself, as an earlier ``session.flush()``
would have; then the engine deletes. The orphans the engine trashes are shielded from that
first flush (marked as still having their parent while it runs: the unit of work would
``DELETE`` them). A refusal of the deletions then leaves the first flush's writes in the
transaction, as an earlier flush's would be.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import ColumnProperty, RelationshipProperty, Session
from sqlalchemy.orm.interfaces import MANYTOONE, ONETOMANY

FLUSHING_FIRST = "tombstone_flushing_first"  # Session.info, while the first flush runs
_ABSENT = object()  # an orphan had no parent record before it was shielded


def flushing_first(session: Session) -> bool:
    """Whether this flush is the first one of :func:`write_moves_first` (the listener lets
    it through: it deletes nothing)."""
    return bool(session.info.get(FLUSHING_FIRST))


def write_moves_first(session: Session, taken: list[Any]) -> None:
    """Flush the new instances and those whose links this flush changes, unless there are
    none (the usual flush: nothing is written here)."""
    deleted = {id(obj) for obj in taken}
    movers = [
        obj for obj in session.dirty if id(obj) not in deleted and _changes_links(inspect(obj))
    ]
    if not movers and not session.new:
        return
    shielded = _shield_orphans(movers, deleted)
    session.info[FLUSHING_FIRST] = True
    try:
        _flush_only(session, [*movers, *session.new])
    finally:
        session.info.pop(FLUSHING_FIRST, None)
        for parents, token, before in shielded:
            if before is _ABSENT:
                parents.pop(token, None)
            else:
                parents[token] = before


def _changes_links(state: Any) -> bool:
    """A changed foreign key column, many-to-one or one-to-many relationship."""
    mapper = state.mapper
    for key in state.committed_state:
        prop = mapper.attrs.get(key)
        if isinstance(prop, ColumnProperty):
            if any(column.foreign_keys for column in prop.columns):
                return True
        elif isinstance(prop, RelationshipProperty) and prop.direction in (MANYTOONE, ONETOMANY):
            return True
    return False


def lost_children(state: Any) -> Iterator[tuple[Any, Any]]:
    """``(attribute, child)`` for each child the instance's ``delete-orphan`` relationships
    lost in this flush (taken out, or replaced), as the unit of work finds them; never loads."""
    for prop in state.mapper.relationships:
        if not prop.cascade.delete_orphan:
            continue
        impl = state.manager[prop.key].impl
        for child in state.attrs[prop.key].history.deleted:
            if child is not None:
                yield impl, child


def _shield_orphans(movers: list[Any], deleted: set[int]) -> list[tuple[dict[int, Any], int, Any]]:
    """Mark the children the movers' ``delete-orphan`` relationships lost, and the engine
    deletes, as still having their parent: the first flush's unit of work then leaves them
    alone (it ``DELETE``s a lost child with no parent). Returns what to put back."""
    shielded = []
    for obj in movers:
        state = inspect(obj)
        for impl, child in lost_children(state):
            if id(child) not in deleted:
                continue
            parents = inspect(child).parents
            token = id(impl.parent_token)
            shielded.append((parents, token, parents.get(token, _ABSENT)))
            impl.sethasparent(inspect(child), state, True)
    return shielded


def _flush_only(session: Session, objects: list[Any]) -> None:
    """The unit of work on ``objects`` only (``Session.flush(objects)``, which SQLAlchemy
    2.1 deprecates for applications: called here without the warning, from a flush)."""
    flush = getattr(Session._flush, "__wrapped__", Session._flush)
    flush(session, objects)
