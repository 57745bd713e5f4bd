"""The audit face of :class:`Tombstone` — seal, anchor, verify, re-key — and sealing after
each commit that finished an operation (``auto_seal``).

Sealing after commit runs in the committing thread, right after the commit, in a session of
its own (the committing one cannot run statements in its ``after_commit``): the operation is
sealed and anchored before the request answers, with no worker or schedule to run, at the
cost of a few statements per request that deleted something (see ``docs/audit.md``). It never
fails the commit: an error is logged and the operations wait for the next seal (the next
such commit, or ``flask tombstone seal`` from cron).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from .anchor import Head
from .audit import BACKGROUND, Auditor, AuditSettings, Verification
from .audit_rows import SealedSource, sealed_source
from .calls import entry_point
from .operations import FINISHED
from .records import Operation
from .seal_worker import WORKER, report

if TYPE_CHECKING:
    from .anchor import Anchor

log = logging.getLogger("flask_tombstone.audit")


class AutoSeal:
    """The ``after_commit`` listener sealing what a commit finished, when enabled."""

    def __init__(self, auditing: Auditing) -> None:
        self.auditing = auditing

    def _events(self) -> tuple[tuple[str, Any], ...]:
        return (
            ("after_commit", self.after_commit),
            ("after_soft_rollback", self.after_soft_rollback),
        )

    def attach(self, target: Any) -> None:
        for name, fn in self._events():
            if not event.contains(target, name, fn):
                event.listen(target, name, fn)

    def detach(self, target: Any) -> None:
        for name, fn in self._events():
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    def after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint: the transaction goes on
            return
        if not session.info.pop(FINISHED, False):
            return
        try:
            auditor = self.auditing.auditor()
            mode = auditor.settings.auto_seal
            if not mode:
                return
            bind = session.get_bind(Operation)
            if not isinstance(bind, Engine):
                # Bound to a connection (a test's outer transaction): nothing is really
                # committed yet, and a second connection would wait on its locks.
                log.debug("not sealing after commit: the session is bound to a connection")
                return
            if mode == BACKGROUND:
                WORKER.submit(auditor, bind)
                return
            held = _unsealed_instances(session)
            done = auditor.seal_committed(bind, show=list(held))
        except Exception:
            # Never the request's failure: the operations stay unsealed for the next seal.
            log.exception("sealing after commit failed; the next seal will take these operations")
            return
        for op_id, values in done.seals.items():
            for name, value in values.items():
                set_committed_value(held[op_id], name, value)
        report(done)

    @staticmethod
    def after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the whole transaction, not a savepoint
            session.info.pop(FINISHED, None)


def _unsealed_instances(session: Session) -> dict[int, Operation]:
    """Operations the committing session holds unsealed, when they are not about to be
    expired by the commit (``expire_on_commit=False``): they show their seal afterwards."""
    if session.expire_on_commit:
        return {}
    return {
        obj.id: obj
        for obj in list(session.identity_map.values())
        if isinstance(obj, Operation) and obj.__dict__.get("seal_seq", 0) is None
    }


class Auditing:
    """Mixed into :class:`Tombstone`: the audit chain's methods and settings.

    :param sealed_with: data sealed with each operation: columns of the application's tables
        holding operation ids (``OperationProject.op_id``), or :class:`SealedSource` objects.
    :param audit_key: the HMAC key of the chain (at least 32 bytes), kept out of the database.
    :param audit_old_keys: keys used before a rotation, to verify what they sealed.
    :param audit_anchor: ``file:///path`` or ``redis://...#key``, or an :class:`Anchor`.
    :param auto_seal: seal after each commit that finished an operation: ``True`` or
        ``"inline"`` (in the committing thread, before ``commit()`` returns) or
        ``"background"`` (in the process's sealer thread, shortly after).
    """

    def _init_audit(
        self,
        *,
        sealed_with: Iterable[Any] = (),
        audit_key: str | bytes | None = None,
        audit_old_keys: Iterable[str | bytes] = (),
        audit_anchor: str | Anchor | None = None,
        auto_seal: bool | str = False,
    ) -> None:
        self.sealed_with: list[SealedSource] = [sealed_source(item) for item in sealed_with]
        self.audit_settings = AuditSettings.build(
            key=audit_key, old_keys=audit_old_keys, anchor=audit_anchor, auto_seal=auto_seal
        )
        self.autoseal = AutoSeal(self)

    if TYPE_CHECKING:

        def session_for(self, target: Any = None, session: Session | None = None) -> Session: ...

    def seal_with(self, source: Any) -> None:
        """Seal ``source``'s data with every operation from now on (see ``sealed_with``).

        .. versionadded:: 0.2
        """
        item = sealed_source(source)
        if item not in self.sealed_with:
            self.sealed_with.append(item)

    @staticmethod
    def wait_for_seals(timeout: float = 10.0) -> bool:
        """Wait until the background sealer has sealed what was handed to it (tests, and
        scripts that want the chain sealed before they exit); ``False`` on timeout.

        .. versionadded:: 0.2
        """
        return WORKER.wait(timeout)

    def current_audit_settings(self) -> AuditSettings:
        """The settings in force (the Flask extension reads the current app's)."""
        return self.audit_settings

    def auditor(self) -> Auditor:
        return Auditor(self.current_audit_settings(), self.sealed_with)

    @entry_point
    def seal(self, session: Session | None = None) -> int:
        """Seal finished operations into the chain, in the session's transaction; returns
        how many. With an anchor, call :meth:`anchor_head` after the commit."""
        return self.auditor().seal(self.session_for(None, session)).count

    @entry_point
    def anchor_head(self, session: Session | None = None, *, replace: bool = False) -> Head | None:
        """Write the committed head of the chain to the anchor (forward only); returns what
        the anchor holds. ``replace`` (after a re-key only) also overwrites another hash at
        the same sequence number.

        :raises AnchorError: the chain no longer passes through the anchored head.

        .. versionadded:: 0.2
        """
        return self.auditor().anchor_head(self.session_for(None, session), replace=replace)

    @entry_point
    def verify(
        self, session: Session | None = None, *, expect_head: Head | str | None = None
    ) -> Verification:
        """Check the chain: every hash, the key, and the anchor and ``expect_head``
        (``SEQ:HASH``) it must pass through."""
        if isinstance(expect_head, str):
            expect_head = Head.parse(expect_head)
        return self.auditor().verify(self.session_for(None, session), expect_head=expect_head)

    @entry_point
    def rekey(
        self, session: Session | None = None, *, expect_head: Head | str | None = None
    ) -> int:
        """Re-seal the whole chain under the current key once it verifies as it stands (in
        the session's transaction; then commit and call ``anchor_head(replace=True)``, as
        ``flask tombstone rekey`` does). Returns how many records were re-sealed.

        .. versionadded:: 0.2
        """
        if isinstance(expect_head, str):
            expect_head = Head.parse(expect_head)
        return self.auditor().rekey(self.session_for(None, session), expect_head=expect_head)
