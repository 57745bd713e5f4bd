"""The Flask extension: configuration, the actor and request id, the session, the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, request

from . import settings
from .access import login_user
from .core import AuditSettings, ConfigurationError
from .core import Tombstone as CoreTombstone
from .core.anchor import anchor_from_url
from .core.audit import auto_seal_mode
from .core.audit_hash import KeyRing
from .core.operations import Request

CONFIG_DEFAULTS: dict[str, Any] = {
    "TOMBSTONE_SNAPSHOT": False,  # journal a snapshot of every hard-deleted row
    "TOMBSTONE_SAMPLE_SIZE": 5,  # sample rows per model in a preview
    "TOMBSTONE_RETENTION": "30d",  # what `flask tombstone purge` removes by default
    "TOMBSTONE_REQUEST_ID_HEADER": "X-Request-ID",  # recorded on every operation
    # The audit chain (docs/audit.md). The constructor's options are the defaults.
    "TOMBSTONE_AUDIT_KEY": None,  # the chain's HMAC key (32+ bytes), never in the database
    "TOMBSTONE_AUDIT_OLD_KEYS": (),  # keys retired by a rotation, still verified
    "TOMBSTONE_AUDIT_ANCHOR": None,  # where its head is anchored: file:///path or redis://host/0
    "TOMBSTONE_AUTO_SEAL": False,  # seal after commits that finish one: True/"inline"/"background"
}


@dataclass(frozen=True)
class AppState:
    """What the extension keeps per application (``app.extensions["tombstone"]``)."""

    tombstone: Tombstone
    snapshot: bool
    sample_size: int
    retention: timedelta | None  # none set: a purge by age needs its own period
    request_id_header: str
    audit: AuditSettings


class Tombstone(CoreTombstone):
    """Flask-Tombstone for a Flask-SQLAlchemy ``db``.

    ::

        db = SQLAlchemy(model_class=Base)
        tombstone = Tombstone(db=db)
        tombstone.init_app(app)

    Every call works in ``db.session`` and never commits (chunked purges excepted). The actor
    defaults to Flask-Login's ``current_user`` when it is logged in, or to what
    :meth:`actor_loader` returns; the request id to the ``X-Request-ID`` header.

    .. versionadded:: 0.1
    """

    def __init__(self, app: Flask | None = None, *, db: Any = None, **options: Any) -> None:
        if db is None:
            raise TypeError("Tombstone(db=...) needs the application's Flask-SQLAlchemy object")
        super().__init__(db.Model, session=db.session, **options)
        self.db = db
        self._custom_actor = "actor_loader" in options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the ``TOMBSTONE_*`` configuration and validate the model graph.

        :raises RuntimeError: the extension is already registered on this app.
        :raises ConfigurationError: the models declare a rule the engine cannot honour, or a
            setting is invalid (a key shorter than 32 bytes or no text, an unknown anchor URL,
            a flag that is not a bool, a sample size or retention period that is none).
        """
        if "tombstone" in app.extensions:
            raise RuntimeError("Flask-Tombstone is already registered on this app")
        for key, value in CONFIG_DEFAULTS.items():
            app.config.setdefault(key, value)
        config = app.config
        state = AppState(
            tombstone=self,
            snapshot=settings.flag(config, "TOMBSTONE_SNAPSHOT"),
            sample_size=settings.sample_size(config),
            retention=settings.retention(config),
            request_id_header=settings.header_name(config),
            audit=self._audit_config(config),
        )
        self.attach(self.db.session)
        self.configure_when_ready()
        app.extensions["tombstone"] = state
        from .cli import tombstone_cli

        if "tombstone" not in app.cli.commands:
            app.cli.add_command(tombstone_cli)

    def _audit_config(self, config: Any) -> AuditSettings:
        """The app's ``TOMBSTONE_AUDIT_*`` settings; where one is not set, the constructor's.

        :raises ConfigurationError: a key shorter than 32 bytes, old keys without a current
            one, an anchor URL of another scheme.
        """
        own = self.audit_settings
        key, old = config["TOMBSTONE_AUDIT_KEY"], config["TOMBSTONE_AUDIT_OLD_KEYS"]
        unset = key is None or key in ("", b"")
        if old and unset:
            raise ConfigurationError("TOMBSTONE_AUDIT_OLD_KEYS needs a TOMBSTONE_AUDIT_KEY")
        url = config["TOMBSTONE_AUDIT_ANCHOR"]
        return AuditSettings(
            keys=own.keys
            if unset
            else KeyRing.build(key, old if isinstance(old, list | tuple) else [old] if old else []),
            anchor=anchor_from_url(url) if url else own.anchor,
            auto_seal=auto_seal_mode(config["TOMBSTONE_AUTO_SEAL"]) or own.auto_seal,
        )

    def current_audit_settings(self) -> AuditSettings:
        """The current app's audit settings (the constructor's outside an app context)."""
        if has_app_context() and "tombstone" in current_app.extensions:
            return self.state().audit
        return self.audit_settings

    def actor_loader_for(self, fn: Any) -> Any:
        """Decorator: register the function returning the current actor."""
        self.actor_loader = fn
        self._custom_actor = True
        return fn

    @staticmethod
    def state() -> AppState:
        state: AppState = current_app.extensions["tombstone"]
        return state

    def _request(
        self,
        actor: Any,
        reason: str | None,
        request_id: str | None,
        context: dict[str, Any] | None,
    ) -> Request:
        if request_id is None and has_request_context():
            request_id = request.headers.get(self.state().request_id_header)
        return super()._request(self._actor(actor), reason, request_id, context)

    def _actor(self, actor: Any) -> Any:
        if actor is not None or self._custom_actor:
            return super()._actor(actor)
        return login_user()

    def delete(self, target: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("snapshot", self.state().snapshot)
        return super().delete(target, **kwargs)

    def preview(self, target: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("sample_size", self.state().sample_size)
        return super().preview(target, **kwargs)
