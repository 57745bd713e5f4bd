"""Twenty concurrent requests through gunicorn on PostgreSQL and MariaDB. DELETEs of one item:
one 204, nineteen 404, one operation (the engine's ``UPDATE ... WHERE deleted_at IS NULL`` is
the referee). Restores and purges of one deletion: one 200, the others 409 ``settled``, one
settling operation (the lock on the deletion's operation row is the referee)."""

from __future__ import annotations

import json
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


@pytest.fixture(params=["postgresql", "mariadb"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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


def call(url: str, token: str, method: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return urllib.request.Request(url, data=data, method=method, headers=headers)


def answer(request: Any) -> tuple[int, str]:
    """The status and the problem's ``code`` (empty on success)."""
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as error:
        return int(error.code), str(json.loads(error.read() or b"{}").get("code", ""))


def test_twenty_concurrent_restores_and_purges_one_wins(
    app: Flask, world: Any, server: str
) -> None:
    admin = issue_token(app, world.ada)
    assert answer(call(f"{server}/api/items/{world.alpha_item}", admin, "DELETE"))[0] == 204
    with app.app_context():
        op_id = db.session.scalar(select(func.max(Operation.id)).where(Operation.kind == "delete"))
    restore = f"{server}/api/operations/{op_id}/restore"
    purge = f"{server}/api/operations/{op_id}/purge"
    start = threading.Barrier(CALLERS)

    def settle(index: int) -> tuple[int, str]:
        if index % 2:
            request = call(purge, admin, "POST", {"reason": "race"})
        else:
            request = call(restore, admin, "POST", {})
        start.wait()
        return answer(request)

    with ThreadPoolExecutor(CALLERS) as pool:
        outcomes = sorted(pool.map(settle, range(CALLERS)))
    assert outcomes == [(200, "")] + [(409, "settled")] * (CALLERS - 1), outcomes
    with app.app_context():
        settling = db.session.scalars(select(Operation.kind).where(Operation.ref_op == op_id))
        assert len(settling.all()) == 1
