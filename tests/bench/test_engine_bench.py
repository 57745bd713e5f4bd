"""The engine benchmark's trials, tiny, on SQLite and PostgreSQL: every side must leave the
rows exactly as it should (each trial checks its own result), every measurement the report
compares must be there, and the statements an operation sends must not grow with N."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from bench.databases import Bench, scratch_database
from bench.report import BY_FILTER, CASCADE, statements_verdict
from bench.runner import Config, run_database
from bench.trials import Tree

from dbs import SERVER_URLS, unavailable

SIZES = (50, 200)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_trial_leaves_the_rows_it_should(kind: str) -> None:
    config = Config(
        sizes=SIZES, reps=1, loop_max=200, loop_each_max=200, tree=Tree(40, 3), memory=False
    )
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(kind, SERVER_URLS["postgresql"]))
        except Exception as exc:
            unavailable(kind, type(exc).__name__)
        bench = Bench(kind, url)
        stack.callback(bench.close)
        result = run_database(bench, config)
    samples = [s for by_name in result.sizes.values() for ss in by_name.values() for s in ss]
    samples += [s for ss in result.cascade.values() for s in ss]
    assert [s.error for s in samples if s.error] == []
    for n in SIZES:
        for comparison in BY_FILTER:
            assert comparison.ratio(result.sizes[n]) is not None, (n, comparison.label)
    for comparison in CASCADE:
        assert comparison.ratio(result.cascade) is not None, comparison.label
    assert statements_verdict([result]).passed
