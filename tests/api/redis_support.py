"""Redis for the API tests: the server at ``TOMBSTONE_TEST_REDIS`` (``127.0.0.1:6379`` by
default), skipped when unreachable (a failure under ``TOMBSTONE_REQUIRE_SERVERS``), and a key
prefix of each test's own, whose keys are removed afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from dbs import unavailable

REDIS_URL = os.environ.get("TOMBSTONE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the test Redis; its keys go when the test ends."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        unavailable("redis", type(error).__name__)
    prefix = f"tombstone-test-{uuid.uuid4().hex}"
    yield prefix
    for name in client.scan_iter(match=f"*{prefix}*"):
        client.delete(name)
    client.close()
