"""Running a piece of the benchmark in a fresh interpreter (a memory probe, a load
generator) and reading the JSON it prints last."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_json(module: str, *args: str, stdin: str | None = None) -> Any:
    """``python -m module args...`` from the repository root, ``stdin`` fed to it; the JSON
    on the last line of its output. A failure raises with the end of its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m {module} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
