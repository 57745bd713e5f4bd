"""The layering DESIGN.md states: ``flask_tombstone`` never imports an app (Taskboard or any
other), and its core never imports Flask (``tests/core/test_graph.py``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "flask_tombstone"


def test_no_module_of_flask_tombstone_imports_an_app() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            assert not any(name.split(".")[0] in ("taskboard", "examples") for name in names), (
                f"{path.relative_to(PACKAGE.parent)} imports {names}"
            )


def test_importing_every_module_loads_no_app() -> None:
    code = (
        "import importlib, pkgutil, sys, flask_tombstone\n"
        "for info in pkgutil.walk_packages(flask_tombstone.__path__, 'flask_tombstone.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('taskboard', 'examples'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
