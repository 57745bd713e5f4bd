"""Peak memory of the engine's deletes, each size measured in a fresh process.

``python -m bench.memory KIND URL N`` loads ``2N`` rows, then runs the engine's soft delete
by filter (and its hard delete with snapshots) over ``N`` of them twice: once watching the
process's resident set (a thread samples ``/proc/self/statm`` every millisecond; the growth
is the peak during the call minus the size just before it), once under ``tracemalloc``
(the peak of Python allocations during the call). Prints one JSON object, in megabytes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import tracemalloc
from collections.abc import Callable

from sqlalchemy import select

from .child import run_json
from .data import load_entries
from .databases import Bench
from .models import Entry

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
MODES = ("soft", "hard_snapshot")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class RssPeak(threading.Thread):
    """The highest resident set size seen while running."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, rss())
            self._done.wait(0.001)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return max(self.peak, rss())


def _deleter(bench: Bench, n: int, mode: str) -> Callable[[], None]:
    bench.reset()
    load_entries(bench, "entry", n)
    bench.settle("entry")
    query = select(Entry).where(Entry.status == "done")

    def delete() -> None:
        with bench.session() as session:
            op = bench.tombstone.delete(
                query, hard=mode != "soft", snapshot=mode != "soft", session=session
            )
            session.commit()
            assert op.counts.get("Entry") == n, op.counts

    return delete


def rss_growth(bench: Bench, n: int, mode: str) -> dict[str, float]:
    delete = _deleter(bench, n, mode)
    before = rss()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    watcher = RssPeak()
    watcher.start()
    delete()
    peak = watcher.stop()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rss_before_mb": before / MB,
        "rss_growth_mb": (peak - before) / MB,
        "maxrss_growth_mb": (maxrss_after - maxrss_before) / 1024,  # ru_maxrss is in KiB
    }


def traced_peak(bench: Bench, n: int, mode: str) -> float:
    delete = _deleter(bench, n, mode)
    tracemalloc.start()
    try:
        delete()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def main(argv: list[str]) -> None:
    kind, url, size = argv[0], argv[1], int(argv[2])
    bench = Bench(kind, url)
    try:
        for mode in MODES:  # warm up: imports, compiled statements, first-use caches
            _deleter(bench, 1_000, mode)()
        report: dict[str, dict[str, float]] = {}
        for mode in MODES:
            report[mode] = rss_growth(bench, size, mode)
            report[mode]["tracemalloc_peak_mb"] = traced_peak(bench, size, mode)
        bench.reset()
    finally:
        bench.close()
    print(json.dumps(report))


def probe(kind: str, url: str, size: int) -> dict[str, dict[str, float]]:
    """Run :func:`main` in a fresh interpreter and return its report."""
    report: dict[str, dict[str, float]] = run_json("bench.memory", kind, url, str(size))
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
