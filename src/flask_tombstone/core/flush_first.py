"""A flush that moves rows and deletes others: the moves written first.

The engine's deletions read the database: which rows a cascade takes, which dependents
refuse. The unit of work writes a flush's updates before its deletes, so that a comment moved
to another post (``comment.post = other``, ``other.comments.append(comment)``,
``comment.post_id = 2``) and its old post deleted in the same flush leaves the comment with
the other post. The flush listener runs before any of that is written; without this, the
engine would find the comment still linked to the deleted post and take it along (or be
refused by it).

So when a flush both deletes governed rows and changes links — a foreign key column, a
many-to-one or a one-to-many relationship — of instances it does not delete, those instances
and the flush's new ones are flushed first, by the unit of work itself, as an earlier
``session.flush()`` would have; then the engine deletes. Left out of that first flush: an
instance whose ``delete-orphan`` relationship lost a child (its unit of work would
``DELETE`` the orphan, which the engine trashes instead). A refusal of the deletions then
leaves the first flush's writes in the transaction, as an earlier flush's would be.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import ColumnProperty, RelationshipProperty, Session
from sqlalchemy.orm.interfaces import MANYTOONE, ONETOMANY

FLUSHING_FIRST = "tombstone_flushing_first"  # Session.info, while the first flush runs


def flushing_first(session: Session) -> bool:
    """Whether this flush is the first one of :func:`write_moves_first` (the listener lets
    it through: it deletes nothing)."""
    return bool(session.info.get(FLUSHING_FIRST))


def write_moves_first(session: Session, taken: list[Any]) -> None:
    """Flush the instances whose links this flush changes, and the new ones, unless none
    changes a link (the usual flush: nothing is written here)."""
    deleted = {id(obj) for obj in taken}
    movers = [
        obj
        for obj in session.dirty
        if id(obj) not in deleted and _changes_links(inspect(obj)) and not _orphans_a_child(obj)
    ]
    if not movers:
        return
    session.info[FLUSHING_FIRST] = True
    try:
        _flush_only(session, [*movers, *session.new])
    finally:
        session.info.pop(FLUSHING_FIRST, None)


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


def _orphans_a_child(obj: Any) -> bool:
    """Whether a ``delete-orphan`` relationship of ``obj`` lost a child in this flush."""
    state = inspect(obj)
    return any(
        prop.cascade.delete_orphan and state.attrs[prop.key].history.deleted
        for prop in state.mapper.relationships
    )


def _flush_only(session: Session, objects: list[Any]) -> None:
    """The unit of work on ``objects`` only (``Session.flush(objects)``, which SQLAlchemy
    2.1 deprecates for applications: called here without the warning, from a flush)."""
    flush = getattr(Session._flush, "__wrapped__", Session._flush)
    flush(session, objects)
