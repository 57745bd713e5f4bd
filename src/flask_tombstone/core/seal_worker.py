"""Sealing in the background (``auto_seal="background"``): one thread per process seals
shortly after the commits that finished operations, off the request path.

A commit only hands its engine and settings over and returns; the thread waits
:data:`GATHER_SECONDS` for more, then seals whatever is pending, so that under load one seal
(its session, the chain head, the pending rows, the commit, the anchor) serves the commits of
that moment, not one each. Like sealing inline, it
logs a failure and leaves the operations to the next seal. After a fork the child starts a
thread of its own on first use; at exit, what is pending is sealed (for a few seconds at
most). Needs a database several connections can use (not SQLite's ``:memory:``).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .audit import Auditor, SealedAfterCommit

log = logging.getLogger("flask_tombstone.audit")

GATHER_SECONDS = 0.05
"""How long the sealer waits, once woken, for more commits to seal with the first: a seal's
fixed cost (six statements, a commit, the anchor's write) was most of an operation's CPU
when each commit had a seal of its own (``bench.http``: about 1.8 ms per delete)."""


def report(done: SealedAfterCommit) -> None:
    """Log what a seal after commit did (the head, for log shipping: one more copy of it)."""
    if done.sealed.count:
        log.info("sealed %d operation(s); audit chain head %s", done.sealed.count, done.sealed.head)
    if done.anchor_error is not None:
        log.error("audit anchor not moved: %s", done.anchor_error)


class SealWorker:
    """The process's background sealer."""

    def __init__(self) -> None:
        self._reset()
        atexit.register(self.wait, 5.0)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Condition()
        self._pending: dict[tuple[int, int], tuple[Auditor, Engine]] = {}
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, auditor: Auditor, bind: Engine) -> None:
        """Seal soon with ``auditor`` on ``bind`` (requests for the same pair coalesce)."""
        with self._lock:
            self._pending[(id(bind), id(auditor.settings))] = (auditor, bind)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="flask-tombstone-sealer", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is pending or being sealed; ``False`` on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: bool(self._pending))
                self._busy = True
            time.sleep(GATHER_SECONDS)  # the commits of the next moment join this seal
            with self._lock:
                work = list(self._pending.values())
                self._pending.clear()
                self._busy = True
            for auditor, bind in work:
                _seal(auditor, bind)
            with self._lock:
                self._busy = False
                self._lock.notify_all()


def _seal(auditor: Auditor, bind: Any) -> None:
    try:
        done = auditor.seal_committed(bind)
    except Exception:
        log.exception("sealing in the background failed; the next seal will take these operations")
        return
    report(done)


WORKER = SealWorker()
