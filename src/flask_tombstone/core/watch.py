"""Models declared after setup: the graph follows the registry, and a model graph the engine
cannot honour fails when SQLAlchemy configures the mappers, naming model and column."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, registry

if TYPE_CHECKING:
    from .service import Tombstone


def mapper_count(reg: registry) -> int:
    """How many classes the registry maps (grows as models are declared; cheap to ask)."""
    managers = getattr(reg, "_managers", None)
    return len(managers) if managers is not None else len(reg.mappers)


def watch_mappers(reg: registry, tombstone: Tombstone) -> None:
    """After each mapper configuration that took in models of ``reg``, build the graph (so a
    wrong rule fails there, at the first query or instance, rather than at delete time).

    Held weakly: a Tombstone that is gone stops watching.
    """
    ref = weakref.ref(tombstone)
    watched = reg.__dict__.setdefault("_tombstone_watchers", [])
    if not watched:
        event.listen(Mapper, "after_configured", _Watcher(reg, watched))
    watched.append(ref)


class _Watcher:
    def __init__(self, reg: registry, watched: list[Any]) -> None:
        self.reg = weakref.ref(reg)
        self.watched = watched
        self.seen = -1

    def __call__(self) -> None:
        reg = self.reg()
        if reg is None:
            return
        count = mapper_count(reg)
        if count == self.seen:
            return
        self.seen = count
        for ref in list(self.watched):
            tombstone = ref()
            if tombstone is None:
                self.watched.remove(ref)
            elif tombstone._graph_mappers != count:
                tombstone.configure()
