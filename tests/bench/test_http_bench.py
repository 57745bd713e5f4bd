"""The HTTP benchmark's code path, end to end and tiny: ``python -m bench.http --quick`` seeds
a scratch PostgreSQL database, starts the four gunicorn servers and drives every side. The
figures of so short a run mean nothing; what is checked is that every side of the four
comparisons (DELETE, LIST, PREVIEW, RESTORE) answered, and only with the status it should,
that the database holds what the DELETEs and RESTOREs answered, and that the ratios for
information are reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dbs import SERVER_URLS, unavailable

pytestmark = pytest.mark.servers
REPO = Path(__file__).resolve().parents[2]
EXPECTED = {
    "DELETE": {"ours": "204", "handled": "204", "bare": "204"},
    "LIST": {"filtered": "200", "unfiltered": "200"},
    "PREVIEW": {"ours-preview": "200", "handled-preview": "200"},
    "RESTORE": {"ours-restore": "200", "handled-restore": "200"},
}


def test_quick_http_bench_answers_as_expected(tmp_path: Path) -> None:
    url = SERVER_URLS["postgresql"]
    try:
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        unavailable("postgresql", type(exc).__name__)
    out = tmp_path / "http.json"
    command = [sys.executable, "-m", "bench.http", "--quick", "--postgres-url", url]
    done = subprocess.run(
        [*command, "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    # 0: targets met, 1: a target missed (likely in a half-second run); 2: a wrong answer.
    assert done.returncode in (0, 1), done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert results["problems"] == []
    for name, sides in EXPECTED.items():
        comparison = results["comparisons"][name]
        for label, status in sides.items():
            answered = comparison["sides"][label]["answered"]
            assert list(answered) == [status], (name, label, answered)
            assert answered[status] > 0
            assert comparison["sides"][label]["median_rps"] > 0
        assert list(comparison["sides"]) == list(sides)
    information = results["comparisons"]["DELETE"]["information"]
    assert [i["ratio"] for i in information] == ["ours / bare", "handled / bare"]
    assert all(i["value"] > 0 for i in information)
    assert "INFO  DELETE: ours / bare" in done.stdout
    assert [t["name"].split(":")[0] for t in results["targets"]] == list(EXPECTED)
    assert "DELETE: ours >= 0.9x handled (req/s)" in done.stdout
    assert "PASS" in done.stdout or "FAIL" in done.stdout
