"""Who may see, delete, restore and purge what: the hooks every view, the API and the CLI consult.

Each hook returns a SQL criterion (or ``None`` for "no restriction"), so the views ask the
database once for a whole page or a whole deletion, never row by row. The rule of answers:

* a row or operation outside what the actor may **see** is ``404`` (its existence never leaks);
* one the actor sees but may not delete, restore or purge is ``403``.

Subclass :class:`Access` (or pass the functions to its constructor) to say how your app
scopes rows (tenant, project, owner). The defaults suit a single-user or trusted-team app:
everyone sees and deletes everything, restores what they see, and **nobody purges** until
``purgeable`` says who may (a purge cannot be undone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, and_, false, literal

from flask_tombstone.core.permission_cache import CachedPermission

Criterion = ColumnElement[bool] | None
RowHook = Callable[[Any, type], Criterion]
OperationHook = Callable[[Any], Criterion]
ScopeHook = Callable[[Any, Any], dict[str, Any] | None]
ActorHook = Callable[[Any], bool]


class Access:
    """The authorization hooks of the deletion views (and of anything built on them).

    :param actor: returns the current actor (default: Flask-Login's ``current_user`` when
        someone is logged in, else ``None``).
    :param login_required: refuse anonymous visitors (``401``, or Flask-Login's login
        redirect when a ``login_manager`` is set up). Default: when Flask-Login is set up.
    :param visible: ``visible(actor, model)``: the rows of ``model`` the actor may see.
    :param deletable: ``deletable(actor, model)``: the rows the actor may delete, checked
        set-based over every model a deletion reaches (the engine's permission hook).
    :param actor_key: ``actor_key(actor) -> hashable | None``: everything of the actor that
        the criteria hooks (``visible``, ``deletable``, ``operations``, ``restorable``,
        ``purgeable``) read in Python (``lambda user: (user.id, user.role)``): their criteria
        are then built once per key (and model) and reused, and it becomes the engine's
        ``permission_key``. ``None`` for an actor not to cache.
    :param operations: ``operations(actor)``: the operations the actor sees in the trash and
        the log (e.g. their tenant's).
    :param restorable: ``restorable(actor)``: the operations (among those seen) they may
        restore and undo.
    :param purgeable: ``purgeable(actor)``: the operations (among those seen) they may purge.
        Default: none.
    :param scope: ``scope(actor, target)``: what an operation records as its context (a
        JSON-able dict, e.g. the tenant or the projects it touches), so the app can scope its
        trash and log (``operations``) by it; ``target`` is the row, the ``select()`` of a bulk
        deletion, or, for a restore or a purge, the deletion's :class:`Operation`. Receivers
        of :mod:`flask_tombstone.signals` can index it in the same transaction.
    :param permanent: ``permanent(actor) -> bool``: whether the actor may delete permanently
        (skipping the trash) rows of models that otherwise go to the trash; the confirmation
        page then offers it, with a required reason. Default: nobody.
    """

    def __init__(
        self,
        *,
        actor: Callable[[], Any] | None = None,
        login_required: bool | None = None,
        visible: RowHook | None = None,
        deletable: RowHook | None = None,
        actor_key: Callable[[Any], Any] | None = None,
        operations: OperationHook | None = None,
        restorable: OperationHook | None = None,
        purgeable: OperationHook | None = None,
        scope: ScopeHook | None = None,
        permanent: ActorHook | None = None,
    ) -> None:
        self._actor = actor
        self._login_required = login_required
        self._actor_key = actor_key
        self._visible = _keyed(visible, actor_key)
        self._deletable = _keyed(deletable, actor_key)
        self._operations = _keyed(operations, actor_key)
        self._restorable = _keyed(restorable, actor_key)
        self._purgeable = _keyed(purgeable, actor_key)
        self._scope = scope
        self._permanent = permanent

    def govern(self, tombstone: Any) -> None:
        """Make ``deletable`` the engine's permission hook, unless the engine has one: the
        views, the API and the CLI then apply one rule."""
        if tombstone.permission is None:
            tombstone.permission = self.deletable
            if tombstone.permission_key is None:
                tombstone.permission_key = self._actor_key

    # -- who ---------------------------------------------------------------------------------
    def actor(self) -> Any:
        if self._actor is not None:
            return self._actor()
        return login_user()

    def login_required(self) -> bool:
        if self._login_required is not None:
            return self._login_required
        return login_manager_installed()

    # -- rows --------------------------------------------------------------------------------
    def visible(self, actor: Any, model: type) -> Criterion:
        return None if self._visible is None else self._visible(actor, model)

    def deletable(self, actor: Any, model: type) -> Criterion:
        return None if self._deletable is None else self._deletable(actor, model)

    # -- operations --------------------------------------------------------------------------
    def operations(self, actor: Any) -> Criterion:
        return None if self._operations is None else self._operations(actor)

    def restorable(self, actor: Any) -> Criterion:
        return None if self._restorable is None else self._restorable(actor)

    def purgeable(self, actor: Any) -> Criterion:
        if self._purgeable is None:
            return false()
        return self._purgeable(actor)

    def scope(self, actor: Any, target: Any) -> dict[str, Any] | None:
        return None if self._scope is None else self._scope(actor, target)

    def permanent(self, actor: Any) -> bool:
        """Whether ``actor`` may delete permanently what would otherwise go to the trash."""
        return False if self._permanent is None else bool(self._permanent(actor))


H = TypeVar("H", bound=Callable[..., Any])


def _keyed(hook: H | None, key: Callable[[Any], Any] | None) -> H | None:
    """``hook`` answering from memory per actor key (:class:`CachedPermission`), given a key."""
    if hook is None or key is None:
        return hook
    return cast(H, CachedPermission(hook, key))


def login_manager_installed() -> bool:
    from flask import current_app

    return getattr(current_app, "login_manager", None) is not None


def login_user() -> Any:
    """Flask-Login's current user, when Flask-Login is in use and someone is logged in: the
    user object itself (hooks receive it; the log records its ``get_id()``)."""
    from flask import has_request_context

    if not has_request_context():
        return None
    try:
        from flask_login import current_user
    except ImportError:
        return None
    user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    real = getattr(user, "_get_current_object", None)
    return real() if callable(real) else user


def where_all(*criteria: Criterion) -> list[ColumnElement[bool]]:
    """The criteria that restrict something (``None`` restricts nothing)."""
    return [c for c in criteria if c is not None]


def allowed_column(*criteria: Criterion) -> ColumnElement[Any]:
    """A column saying whether every criterion holds for the row read with it (true when
    none restricts): a row and the caller's right to act on it, in one statement."""
    restricting = where_all(*criteria)
    return and_(*restricting).label("tombstone_may") if restricting else literal(True)
