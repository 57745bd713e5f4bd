"""The chain's head kept where the database cannot rewrite it: a file, or a Redis key.

Someone who can write to the database can remove the newest sealed records, or unseal one,
edit it and let it be sealed again: the chain left behind is intact. What gives them away is
a copy of the head (sequence number and hash) kept elsewhere. An anchor only moves forward: a
head older than the one it holds is refused, and so is another hash at the same sequence
number. (It does not stop someone who can write to the anchor itself.)

``file:///var/lib/app/audit-head`` — a file, replaced atomically under a lock (one machine;
each machine of a deployment may keep its own: each then vouches for the head it last saw).
``redis://host:6379/0#name`` — a Redis key (``flask-tombstone:audit-head`` without a
fragment), advanced by a script that compares and sets in one step.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from .errors import TombstoneError

HEAD = re.compile(r"^\s*(\d+):([0-9a-f]{64})\s*$")
REDIS_KEY = "flask-tombstone:audit-head"


@dataclass(frozen=True)
class Head:
    """The last sealed record: its sequence number and hash (``SEQ:HASH``)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """:raises ValueError: not ``SEQ:HASH`` with a 64-digit hex hash."""
        match = HEAD.match(text)
        if not match:
            raise ValueError(f"{text.strip()[:80]!r} is not a chain head like 12:<64 hex digits>")
        return cls(int(match.group(1)), match.group(2))


@dataclass
class AnchorError(TombstoneError):
    """The anchor could not be read or written, or refused a head.

    ``reason``: ``unavailable`` (I/O), ``fork`` (it holds another hash at the same sequence
    number), ``diverged`` (the chain in the database no longer passes through the head it
    holds: records were removed, or edited and sealed again).
    """

    reason: str = "unavailable"

    def __post_init__(self) -> None:
        self.status, self.title, self.code = 503, "Audit anchor error", f"anchor_{self.reason}"
        super().__post_init__()


class Anchor(Protocol):
    """Where the head is kept. ``url`` names it for people (never with a password)."""

    url: str

    def read(self) -> Head | None: ...

    def advance(self, head: Head, *, replace: bool = False) -> Head:
        """Store ``head`` if it is newer than what is held; return what is held now (an
        older head is not written: the newer one held comes back).

        ``replace`` also accepts another hash at the same sequence number (after a re-key).

        :raises AnchorError: ``fork`` (nothing written), or ``unavailable``.
        """
        ...


def _newer(held: Head | None, head: Head, replace: bool) -> bool:
    """Whether ``head`` replaces ``held``: yes when newer, no when older or the same (the
    anchor keeps what it holds); another hash at the same number raises (``fork``)."""
    if held is None or head.seq > held.seq:
        return True
    if head.seq < held.seq or head.hash == held.hash:
        return False
    if replace:
        return True
    raise AnchorError(
        f"the anchor holds another hash at seal {held.seq}: {held.hash[:12]}…, not "
        f"{head.hash[:12]}…",
        "fork",
    )


class FileAnchor:
    """The head in a file, written whole (temporary file, then rename) under a lock file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.url = self.path.as_uri() if self.path.is_absolute() else str(self.path)

    def read(self) -> Head | None:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise AnchorError(f"cannot read the anchor {self.url}: {error.strerror}") from error
        try:
            return Head.parse(text)
        except ValueError as error:
            raise AnchorError(f"the anchor {self.url} does not hold a head: {error}") from error

    def advance(self, head: Head, *, replace: bool = False) -> Head:
        import fcntl  # POSIX only: imported where a file anchor is used

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                held = self.read()
                if not _newer(held, head, replace):
                    assert held is not None
                    return held
                self._write(head)
                return head
        except OSError as error:
            raise AnchorError(f"cannot write the anchor {self.url}: {error.strerror}") from error

    def _write(self, head: Head) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{head}\n")
                handle.flush()
                os.fsync(handle.fileno())
            # The rename is not made durable (no fsync of the directory): after a crash the
            # file holds the new head or the one before, and an older head only vouches for
            # less of the chain.
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


# Compare and set in one step: {status, held}; status 1 = written, 0 = kept (the same head,
# or a newer one), -2 = fork. ARGV: seq, hash, replace (1/0).
ADVANCE = """
local held = redis.call('GET', KEYS[1])
if held then
  local sep = string.find(held, ':', 1, true)
  local seq = tonumber(string.sub(held, 1, sep - 1))
  local new = tonumber(ARGV[1])
  if new < seq then return {0, held} end
  if new == seq then
    if string.sub(held, sep + 1) == ARGV[2] then return {0, held} end
    if ARGV[3] ~= '1' then return {-2, held} end
  end
end
local head = ARGV[1] .. ':' .. ARGV[2]
redis.call('SET', KEYS[1], head)
return {1, head}
"""


class RedisAnchor:
    """The head in a Redis key, advanced by a Lua script (atomic on the server)."""

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError as error:  # pragma: no cover - redis is an optional dependency
            raise AnchorError("a redis:// anchor needs the redis package") from error
        parts = urlsplit(url)
        self.key = unquote(parts.fragment) or REDIS_KEY
        bare = urlunsplit(parts._replace(fragment=""))
        self.client: Any = redis.Redis.from_url(bare)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        self.url = urlunsplit((parts.scheme, netloc, parts.path, "", self.key))
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

    def read(self) -> Head | None:
        try:
            value = self.client.get(self.key)
        except self._errors as error:
            raise AnchorError(f"cannot read the anchor {self.url}: {error}") from error
        if value is None:
            return None
        try:
            return Head.parse(value.decode())
        except ValueError as error:
            raise AnchorError(f"the anchor {self.url} does not hold a head: {error}") from error

    def advance(self, head: Head, *, replace: bool = False) -> Head:
        try:
            status, held = self.client.eval(
                ADVANCE, 1, self.key, head.seq, head.hash, "1" if replace else "0"
            )
        except self._errors as error:
            raise AnchorError(f"cannot write the anchor {self.url}: {error}") from error
        held_head = Head.parse(held.decode())
        if status == -2:
            _newer(held_head, head, replace)  # raises the fork refusal
        return held_head


def anchor_from_url(url: str | None) -> Anchor | None:
    """``file:///path``, ``redis://...`` / ``rediss://...`` / ``unix://...``, or nothing.

    :raises ConfigurationError: another scheme.
    """
    from .errors import ConfigurationError

    if not url:
        return None
    scheme = urlsplit(url).scheme
    if scheme == "file":
        path = unquote(urlsplit(url).path)
        if not path:
            raise ConfigurationError(f"TOMBSTONE_AUDIT_ANCHOR {url!r} names no file")
        return FileAnchor(path)
    if scheme in ("redis", "rediss", "unix"):
        return RedisAnchor(url)
    raise ConfigurationError(
        f"TOMBSTONE_AUDIT_ANCHOR {url!r}: use file:///path/to/audit-head or redis://host/0"
    )
