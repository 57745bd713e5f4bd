"""Real gunicorn servers for the HTTP benchmark: started with one set of settings for every
side, waited for, their workers' CPU time read from ``/proc``, and stopped."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.child import ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Gunicorn:
    """The settings every side's server runs with."""

    workers: int = 2
    worker_class: str = "gthread"
    threads: int = 4
    keep_alive: int = 5
    # Kept-alive connections a worker holds at most. Left at gunicorn's 1000, one worker may
    # accept every client's connection while the other idles (seen here: 8/0 in some turns);
    # capped at clients / workers, each worker takes its share.
    worker_connections: int = 4

    def describe(self) -> str:
        return (
            f"gunicorn {self.workers} workers x {self.threads} threads ({self.worker_class}), "
            f"at most {self.worker_connections} connections per worker, "
            f"keep-alive {self.keep_alive} s"
        )

    def command(self, app: str, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--keep-alive",
            str(self.keep_alive),
            "--worker-connections",
            str(self.worker_connections),
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ]


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's workers."""
        total = 0
        for pid in _children(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # a worker that just exited
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(server: Server, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
        try:
            connection.request("GET", "/bench-ready")  # any HTTP answer (a 404) will do
            connection.getresponse().read()
            return
        except OSError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn for {server.name} did not start; its log:\n{log.read_text()}"
                ) from None
            time.sleep(0.2)
        finally:
            connection.close()


@contextmanager
def serve(
    apps: dict[str, str], settings: Gunicorn, env: dict[str, str], logs: Path
) -> Iterator[dict[str, Server]]:
    """Start one gunicorn per ``{name: app}`` (all at once, then wait for each), stop them
    all on the way out."""
    servers: dict[str, Server] = {}
    try:
        for name, app in apps.items():
            port = free_port()
            with (logs / f"{name}.log").open("wb") as log:
                process = subprocess.Popen(
                    settings.command(app, port),
                    env=os.environ | env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            servers[name] = Server(name, f"http://127.0.0.1:{port}", process)
        for name, server in servers.items():
            _wait_until_up(server, logs / f"{name}.log")
        yield servers
    finally:
        for server in servers.values():
            server.process.terminate()
        for server in servers.values():
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
