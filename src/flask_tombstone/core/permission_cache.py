"""The permission hook's criteria built once per actor, when the application says what of the
actor they depend on (``Tombstone(permission_key=...)``).

A hook like ``owner_id == user.id OR EXISTS (project owned by user.id)`` builds a few
SQLAlchemy expressions on every call, for every model a deletion reaches, and SQLAlchemy then
generates their cache keys again before it finds the compiled statement: on a one-row
request, most of the engine's own CPU. With a key (``lambda user: (user.id, user.role)``)
the criteria of one (key, model) are built once and reused — the same immutable expression,
run with the same bound values — and so are their cache keys. The key must hold everything
of the actor the hook reads (its role, its tenant); what the criteria read from the database
is still read by the database, on every operation.

Bounded: the least recently used (key, model) pairs are dropped past :data:`HELD`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.sql.cache_key import CacheKey

from .errors import ConfigurationError

Criterion = ColumnElement[bool] | None
PermissionKey = Callable[[Any], Hashable | None]

HELD = 4096
"""(actor key, arguments) entries held by one hook; each is one criterion, a few kilobytes."""


def criterion_of(found: Any, model: Any) -> Criterion:
    """What a permission hook returned for ``model``, as the engine reads it: a SQL
    criterion; ``None`` or ``True``, every row (no restriction); ``False``, none (the hook's
    ``actor.is_admin or Model.owner_id == actor.id`` returns a Python bool for some actors).

    :raises TypeError: anything else, naming the model.
    """
    if found is None or found is True:
        return None
    if found is False:
        return false()
    if isinstance(found, ColumnElement):
        return found
    name = getattr(model, "__name__", model)
    raise TypeError(
        f"the permission hook returns a SQL criterion, None, True or False; for {name} it "
        f"returned {type(found).__name__} {found!r:.60}"
    )


class CachedPermission:
    """``hook(actor, model)`` — or any hook of the actor and other hashable arguments, such as
    ``hook(actor)`` — answered from memory for an actor whose ``key(actor)`` was seen with
    those arguments before. A key of ``None`` means "do not cache this actor" (the hook
    runs)."""

    def __init__(self, hook: Callable[..., Criterion], key: PermissionKey) -> None:
        self.hook = hook
        self.key = key
        self._held: OrderedDict[tuple[Hashable, ...], Criterion] = OrderedDict()
        self._cache_keys: dict[int, tuple[ColumnElement[bool], CacheKey | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, actor: Any, *args: Any) -> Criterion:
        key = self.key(actor)
        if key is None:
            return criterion_of(self.hook(actor, *args), args[0] if args else None)
        entry = (key, *args)
        try:
            with self._lock:
                found = self._held[entry]
                self._held.move_to_end(entry)
            return found
        except KeyError:
            pass
        except TypeError as exc:
            raise ConfigurationError(
                f"permission_key returned {key!r}, which cannot be a dict key"
            ) from exc
        found = criterion_of(self.hook(actor, *args), args[0] if args else None)
        with self._lock:
            self._held[entry] = found
            if found is not None:
                self._cache_keys[id(found)] = (found, found._generate_cache_key())
            while len(self._held) > HELD:
                _, dropped = self._held.popitem(last=False)
                if dropped is not None:
                    self._cache_keys.pop(id(dropped), None)
        return found

    def cache_key(self, criterion: ColumnElement[bool]) -> CacheKey | None:
        """``criterion``'s cache key: generated once for a criterion this cache holds."""
        held = self._cache_keys.get(id(criterion))
        if held is not None and held[0] is criterion:
            return held[1]
        return criterion._generate_cache_key()


def cache_key(permission: Any, criterion: ColumnElement[bool]) -> CacheKey | None:
    """The cache key of a criterion the permission hook returned (held by a
    :class:`CachedPermission`, else generated)."""
    if isinstance(permission, CachedPermission):
        return permission.cache_key(criterion)
    return criterion._generate_cache_key()
