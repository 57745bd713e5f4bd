"""Twenty concurrent DELETEs of one item through gunicorn on PostgreSQL: one 204, nineteen
404, one operation — the engine's ``UPDATE ... WHERE deleted_at IS NULL`` is the referee."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from api_support import issue_token
from flask import Flask
from sqlalchemy import func, select

from taskboard.extensions import db
from taskboard.models import Operation

pytestmark = pytest.mark.servers
CALLERS = 20


@pytest.fixture
def db_kind() -> str:
    return "postgresql"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "concurrency-test",
        "TASKBOARD_SECURE_COOKIES": "false",
        "RATELIMIT_ENABLED": "false",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "4", "--threads", "5"]
    command += ["--bind", f"127.0.0.1:{port}", "taskboard.wsgi:app"]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=1):
                    break
            except OSError:  # refused, reset or timed out: not up yet
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_twenty_concurrent_deletes_one_wins(app: Flask, world: Any, server: str) -> None:
    token = issue_token(app, world.mia)
    start = threading.Barrier(CALLERS)

    def delete(_: int) -> int:
        request = urllib.request.Request(
            f"{server}/api/items/{world.alpha_item}",
            method="DELETE",
            headers={"Authorization": f"Bearer {token}"},
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    with ThreadPoolExecutor(CALLERS) as pool:
        statuses = sorted(pool.map(delete, range(CALLERS)))
    assert statuses == [204] + [404] * (CALLERS - 1)
    with app.app_context():
        deletes = db.session.scalar(
            select(func.count()).select_from(Operation).where(Operation.kind == "delete")
        )
    assert deletes == 1
