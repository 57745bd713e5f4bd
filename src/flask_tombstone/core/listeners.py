"""Session listeners: soft-deleted rows hidden from every query, and the tutorials' own
deletion code (``session.delete(obj)``, ``query.delete()``, ``delete(Model)``) routed
through the engine.

Attached by :meth:`Tombstone.attach` to the session class, sessionmaker or scoped session
the application uses, idempotently; never at import time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import Delete, Select, event, select
from sqlalchemy.engine import IteratorResult
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, with_loader_criteria

from .errors import NotFound, Protected
from .mixin import SoftDeleteMixin
from .policy import Policy

if TYPE_CHECKING:
    from .service import Tombstone

INCLUDE_DELETED = "include_deleted"
ONLY_DELETED = "only_deleted"


def _live(cls: Any) -> Any:
    return cls.deleted_at.is_(None)


def _trashed(cls: Any) -> Any:
    return cls.deleted_at.is_not(None)


class RowCountResult(IteratorResult[Any]):
    """The result ``query.delete()`` reads its row count from, for deletes the engine ran."""

    def __init__(self, rowcount: int) -> None:
        super().__init__(SimpleResultMetaData([]), iter([]))
        self._rowcount = rowcount

    @property
    def rowcount(self) -> int:
        return self._rowcount


class Listeners:
    """The listeners of one :class:`Tombstone`, attached to any number of session targets."""

    def __init__(self, tombstone: Tombstone) -> None:
        self.tombstone = tombstone
        self._hide = with_loader_criteria(SoftDeleteMixin, _live, include_aliases=True)

    def attach(self, target: Any) -> None:
        for name, fn in (("do_orm_execute", self.on_execute), ("before_flush", self.on_flush)):
            if not event.contains(target, name, fn):
                event.listen(target, name, fn)

    def detach(self, target: Any) -> None:
        for name, fn in (("do_orm_execute", self.on_execute), ("before_flush", self.on_flush)):
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    # -- visibility and bulk statements ----------------------------------------------------
    def on_execute(self, state: ORMExecuteState) -> Any:
        options = state.execution_options
        if options.get("tombstone_internal"):
            return None
        if state.is_delete:
            return self._route_delete(state)
        if options.get(INCLUDE_DELETED):
            return None
        if state.is_select or state.is_update:
            if options.get(ONLY_DELETED) and state.is_select:
                state.statement = state.statement.options(*self._only_deleted(state))
            elif self._hide not in getattr(state.statement, "_with_options", ()):
                # Relationship loads of rows loaded through this filter carry it already
                # (propagated); the others (of objects added or loaded with include_deleted)
                # get it here.
                state.statement = state.statement.options(self._hide)
        return None

    def _only_deleted(self, state: ORMExecuteState) -> list[Any]:
        statement = state.statement
        if not isinstance(statement, Select):
            return []
        entities = [d.get("entity") for d in statement.column_descriptions]
        return [
            with_loader_criteria(entity, _trashed)
            for entity in dict.fromkeys(entities)
            if isinstance(entity, type) and issubclass(entity, SoftDeleteMixin)
        ]

    def _route_delete(self, state: ORMExecuteState) -> Any:
        mapper = state.bind_mapper
        statement = state.statement
        if mapper is None or not isinstance(statement, Delete):
            return None
        node = self.tombstone.graph.node_for(mapper.class_)
        if node is None or node.policy is Policy.HARD:
            return None
        if node.policy is Policy.PROTECTED:
            raise Protected(
                f"{node.name} rows are protected and cannot be deleted", model=node.name
            )
        query = select(mapper.class_)
        if statement.whereclause is not None:
            query = query.where(statement.whereclause)
        try:
            operation = self.tombstone.delete(query, session=state.session)
        except NotFound:
            return RowCountResult(0)
        return RowCountResult(operation.counts.get(node.name, 0))

    # -- session.delete(obj) ---------------------------------------------------------------
    def on_flush(self, session: Session, context: UOWTransaction, instances: Any) -> None:
        graph = self.tombstone.graph
        soft: dict[Any, list[Any]] = defaultdict(list)  # {node: instances to soft-delete}
        for obj in list(session.deleted):
            node = graph.node_for(type(obj))
            if node is None or node.policy is Policy.HARD:
                continue
            if node.policy is Policy.PROTECTED:
                raise Protected(
                    f"{node.name} rows are protected and cannot be deleted", model=node.name
                )
            soft[node].append(obj)
        if not soft:
            return
        for obj in [o for objs in soft.values() for o in objs]:
            session.expunge(obj)  # the engine stamps them instead of the unit of work deleting
        for node in graph.soft_closure(list(soft)):
            if node not in soft:
                continue
            try:
                # Rows a parent's cascade already took in this flush are skipped.
                self.tombstone.delete(soft[node], session=session, missing_ok=True)
            except NotFound:
                continue
