"""What ``pip install Flask-Tombstone`` installs: the ``flask_tombstone`` package (with the
views' templates and static files) and nothing else; Taskboard is a project of its own
(``examples/pyproject.toml``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


SKIP = shutil.ignore_patterns(
    "__pycache__", "*.egg-info", "build", "dist", ".venv", "node_modules", "_build"
)


def build_wheel(sources: list[Path], base: Path, out: Path) -> Path:
    """Build the project made of ``sources`` (paths under ``base``) from a clean copy, so
    that no build directory of an earlier build leaks into the wheel."""
    project = out / "project"
    for source in sources:
        target = project / source.relative_to(base)
        if source.is_dir():
            shutil.copytree(source, target, ignore=SKIP)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",  # setuptools is a dev dependency: no download per build
            "--wheel-dir",
            str(out),
            str(project),
        ],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def test_the_wheel_holds_flask_tombstone_alone(tmp_path: Path) -> None:
    sources = [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "src"]
    names = zipfile.ZipFile(build_wheel(sources, ROOT, tmp_path)).namelist()
    packages = {
        name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")
    }
    assert packages == {"flask_tombstone"}, sorted(packages)
    assert "flask_tombstone/views/templates/tombstone/confirm.html" in names
    assert "flask_tombstone/views/static/htmx-2.0.4.min.js" in names
    assert "flask_tombstone/py.typed" in names
    assert not any("taskboard" in name or name.startswith("tests/") for name in names)


def test_taskboard_is_a_project_of_its_own(tmp_path: Path) -> None:
    examples = ROOT / "examples"
    sources = [examples / "pyproject.toml", examples / "taskboard"]
    names = zipfile.ZipFile(build_wheel(sources, examples, tmp_path)).namelist()
    packages = {
        name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")
    }
    assert packages == {"taskboard"}, sorted(packages)
    assert "taskboard/templates/base.html" in names
    assert any(name.startswith("taskboard/migrations/versions/") for name in names)
