"""Redis for the API tests: the server at ``TOMBSTONE_TEST_REDIS`` (``127.0.0.1:6379`` by
default), skipped when unreachable (a failure under ``TOMBSTONE_REQUIRE_SERVERS``), and a key
prefix of each test's own, whose keys are removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dbs import REDIS_URL, scratch_redis

__all__ = ["REDIS_URL", "redis_prefix"]


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the test Redis; its keys go when the test ends."""
    with scratch_redis() as prefix:
        yield prefix
