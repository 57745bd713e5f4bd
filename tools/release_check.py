"""The release check: build the sdist and the wheel, check them, install the wheel in fresh
virtualenvs (the newest and the oldest SQLAlchemy, Flask and Flask-SQLAlchemy we claim) and
run the seeds' example and the engine's tests against the installed package, not the source
tree.

    python tools/release_check.py            # what `make release-check` runs (and CI)
    python tools/release_check.py --keep     # leave the build and the venvs in .release/
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The versions we claim (pyproject.toml's lower bounds) and the newest the index has.
MATRIX = {
    "oldest": ["sqlalchemy==2.0.36", "flask==3.1.0", "flask-sqlalchemy==3.1.1"],
    "newest": ["sqlalchemy", "flask", "flask-sqlalchemy"],
}
TEST_TOOLS = ["pytest>=8.3", "hypothesis>=6.100", "flask-wtf>=1.2"]
# The engine (its example-based suites: the property runs stay in `make test`), the corpus of
# other people's models, the extension and the tutorial app through the views; SQLite only
# (the server suites run in `make test`).
TESTS = [
    "tests/core/test_soft_delete.py",
    "tests/core/test_restore.py",
    "tests/core/test_hard_and_purge.py",
    "tests/core/test_visibility.py",
    "tests/core/test_real_world.py",
    "tests/core/test_one_flush.py",
    "tests/core/test_session_shapes.py",
    "tests/core/test_graph.py",
    "tests/corpus",
    "tests/ext/test_extension.py",
    "tests/ext/test_tutorial.py",
    "tests/ext/test_views_access.py",
    "-k",
    "sqlite or not (postgresql or mariadb)",
]
SMOKE = """
import importlib.util, os, re, sys
spec = importlib.util.spec_from_file_location("tutorial", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
import flask_tombstone
assert "site-packages" in flask_tombstone.__file__, flask_tombstone.__file__
client = module.app.test_client()
client.post("/items", data={"name": "Milk"})
page = client.get("/item/1/delete").get_data(as_text=True)
assert "Delete item “Milk”?" in page, page
field = lambda name: re.search(f'name="{name}" value="([^"]+)"', page).group(1)
form = {"csrf_token": field("csrf_token"), "token": field("token")}
done = client.post("/item/1/delete", data=form)
assert done.status_code == 303, done.status_code
assert "Item “Milk”" in client.get("/trash").get_data(as_text=True)
print("the seeds' example runs on the installed wheel", flask_tombstone.__file__)
"""


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=cwd)


def build(out: Path) -> tuple[Path, Path]:
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    return wheel, sdist


def check(name: str, pins: list[str], wheel: Path, place: Path) -> None:
    env = place / f"venv-{name}"
    venv.create(env, with_pip=True, clear=True)
    python = env / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", f"{wheel}[flask,redis]", *pins, *TEST_TOOLS)
    run(python, "-m", "pip", "list", "--format=freeze")
    work = place / f"run-{name}"  # not the source tree: `import flask_tombstone` is the wheel
    work.mkdir(exist_ok=True)
    db = work / "items.sqlite"
    smoke = work / "smoke.py"
    smoke.write_text(SMOKE)
    subprocess.run(
        [str(python), str(smoke), str(ROOT / "examples" / "tutorial" / "app.py")],
        check=True,
        cwd=work,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "check"},
    )
    run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", ROOT, *TESTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep .release/")
    parser.add_argument("--only", choices=sorted(MATRIX), help="one row of the matrix")
    args = parser.parse_args()
    place = ROOT / ".release" if args.keep else Path(tempfile.mkdtemp(prefix="release-"))
    place.mkdir(exist_ok=True)
    try:
        wheel, _sdist = build(place / "dist")
        for name, pins in MATRIX.items():
            if args.only in (None, name):
                check(name, pins, wheel, place)
    finally:
        if not args.keep:
            shutil.rmtree(place, ignore_errors=True)
    print("release check passed")


if __name__ == "__main__":
    main()
