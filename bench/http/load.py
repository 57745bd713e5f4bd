"""The load generator: several concurrent keep-alive clients, in a process of their own.

``python -m bench.http.load`` reads a :class:`Load` as JSON on stdin, opens one HTTP/1.1
connection per client (``http.client``, one thread each: they spend their time waiting on
the socket, where the GIL is released), starts them together, keeps each sending requests
back to back for the given duration, and prints a :class:`Tally` as JSON on stdout.

A client with an id range sends ``path.format(id=...)`` with the next id of its range each
time, so every DELETE names a distinct existing row; it stops early (``exhausted``) when
its range runs out; with ``repeat`` (requests that change nothing, as previews), it starts
its range over instead. :func:`run` is the parent's side: it starts that process and reads the
answer.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from bench.child import run_json


@dataclass(frozen=True)
class Load:
    base: str  # http://127.0.0.1:port
    method: str
    path: str  # "/api/items/{id}" with ranges, else a fixed path
    headers: dict[str, str]
    clients: int
    duration: float  # seconds
    ranges: list[tuple[int, int]] | None = None  # [start, stop) per client
    repeat: bool = False  # at the end of its range, a client starts it over


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    next_ids: list[int] = field(default_factory=list)  # per client: the first id not sent
    exhausted: bool = False
    cpu_seconds: float = 0.0  # the load generator's own CPU time

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Client(threading.Thread):
    def __init__(self, load: Load, index: int, start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.load = load
        self.barrier = start
        parts = urlsplit(load.base)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        span = load.ranges[index] if load.ranges else None
        self.next_id, self.stop_id = span if span else (0, 0)
        self.first_id = self.next_id
        self.ids = span is not None
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self.exhausted = False
        self.started = self.ended = 0.0

    def run(self) -> None:
        self.connection.connect()
        self.barrier.wait()
        self.started = time.perf_counter()
        deadline = self.started + self.load.duration
        while time.perf_counter() < deadline:
            if self.ids and self.next_id >= self.stop_id:
                if not self.load.repeat or self.first_id >= self.stop_id:
                    self.exhausted = True
                    break
                self.next_id = self.first_id
            path = self.load.path.format(id=self.next_id) if self.ids else self.load.path
            self.next_id += 1
            try:
                self.connection.request(self.load.method, path, headers=self.load.headers)
                response = self.connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"{path}: {type(error).__name__}: {error}")
                self.connection.close()  # reopened by the next request
                continue
            self.statuses[response.status] += 1
        self.ended = time.perf_counter()
        self.connection.close()


def generate(load: Load) -> Tally:
    cpu = time.process_time()
    barrier = threading.Barrier(load.clients)
    clients = [Client(load, i, barrier) for i in range(load.clients)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    statuses: Counter[int] = Counter()
    for client in clients:
        statuses += client.statuses
    return Tally(
        requests=sum(statuses.values()),
        seconds=max(c.ended for c in clients) - min(c.started for c in clients),
        statuses={str(code): n for code, n in sorted(statuses.items())},
        errors=[e for c in clients for e in c.errors][:20],
        next_ids=[c.next_id for c in clients] if load.ranges and not load.repeat else [],
        exhausted=any(c.exhausted for c in clients),
        cpu_seconds=time.process_time() - cpu,
    )


def run(load: Load) -> Tally:
    """Generate ``load`` from a separate process and return what it counted."""
    return Tally(**run_json("bench.http.load", stdin=json.dumps(asdict(load))))


def main() -> None:
    spec = json.load(sys.stdin)
    if spec.get("ranges") is not None:
        spec["ranges"] = [tuple(r) for r in spec["ranges"]]
    tally = generate(Load(**spec))
    json.dump(asdict(tally), sys.stdout)


if __name__ == "__main__":
    main()
