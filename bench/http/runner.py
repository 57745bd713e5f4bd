"""Running the comparisons: each pair's sides warmed up, then measured in turns (A B, then
B A, ...: a drift in the machine's load falls on all), each turn a fixed duration of load
from a separate process, with the server workers' CPU time read around it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bench.runner import log, median

from .load import Load, Tally, run
from .servers import Server


@dataclass
class Side:
    """One side of a comparison: what is requested, of which server, and what it must answer."""

    label: str
    server: str  # name of the gunicorn serving it
    load: Load
    expect: int  # the status every answer must have


@dataclass(frozen=True)
class Ratio:
    """Two sides' median req/s divided, for information: no target."""

    over: Side
    under: Side
    meaning: str

    @property
    def name(self) -> str:
        return f"{self.over.label} / {self.under.label}"


@dataclass(frozen=True)
class Pair:
    """Ours, the other side and the target between them; ``extra`` sides are measured in
    the same turns, for the ``information`` ratios only."""

    name: str  # DELETE, LIST
    ours: Side
    other: Side
    target: float  # ours.rps / other.rps must reach it
    extra: tuple[Side, ...] = ()
    information: tuple[Ratio, ...] = ()

    @property
    def sides(self) -> tuple[Side, ...]:
        return (self.ours, self.other, *self.extra)


@dataclass
class Sample:
    rps: float
    requests: int
    server_cpu_ms: float  # per request, the server workers' CPU
    client_cpu_ms: float  # per request, the load generator's CPU
    statuses: dict[str, int]
    error: str | None = None


@dataclass
class PairResult:
    pair: Pair
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # {side label: per turn}
    warm_up: dict[str, Sample] = field(default_factory=dict)

    def median_rps(self, side: Side) -> float:
        return median([s.rps for s in self.samples.get(side.label, [])] or [0.0])

    def divided(self, over: Side, under: Side) -> float:
        """``over``'s median req/s over ``under``'s."""
        below = self.median_rps(under)
        return self.median_rps(over) / below if below else 0.0

    @property
    def ratio(self) -> float:
        return self.divided(self.pair.ours, self.pair.other)

    def errors(self) -> list[str]:
        found = [
            s.error for samples in self.samples.values() for s in samples if s.error is not None
        ]
        found += [s.error for s in self.warm_up.values() if s.error is not None]
        return sorted(set(found))

    def answered(self, side: Side) -> dict[str, int]:
        """Every status ``side`` answered with, warm-up included, and how often."""
        total: dict[str, int] = {}
        for sample in [*self.samples.get(side.label, []), self.warm_up[side.label]]:
            for status, n in sample.statuses.items():
                total[status] = total.get(status, 0) + n
        return total


def _turn(side: Side, server: Server, duration: float) -> Sample:
    before = server.cpu_seconds()
    tally: Tally = run(replace(side.load, duration=duration))
    cpu = server.cpu_seconds() - before
    requests = max(tally.requests, 1)
    error = None
    wrong = {s: n for s, n in tally.statuses.items() if s != str(side.expect)}
    if wrong or tally.errors:
        error = f"{side.label}: expected only {side.expect}, got {tally.statuses} {tally.errors}"
    elif tally.exhausted:
        error = f"{side.label}: a client ran out of ids (seed more with --side-items)"
    if tally.next_ids and side.load.ranges:
        # The next turn carries on where this one stopped: every DELETE names a fresh row.
        ranges = [(n, stop) for n, (_, stop) in zip(tally.next_ids, side.load.ranges, strict=True)]
        side.load = replace(side.load, ranges=ranges)
    return Sample(
        rps=tally.rps,
        requests=tally.requests,
        server_cpu_ms=cpu * 1000 / requests,
        client_cpu_ms=tally.cpu_seconds * 1000 / requests,
        statuses=tally.statuses,
        error=error,
    )


def run_pair(pair: Pair, servers: dict[str, Server], reps: int, warm_up: float) -> PairResult:
    result = PairResult(pair)
    sides = list(pair.sides)
    for side in sides:
        log(f"[{pair.name}] warm-up {side.label} ({warm_up:g} s)")
        result.warm_up[side.label] = _turn(side, servers[side.server], warm_up)
    for rep in range(reps):
        for side in sides if rep % 2 == 0 else sides[::-1]:
            sample = _turn(side, servers[side.server], side.load.duration)
            result.samples.setdefault(side.label, []).append(sample)
            flag = f"  WRONG: {sample.error}" if sample.error else ""
            log(
                f"[{pair.name}] rep {rep + 1}/{reps} {side.label:<15} {sample.rps:8.1f} req/s "
                f"({sample.requests} requests, server CPU {sample.server_cpu_ms:.2f} ms/req)"
                f"{flag}"
            )
    return result
