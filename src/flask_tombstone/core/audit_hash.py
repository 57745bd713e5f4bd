"""How a sealed record's hash is computed: the formats, and the keys of the keyed one.

Every sealed record says in ``seal_key`` how it was hashed:

- ``NULL``: sealed before 0.2 — SHA-256 of the previous hash and the record's fields;
- ``"sha256"``: SHA-256 of the previous hash, the fields and the rows sealed with the record
  (``sealed_with``), when no key is configured: anyone who can write to the database can
  recompute it;
- ``"hmac-<id>"``: HMAC-SHA256 of the same message under the key whose id that is. The key
  lives outside the database (``TOMBSTONE_AUDIT_KEY``), so recomputing needs it.

A key's id is derived from the key itself (an HMAC of a fixed text), so a record names the key
it was sealed with without revealing it, and rotation only needs the old keys kept for
verification (``TOMBSTONE_AUDIT_OLD_KEYS``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import ConfigurationError

GENESIS = "0" * 64
PLAIN = "sha256"  # seal_key of a record hashed without a key
KEY_PREFIX = "hmac-"
MIN_KEY_BYTES = 32
SEALED_FIELDS = (
    "id",
    "kind",
    "status",
    "actor",
    "reason",
    "request_id",
    "root_model",
    "target",
    "counts",
    "effects",
    "context",
    "ref_op",
    "created_at",
    "finished_at",
    "seal_seq",
)


@dataclass(frozen=True)
class AuditKey:
    """A secret the chain is keyed with, and its id (what records store)."""

    secret: bytes = field(repr=False)
    id: str

    @classmethod
    def from_secret(cls, secret: str | bytes, *, setting: str = "TOMBSTONE_AUDIT_KEY") -> AuditKey:
        """:raises ConfigurationError: the secret is not text or bytes, or is shorter than 32
        bytes."""
        if not isinstance(secret, str | bytes | bytearray):
            # bytes(48) would be 48 zero bytes: a key anyone can compute, taken silently.
            raise ConfigurationError(
                f"{setting} must be text or bytes (a random secret), not {type(secret).__name__}"
            )
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(raw) < MIN_KEY_BYTES:
            raise ConfigurationError(
                f"{setting} is {len(raw)} bytes long; an audit key needs at least "
                f"{MIN_KEY_BYTES} random bytes, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        ident = hmac.new(raw, b"flask-tombstone audit key id", hashlib.sha256).hexdigest()
        return cls(raw, KEY_PREFIX + ident[:16])


@dataclass(frozen=True)
class KeyRing:
    """The key new seals use (``None``: unkeyed) and the older keys kept to verify records
    sealed before a rotation."""

    current: AuditKey | None = None
    old: tuple[AuditKey, ...] = ()

    @classmethod
    def build(cls, key: str | bytes | None, old_keys: Iterable[str | bytes] = ()) -> KeyRing:
        current = None if key is None or key in ("", b"") else AuditKey.from_secret(key)
        old = tuple(
            AuditKey.from_secret(secret, setting="TOMBSTONE_AUDIT_OLD_KEYS")
            for secret in old_keys
            if secret is not None and secret not in ("", b"")
        )
        return cls(current, old)

    def find(self, key_id: str) -> AuditKey | None:
        for key in (self.current, *self.old):
            if key is not None and key.id == key_id:
                return key
        return None

    @property
    def marker(self) -> str:
        """What a record sealed now stores in ``seal_key``."""
        return self.current.id if self.current else PLAIN


def plain(value: Any) -> Any:
    """A value as it is hashed: datetimes to the second (what every database keeps alike)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value


def _canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def legacy_hash(values: dict[str, Any], prev_hash: str) -> str:
    """A record sealed before ``seal_key`` existed: its fields only, unkeyed."""
    payload = {name: plain(values[name]) for name in SEALED_FIELDS}
    return hashlib.sha256((prev_hash + _canonical(payload)).encode()).hexdigest()


def record_digest(
    values: dict[str, Any], prev_hash: str, sealed_with: dict[str, Any], key: AuditKey | None
) -> str:
    """The hash of a record: its fields, the rows sealed with it and the previous hash, under
    ``key`` (HMAC-SHA256) or none (SHA-256)."""
    payload = {name: plain(values[name]) for name in SEALED_FIELDS}
    payload |= {"seal_key": key.id if key else PLAIN, "sealed_with": sealed_with}
    message = (prev_hash + _canonical(payload)).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()
