"""Optimistic concurrency for ``session.delete``: a model mapped with ``version_id_col``.

The unit of work deletes such a row with ``WHERE id = :id AND version = :version`` and raises
``StaleDataError`` when another transaction changed it since it was loaded: the concurrent
edit is not thrown away unseen. The engine deletes by key, so before it runs the flush's
versioned instances are checked the same way — their rows locked and their counters read —
and a stale one refuses the flush with :class:`.Conflict`, naming the row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from .errors import Conflict
from .graph import Node
from .sql import INTERNAL, dialect_name


def refuse_stale(session: Session, groups: dict[Node, list[Any]]) -> None:
    """Raise :class:`.Conflict` if a versioned instance the flush deletes is out of date."""
    for node, objs in groups.items():
        mapper: Any = inspect(node.cls)
        column = mapper.version_id_col
        if column is None:
            continue
        loaded = {}  # {key: the version the instance was loaded with}
        for obj in objs:
            state = inspect(obj)
            if state.key is not None:
                version = mapper._get_committed_state_attr_by_column(state, state.dict, column)
                loaded[state.key[1][0]] = version
        if not loaded:
            continue
        query = select(node.pk, column).where(node.pk.in_(list(loaded)))
        if dialect_name(session) != "sqlite":
            query = query.with_for_update()
        rows = session.execute(query, execution_options=INTERNAL)
        found: dict[Any, Any] = dict(rows.all())
        stale = sorted(str(key) for key, version in loaded.items() if found.get(key) != version)
        if stale:
            raise Conflict(
                detail=f"{node.name} {', '.join(stale)} changed (or went) since it was loaded "
                "(its version counter moved): reload it before deleting it"
            )
