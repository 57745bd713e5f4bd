"""``python -m bench.single``, tiny: every side deletes and restores exactly one item and its
five comments (each side checks its counts and raises otherwise), the preview runs on both
table sizes, and every comparison the report prints has both of its sides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.single.__main__ import RATIOS, main
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dbs import SERVER_URLS, unavailable


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mariadb"])
def test_every_side_does_its_work(kind: str, tmp_path: Path) -> None:
    if kind != "sqlite":
        probe = create_engine(SERVER_URLS[kind], poolclass=NullPool)
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            unavailable(kind, type(exc).__name__)
        finally:
            probe.dispose()
    out = tmp_path / "single.json"
    main(["--quick", "--db", kind, "--out", str(out)])
    found = json.loads(out.read_text())["results"][kind]
    assert set(found["previews"]) == {"1000", "5000"}
    for ours, theirs, _ in RATIOS:
        if kind != "postgresql" and ours.startswith("one_statement"):
            continue
        assert found["ops"][ours]["n"] == found["ops"][theirs]["n"] == 6
