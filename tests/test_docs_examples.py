"""Every Python example in README.md and docs/*.md runs, as written, in the test suite.

How a fenced block is classified, by the first word of its info string:

- ``python`` / ``py`` / ``python3``: Python. It is run, unless the line directly before its
  opening fence is ``<!-- not-run: reason -->`` (a genuine fragment, such as a signature
  listing); the number of such markers is pinned small below.
- ``console`` / ``shell`` / ``sh`` / ``bash`` / ``text`` / ``sql`` / ``json`` / ...
  (``NOT_PYTHON``): not Python, skipped.
- no info string: skipped as shell or text, but only after checking that it does not parse as
  Python, so a Python example cannot hide behind a bare fence.
- ``{name}``: a MyST directive of the documentation site (``{toctree}``, ``{include}``,
  ``{literalinclude}``...), not run. A code directive (``{code-block}``, ``{code}``,
  ``{sourcecode}``) fails the classification test: a Python example is a plain ``python`` fence,
  so that it runs.
- anything else fails the classification test, so that a new kind of block is decided on.

The Python blocks of one file run in order in one namespace (a module of their own, as a
reader's file would be): the README's "Five-minute tour" is several blocks sharing names.
What a reader has around a block (a Flask app with ``SQLALCHEMY_DATABASE_URI``, an app
context, ``create_all`` and a few rows) is provided by ``SETUP``, keyed by the file and the
block's first line, and run just before that block. The blocks themselves are never edited.
The README and the migration recipe (docs/coming-from.md) run on SQLite, PostgreSQL and
MariaDB; the other files on SQLite.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import re
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from dbs import KINDS

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
# Files whose examples run on every database, not only SQLite.
EVERY_DATABASE = {"README.md", "docs/coming-from.md"}

PYTHON = {"python", "py", "python3"}
NOT_PYTHON = {
    "console",
    "shell",
    "sh",
    "bash",
    "shell-session",
    "text",
    "txt",
    "sql",
    "json",
    "toml",
    "ini",
    "html",
    "jinja",
    "html+jinja",
    "yaml",
}
DIRECTIVE = re.compile(r"^\{(?P<name>[a-z][\w:-]*)\}$")
CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>\S.*?)\s*-->$")
MAX_NOT_RUN = 2  # markers across all files; a new one needs a reason to raise this
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    info: str  # first word of the info string, lower case ("" when none)
    heading: str  # the nearest heading above it
    code: str
    not_run: str | None  # the marker's reason, if any

    @property
    def first_line(self) -> str:
        """The first line of code, without its comment (the key of ``SETUP``)."""
        lines = (ln.split("#", 1)[0].strip() for ln in self.code.splitlines())
        return next((ln for ln in lines if ln), "")

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} ({self.heading})"

    @property
    def is_python(self) -> bool:
        return self.info in PYTHON

    @property
    def directive(self) -> str | None:
        """The MyST directive's name, for a ``{name}`` fence."""
        match = DIRECTIVE.match(self.info)
        return match["name"] if match else None


def blocks_of(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    heading = ""
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            if lines[i].startswith("#"):
                heading = lines[i].lstrip("#").strip()
            i += 1
            continue
        fence = match["fence"]
        info = (match["info"].strip().split() or [""])[0].lower()
        previous = lines[i - 1].strip() if i else ""
        marker = NOT_RUN.match(previous)
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence))
            and set(lines[i].strip()) == {fence[0]}
        ):
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"{path.name}:{start + 1}: fence never closed"
        i += 1  # the closing fence
        blocks.append(
            Block(
                path=path,
                line=start + 1,
                info=info,
                heading=heading,
                code=textwrap.dedent("\n".join(body)) + "\n",  # a fence in a list is indented
                not_run=marker["reason"] if marker else None,
            )
        )
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in FILES for block in blocks_of(path)]


def parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


# -- what a reader has around the blocks ------------------------------------------------------


@dataclass
class Context:
    """What one file's run has: its database URL, a temp dir, and cleanups (run in reverse)."""

    url: str
    kind: str
    tmp_path: Path
    stack: ExitStack
    stdout: io.StringIO = field(default_factory=io.StringIO)


Setup = Callable[[dict[str, Any], Context], None]


def sqlite_foreign_keys(engine: Any) -> None:
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def on(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")


def readme_tour_app(ns: dict[str, Any], ctx: Context) -> None:
    """After the tour's models: the app a reader's factory builds, its tables and some rows.

    Names the second block uses: ``project`` (with items), ``user`` (the actor), and items
    3, 5 and 8 live and not "done" in another project when ``delete(Item, ids=[3, 5, 8])``
    runs (items 4, 6 and 9 are "done" there, for the bulk delete by filter).
    """
    from flask import Flask

    db, tombstone = ns["db"], ns["tombstone"]
    user_model, project_model, item_model = ns["User"], ns["Project"], ns["Item"]
    app = Flask("readme_tour")
    app.config["SQLALCHEMY_DATABASE_URI"] = ctx.url
    db.init_app(app)
    tombstone.init_app(app)  # "tombstone.init_app(app) in your factory"
    app_context = app.app_context()
    app_context.push()
    ctx.stack.callback(app_context.pop)
    sqlite_foreign_keys(db.engine)

    def drop() -> None:
        db.session.rollback()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()

    db.drop_all()
    db.create_all()
    ctx.stack.callback(drop)

    user = user_model(email="ann@example.com")
    bob = user_model(email="bob@example.com")
    db.session.add_all([user, bob])
    db.session.flush()
    project = project_model(name="Website", owner_id=user.id)
    other = project_model(name="Mobile app", owner_id=bob.id)
    db.session.add_all([project, other])
    db.session.flush()
    statuses = {1: "open", 2: "done", 4: "done", 6: "done", 9: "done"}
    for item_id in range(1, 11):
        db.session.add(
            item_model(
                id=item_id,
                name=f"item {item_id}",
                status=statuses.get(item_id, "open"),
                project_id=project.id if item_id <= 2 else other.id,
                assignee_id=bob.id if item_id % 2 else None,
            )
        )
    db.session.commit()
    ns.update(app=app, project=project, user=user)


class SnapshotBase(DeclarativeBase):
    pass


class Folder(SnapshotBase):
    __tablename__ = "folder"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class File(SnapshotBase):
    __tablename__ = "file"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    folder_id: Mapped[int] = mapped_column(ForeignKey("folder.id", ondelete="CASCADE"))


def engine_md_snapshots(ns: dict[str, Any], ctx: Context) -> None:
    """``tombstone`` (plain SQLAlchemy), ``session``, and ``op``: a hard delete with
    ``snapshot=True`` of a folder and its two files, committed."""
    from flask_tombstone.core import Tombstone

    engine = create_engine(ctx.url)
    sqlite_foreign_keys(engine)
    ctx.stack.callback(engine.dispose)
    maker = sessionmaker(bind=engine, expire_on_commit=False)
    tombstone = Tombstone(SnapshotBase, session=maker)
    SnapshotBase.metadata.drop_all(engine)
    SnapshotBase.metadata.create_all(engine)
    ctx.stack.callback(SnapshotBase.metadata.drop_all, engine)
    session: Session = maker()
    ctx.stack.callback(session.close)
    folder = Folder(name="reports")
    session.add(folder)
    session.flush()
    session.add_all(
        [File(name="a.pdf", folder_id=folder.id), File(name="b.pdf", folder_id=folder.id)]
    )
    session.flush()
    op = tombstone.delete(folder, snapshot=True, reason="docs example")
    session.commit()
    ns.update(tombstone=tombstone, session=session, op=op)


def quickstart_shell(ns: dict[str, Any], ctx: Context) -> None:
    """``flask --app examples/tutorial/app.py shell``: the tutorial imported as the module
    ``app`` (as Flask's loader names it), on a database of this run, its app context pushed."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = ctx.url
    ctx.stack.callback(_restore_environ, "DATABASE_URL", previous)
    spec = importlib.util.spec_from_file_location("app", ROOT / "examples/tutorial/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    ctx.stack.callback(sys.modules.pop, "app", None)
    spec.loader.exec_module(module)
    app_context = module.app.app_context()
    app_context.push()
    ctx.stack.callback(app_context.pop)

    def drop() -> None:
        module.db.session.remove()
        module.db.drop_all()
        module.db.engine.dispose()

    ctx.stack.callback(drop)
    ns["tutorial"] = module


def _restore_environ(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def check_quickstart(ns: dict[str, Any], ctx: Context) -> None:
    assert ns["op"].counts == {"Item": 1}, ns["op"].counts
    tutorial = ns["tutorial"]
    tutorial.db.session.expire_all()
    assert tutorial.db.session.get(ns["Item"], ns["milk"].id) is not None, "not restored"


LEGACY_ROWS = (  # (table, id, name, is_deleted, deleted_at), parents first
    ("project", 1, "Website", False, None),
    ("project", 2, "Old site", True, datetime(2025, 3, 1, 10, 0, 0)),
    ("item", 1, "Home", False, None),
    ("item", 2, "About", False, None),
    ("item", 3, "Sitemap", True, datetime(2025, 3, 1, 10, 0, 0, 400000)),
    ("item", 4, "Banner", True, datetime(2025, 3, 1, 10, 0, 0, 600000)),
    ("item", 5, "Draft", True, datetime(2025, 3, 2, 9, 0, 0)),
    ("item", 6, "Flagged", True, None),
    ("item", 7, "Back again", False, datetime(2025, 2, 1, 8, 0, 0)),
)


def legacy_database(ns: dict[str, Any], ctx: Context) -> None:
    """A copy of an app with a hand-written ``is_deleted`` (and a ``deleted_at`` it set when
    it had one), after the autogenerated part of the revision that ran before ``adopt_trash``:
    the engine's two tables exist. Projects 2 with items 3 and 4 were deleted by one call,
    item 5 alone a day later, item 6 at an unknown time; item 7 was brought back by the old
    code, which left its ``deleted_at``. Gives ``engine``."""
    from flask_tombstone.core import JournalEntry, Operation

    engine = create_engine(ctx.url)
    metadata = MetaData()
    tables = {
        "project": Table(
            "project",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(80), nullable=False),
            Column("is_deleted", Boolean, nullable=False, default=False),
            Column("deleted_at", DateTime, nullable=True),
        ),
        "item": Table(
            "item",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(80), nullable=False),
            Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
            Column("is_deleted", Boolean, nullable=False, default=False),
            Column("deleted_at", DateTime, nullable=True),
        ),
    }
    metadata.create_all(engine)
    for table in (Operation.__table__, JournalEntry.__table__):
        table.create(engine)  # type: ignore[attr-defined]

    def drop() -> None:
        engine.dispose()
        everything = MetaData()
        everything.reflect(engine)
        everything.drop_all(engine)
        engine.dispose()

    ctx.stack.callback(drop)
    with engine.begin() as connection:
        for table_name, key, name, flagged, when in LEGACY_ROWS:
            values: dict[str, Any] = {
                "id": key,
                "name": name,
                "is_deleted": flagged,
                "deleted_at": when,
            }
            if table_name == "item":
                values["project_id"] = 2 if key in (3, 4) else 1
            connection.execute(insert(tables[table_name]).values(values))
    ns["engine"] = engine


def check_coming_from(ns: dict[str, Any], ctx: Context) -> None:
    """One operation per batch, in the trash, and the restored batch live again."""
    from flask_tombstone.core import Operation

    Project, Item = ns["Project"], ns["Item"]
    with ns["Session"]() as session:  # the reader's sessionmaker, which the engine watches
        ops = session.scalars(select(Operation).order_by(Operation.id)).all()
        assert [op.counts for op in ops[:3]] == [
            {"Project": 1, "Item": 2},
            {"Item": 1},
            {"Item": 1},
        ], [op.counts for op in ops]
        assert ops[0].created_at == datetime(2025, 3, 1, 10, 0, 0), ops[0].created_at
        assert [op.kind for op in ops[3:]] == ["restore"], ops  # Draft's batch
        assert ops[3].ref_op == ops[1].id
        live = {
            (row.__tablename__, row.name)
            for model in (Project, Item)
            for row in session.scalars(select(model))
        }
        assert live == {
            ("project", "Website"),
            ("item", "Home"),
            ("item", "About"),
            ("item", "Draft"),
            ("item", "Back again"),
        }, live
        trashed = session.scalars(
            select(Item).execution_options(only_deleted=True).order_by(Item.id)
        ).all()
        assert [(i.name, i.deleted_by_op) for i in trashed] == [
            ("Sitemap", ops[0].id),
            ("Banner", ops[0].id),
            ("Flagged", ops[2].id),
        ]
        trash = session.scalars(ns["tombstone"].trash()).all()
        assert [op.id for op in trash] == [ops[2].id, ops[0].id]
    printed = ctx.stdout.getvalue().splitlines()
    assert len(printed) == 3, printed


# (file, first line of the block) -> what runs just before that block.
SETUP: dict[tuple[str, str], Setup] = {
    ("docs/quickstart.md", "from app import Item, db, tombstone"): quickstart_shell,
    ("docs/coming-from.md", "from alembic.migration import MigrationContext"): legacy_database,
    ("README.md", "plan = tombstone.preview(project)"): readme_tour_app,
    ("docs/engine.md", "for table_name, row in tombstone.snapshots(op.id, session):"): (
        engine_md_snapshots
    ),
}


def check_readme(ns: dict[str, Any], ctx: Context) -> None:
    """What the tour's comments say came out."""
    assert ns["plan"].counts.get("Project") == 1, ns["plan"].counts
    assert ns["plan"].counts.get("Item") == 2, ns["plan"].counts
    assert ns["gone"].counts.get("Project") == 1, ns["gone"].counts


def check_engine_md(ns: dict[str, Any], ctx: Context) -> None:
    printed = ctx.stdout.getvalue().splitlines()
    assert any(line.startswith("folder 1 ") for line in printed), printed
    assert sum(line.startswith("file ") for line in printed) == 2, printed


# file -> checks run after its last block
AFTER: dict[str, Callable[[dict[str, Any], Context], None]] = {
    "README.md": check_readme,
    "docs/engine.md": check_engine_md,
    "docs/quickstart.md": check_quickstart,
    "docs/coming-from.md": check_coming_from,
}


def key_of(block: Block) -> tuple[str, str]:
    return (str(block.path.relative_to(ROOT)), block.first_line)


# -- the checks on the Markdown itself --------------------------------------------------------


def test_every_fenced_block_is_classified() -> None:
    blocks = all_blocks()
    assert any(block.is_python for block in blocks)
    for block in blocks:
        if block.directive is not None:
            assert block.directive not in CODE_DIRECTIVES, (
                f"{block.where}: a {block.info} directive; write examples as ```python (run)"
                " or another plain fence"
            )
            continue
        assert block.info in PYTHON | NOT_PYTHON | {""}, (
            f"{block.where}: fence info {block.info!r} is neither Python nor a known other kind"
        )
        if block.info == "":
            assert not parses(block.code), (
                f"{block.where}: an untagged block that parses as Python; tag it ```python"
            )


def test_not_run_markers_are_few_and_only_on_python_fragments() -> None:
    marked = [block for block in all_blocks() if block.not_run is not None]
    assert len(marked) <= MAX_NOT_RUN, [block.where for block in marked]
    for block in marked:
        assert block.is_python, f"{block.where}: a not-run marker on a non-Python block"
    stray = 0
    for path in FILES:
        stray += sum(1 for ln in path.read_text().splitlines() if NOT_RUN.match(ln.strip()))
    assert stray == len(marked), "a not-run marker that is not directly before a fence"


def test_setup_keys_name_existing_blocks() -> None:
    keys = {key_of(block) for block in all_blocks() if block.is_python}
    assert set(SETUP) <= keys, set(SETUP) - keys
    files = {str(path.relative_to(ROOT)) for path in FILES}
    assert set(AFTER) <= files


# -- running them -----------------------------------------------------------------------------


def runs() -> Iterator[Any]:
    for path in FILES:
        name = str(path.relative_to(ROOT))
        if not any(block.is_python for block in blocks_of(path)):
            continue
        kinds = KINDS if name in EVERY_DATABASE else ("sqlite",)
        for kind in kinds:
            yield pytest.param(name, kind, id=f"{name}-{kind}")


def dispose_registries(ns: dict[str, Any]) -> None:
    """Forget the mappings the blocks declared, so that the next file's run (and a failed
    class definition left half-made) does not meet them in SQLAlchemy's global configure."""
    for value in list(ns.values()):
        if isinstance(value, type) and DeclarativeBase in value.__bases__:
            value.registry.dispose()


@pytest.mark.servers
@pytest.mark.parametrize(("name", "kind"), list(runs()))
def test_python_blocks_run_as_written(
    name: str, kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'docs-example.sqlite'}"
    else:
        url = request.getfixturevalue("server_urls")[kind]
    path = ROOT / name
    module_name = "docs_example_" + re.sub(r"\W", "_", name)
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    sys.modules[module_name] = module
    ns = module.__dict__
    with ExitStack() as stack:
        stack.callback(sys.modules.pop, module_name, None)
        stack.callback(dispose_registries, ns)
        ctx = Context(url=url, kind=kind, tmp_path=tmp_path, stack=stack)
        for block in blocks_of(path):
            if not block.is_python or block.not_run is not None:
                continue
            setup = SETUP.get(key_of(block))
            if setup is not None:
                setup(ns, ctx)
            # padded so that a traceback names the Markdown file and line
            code = compile("\n" * block.line + block.code, str(path), "exec")
            with contextlib.redirect_stdout(ctx.stdout):
                exec(code, ns)
        check = AFTER.get(name)
        if check is not None:
            check(ns, ctx)
