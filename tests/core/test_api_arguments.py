"""The public Python API's arguments: types, ranges and shapes (contract items 6 and 7).

Hypothesis draws arguments for ``delete``, ``preview``, ``restore`` and ``purge`` (targets of
every kind, ids of every type, chunk sizes, tokens, actors, reasons, contexts, operation ids,
ages) and checks, for every call:

- what comes out is a :class:`TombstoneError` (other than :class:`DatabaseFailure`: nothing is
  wrong with the database here, the argument is the caller's mistake), or a ``TypeError``
  whose message names the parameter that was wrong — never a raw ``OverflowError``,
  ``DataError``, ``IntegrityError``, ``StatementError``, ``ProgrammingError`` or any other
  driver or SQLAlchemy error;
- after an error the database is exactly as it was (every row of every table, trashed rows
  and the engine's own tables included) and the session answers the next query;
- a call that succeeds touched only what its arguments name: rows whose key equals one of the
  ids as an id of the key's type (a float, a bool, a bare value or an id of another type
  names no row), with a chunk size that is a positive int, an age that is a timedelta of
  zero or more, an operation id that is an int.

Then specific regressions, and the same over a UUID and a String primary key.

Examples: 40 on SQLite, 10 per server; ``TOMBSTONE_ARGUMENT_EXAMPLES=n`` sets every count.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, ForeignKey, MetaData, String, delete, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from flask_tombstone.core import (
    DatabaseFailure,
    InvalidTarget,
    NotFound,
    Operation,
    SoftDeleteMixin,
    Tombstone,
    TombstoneError,
)
from flask_tombstone.core.records import NAMING_CONVENTION

from .conftest import World
from .models import Base, Folder, Item, Project

EXAMPLES = {"sqlite": 40, "postgresql": 10, "mariadb": 10}
if os.environ.get("TOMBSTONE_ARGUMENT_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["TOMBSTONE_ARGUMENT_EXAMPLES"]))

# Words a TypeError's message may use to name each parameter.
NAMES: dict[str, tuple[str, ...]] = {
    "target": ("target", "instance", "select()", "model"),
    "op_id": ("op_id", "operation id"),
}


def run_examples(db_kind: str, check: Callable[..., None], **strategies: Any) -> None:
    settings(
        max_examples=EXAMPLES[db_kind],
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(given(**strategies)(check))()


# -- the state of the database ---------------------------------------------------------------


def table_state(session: Session, metadata: MetaData) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (trashed ones too), as strings, through the caller's session:
    this is also the proof that the session still answers after an error."""
    state: dict[str, list[tuple[str, ...]]] = {}
    for table in metadata.sorted_tables:
        rows = session.execute(select(table).execution_options(include_deleted=True)).all()
        state[table.name] = sorted(tuple(map(str, row)) for row in rows)
    return state


def marks(session: Session, model: Any) -> dict[Any, bool]:
    """Primary key -> trashed?, for every row of ``model`` (trashed ones included)."""
    rows = session.execute(
        select(model.id, model.deleted_at).execution_options(include_deleted=True)
    ).all()
    return {row[0]: row[1] is not None for row in rows}


def touched(before: dict[Any, bool], after: dict[Any, bool]) -> set[Any]:
    return {key for key, trashed in before.items() if after.get(key) != trashed}


def check_raised(exc: BaseException, named: set[str]) -> None:
    """Only a TombstoneError (not DatabaseFailure) or a TypeError naming a passed parameter."""
    if isinstance(exc, TombstoneError) and not isinstance(exc, DatabaseFailure):
        return
    if type(exc) is TypeError:
        message = str(exc)
        words = [w for name in named for w in NAMES.get(name, (name,))]
        if any(word in message for word in words):
            return
    cause = exc.__cause__ or exc.__context__
    raise AssertionError(
        f"{type(exc).__module__}.{type(exc).__name__}: {exc!s:.300}"
        + (f" (from {type(cause).__name__}: {cause!s:.200})" if cause else "")
        + f"; the arguments passed were {sorted(named)}"
    ) from exc


# -- the id types ----------------------------------------------------------------------------


def int_ids(ids: Any) -> set[int] | None:
    """The ints a list of ids may name on an integer key (None: not a list of ids at all).

    An int names itself and so may a string ``int()`` reads; floats, bools, None, bytes,
    Decimals, UUIDs and nested lists name nothing."""
    if not isinstance(ids, list | tuple | set | frozenset):
        return None
    named: set[int] = set()
    for value in ids:
        if type(value) is int:
            named.add(value)
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                named.add(int(value))
    return named


def uuid_ids(ids: Any) -> set[uuid.UUID] | None:
    if not isinstance(ids, list | tuple | set | frozenset):
        return None
    named: set[uuid.UUID] = set()
    for value in ids:
        if isinstance(value, uuid.UUID):
            named.add(value)
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                named.add(uuid.UUID(value))
    return named


def string_ids(ids: Any) -> Callable[[str], bool] | None:
    """Whether a String key is named by one of ``ids`` (str only), exactly: a collation that
    ignores case or trailing spaces (MariaDB's default) must not widen the match."""
    if not isinstance(ids, list | tuple | set | frozenset):
        return None
    strings = [value for value in ids if isinstance(value, str)]
    return lambda key: key in strings


def positive_int(value: Any) -> bool:
    return type(value) is int and value > 0


# -- what hypothesis draws -------------------------------------------------------------------

HUGE = [2**63, 2**63 - 1, -(2**63) - 1, 2**64, 10**30, -(10**30)]
FLOATS = [1.5, 1.0, 0.5, -1.5, 3.0000001, float("nan"), float("inf"), -0.0]
ODD_STRINGS = [
    "1",
    "x",
    "",
    " 1",
    "1.5",
    "1; DROP TABLE item",
    "%",
    "_",
    "1e3",
    "0x1",
    "٣",
    "9" * 4301,
]
UUID_STRING = "6f1c2a4e-0000-4000-8000-000000000001"
ODD_VALUES = [None, True, False, b"1", Decimal("1.5"), uuid.UUID(UUID_STRING), UUID_STRING]

int_id_atoms = st.one_of(
    st.integers(-3, 8),
    st.sampled_from(HUGE),
    st.sampled_from(FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=4),
    st.sampled_from(ODD_VALUES),
    st.lists(st.integers(1, 5), max_size=2),  # nested
    st.tuples(st.integers(1, 5)),
)

BARE_IDS = [5, 1, 1.5, "12", "1,2", b"12", {1: 2}, True, 2**63, object()]


def ids_of(atoms: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(atoms, max_size=4),
        st.lists(atoms, max_size=3).map(tuple),
        st.frozensets(st.integers(-1, 6), max_size=3),
        st.sampled_from(BARE_IDS),
        st.just([]),
    )


CHUNK_SIZES = [0, -5, -1, 1, 2, 3, 1.5, 2.0, "x", "10", "", None, True, 2**63, 10**30, [3], b"3"]
TOKENS = ["", "x", "sha256:0", "a" * 5000, 5, None, b"token", {"a": 1}, ["x"], 1.5]
ACTORS = [None, 5, -1, 2**63, "ann", "", object(), {"id": 1}, [1], b"x", 1.5, float("nan"), True]
REASONS = [None, "", "duplicate", "x" * 10_000, "\x00", "nul\x00inside", "🗑️ emoji", 5, b"r", []]
CONTEXTS = [
    None,
    {},
    {"ticket": 1},
    {"nested": {"a": [1, 2]}},
    {"obj": object()},
    {1: "int key"},
    {"big": 2**70},
    {"nan": float("nan")},
    {"bytes": b"x"},
    {"nul": "\x00"},
    [1, 2],
    "context",
    5,
]
BOOLISH = [True, False, None, "yes", "", 1, 0, 2, [], [1]]
SAMPLE_SIZES = [None, 0, 1, 5, -1, 2**63, 1.5, "3", True]
OP_IDS = ["trashed", "missing", 0, -1, 2**63, 2**64, -(2**63) - 1, 1.5, 1.0, "1", "x", ""]
OP_IDS += [None, True, [1], (1,), UUID_STRING, b"1", Decimal(1), float("nan")]
AGES = [
    timedelta(days=30),
    timedelta(0),
    timedelta(days=-1),
    timedelta(seconds=-1),
    timedelta.max,
    timedelta.min,
    timedelta(days=36500),
    30,
    -1,
    0,
    1.5,
    "30d",
    "",
    None,
    b"30",
]

# Targets are tokens, resolved in the example's session (see `target_of`).
TARGETS = [
    "instance",
    "instances",
    "instance_tuple",
    "mixed_instances",
    "empty_list",
    "transient",
    "model",
    "soft_model_project",
    "hard_model",
    "select_where",
    "select_status",
    "select_join",
    "select_no_where",
    "select_column",
    "select_id_column",
    "select_two_models",
    "select_table",
    "text",
    "delete_statement",
    "attribute",
    "table",
    "base",
    "none",
    "int",
    "string",
    "bytes",
    "dict",
    "object",
]


def target_of(token: str, session: Session) -> Any:
    def item(n: int) -> Item:
        found = session.get(Item, n)
        assert found is not None, f"item {n} should be live at the start of every example"
        return found

    match token:
        case "instance":
            return item(1)
        case "instances":
            return [item(1), item(2)]
        case "instance_tuple":
            return (item(1), item(2))
        case "mixed_instances":
            return [item(1), session.get(Project, 2)]
        case "empty_list":
            return []
        case "transient":
            return Item(name="never saved", project_id=1)
        case "model":
            return Item
        case "soft_model_project":
            return Project
        case "hard_model":
            return Folder
        case "select_where":
            return select(Item).where(Item.id == 1)
        case "select_status":
            return select(Item).where(Item.status == "done")
        case "select_join":
            return select(Item).join(Project).where(Project.name == "alpha")
        case "select_no_where":
            return select(Item)
        case "select_column":
            return select(Item.name).where(Item.id == 1)
        case "select_id_column":
            return select(Item.id).where(Item.id < 3)
        case "select_two_models":
            return select(Item, Project).where(Item.project_id == Project.id)
        case "select_table":
            return select(Item.__table__).where(Item.__table__.c.id == 1)
        case "text":
            return text("SELECT id FROM item")
        case "delete_statement":
            return delete(Item).where(Item.id == 1)
        case "attribute":
            return Item.id
        case "table":
            return Item.__table__
        case "base":
            return Base
        case "none":
            return None
        case "int":
            return 5
        case "string":
            return "Item"
        case "bytes":
            return b"Item"
        case "dict":
            return {"model": "Item", "ids": [1]}
        case _:
            return object()


def options(**choices: list[Any] | st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments, each passed or left out."""
    return st.fixed_dictionaries(
        {},
        optional={
            name: choice if isinstance(choice, st.SearchStrategy) else st.sampled_from(choice)
            for name, choice in choices.items()
        },
    )


# -- one world per test, rebuilt when a call changed it for good ------------------------------


def checked_call(
    session: Session,
    metadata: MetaData,
    probe: Any,
    method: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    named: set[str],
) -> tuple[Any, BaseException | None]:
    """Call ``method``; an error must be a clean one (check_raised), leave every table as it
    was and the session answering an ORM query (of ``probe``)."""
    before = table_state(session, metadata)
    try:
        result = method(*args, session=session, **kwargs)
    except Exception as exc:  # every exception is judged by check_raised
        check_raised(exc, named)
        session.execute(select(probe.id)).all()
        after = table_state(session, metadata)
        assert after == before, f"{type(exc).__name__} ({exc}) left the database changed"
        return None, exc
    return result, None


class Arena:
    """The core test models' World plus one soft delete in the trash (committed).

    Every example starts from this state: a call that raised must leave it untouched; a call
    that succeeded is rolled back, and if it committed (chunked work, purges by age) the world
    is built again."""

    metadata: MetaData = Base.metadata
    probe: Any = Item  # a model an ORM query checks the session still answers with

    def __init__(self, engine: Engine, maker: sessionmaker[Session], ts: Tombstone) -> None:
        self.engine, self.maker, self.ts = engine, maker, ts
        self.session: Session = maker()
        self.build()

    def build(self) -> None:
        self.session.close()
        Base.metadata.drop_all(self.engine)
        Base.metadata.create_all(self.engine)
        self.session = self.maker()
        World(self.session)
        assert sorted(self.session.scalars(select(Item.id))) == [1, 2, 3, 4, 5]
        self.trashed = self.ts.delete(self.session.get(Item, 5), reason="arena")
        self.session.commit()
        self.baseline = table_state(self.session, Base.metadata)

    def reset(self) -> None:
        self.session.rollback()
        if table_state(self.session, self.metadata) != self.baseline:
            self.build()

    def op_id(self, token: Any) -> Any:
        if token == "trashed":
            return self.trashed.id
        if token == "missing":
            return self.trashed.id + 1000
        return token

    def call(
        self,
        method: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        named: set[str],
    ) -> tuple[Any, BaseException | None]:
        """Call, check what came out; after an error, that nothing changed."""
        return checked_call(self.session, self.metadata, self.probe, method, args, kwargs, named)


@pytest.fixture
def arena(schema: Engine, Session_: sessionmaker[Session], tombstone: Tombstone) -> Iterator[Arena]:
    place = Arena(schema, Session_, tombstone)
    yield place
    place.session.close()


# -- delete ----------------------------------------------------------------------------------

DELETE_OPTIONS = options(
    ids=ids_of(int_id_atoms),
    hard=BOOLISH,
    actor=ACTORS,
    reason=REASONS,
    expect=TOKENS,
    snapshot=BOOLISH,
    context=CONTEXTS,
    missing_ok=BOOLISH,
    chunk_size=CHUNK_SIZES,
    resume=["trashed", "missing", 1, -1, 2**63, "x", 1.5, None],
)


def test_delete_arguments(db_kind: str, arena: Arena) -> None:
    def check(target: str, kwargs: dict[str, Any]) -> None:
        note(f"delete(target={target!r}, **{kwargs!r})")
        session = arena.session
        kwargs = dict(kwargs)
        if "resume" in kwargs:
            kwargs["resume"] = arena.op_id(kwargs["resume"])
        obj = target_of(target, session)
        items_before = marks(session, Item)
        try:
            result, error = arena.call(arena.ts.delete, (obj,), kwargs, named={"target", *kwargs})
            if error is None:
                assert isinstance(result, Operation), result
                moved = touched(items_before, marks(session, Item))
                if target == "model" and "ids" in kwargs:
                    allowed = int_ids(kwargs["ids"])
                    assert allowed is not None, f"ids={kwargs['ids']!r} (not a list) was accepted"
                    assert moved <= allowed, (
                        f"ids={kwargs['ids']!r} deleted items {sorted(moved - allowed)}"
                    )
                if "chunk_size" in kwargs and kwargs["chunk_size"] is not None:
                    assert positive_int(kwargs["chunk_size"]), (
                        f"chunk_size={kwargs['chunk_size']!r} was accepted"
                    )
        finally:
            arena.reset()

    run_examples(db_kind, check, target=st.sampled_from(TARGETS), kwargs=DELETE_OPTIONS)


# -- preview ---------------------------------------------------------------------------------

PREVIEW_OPTIONS = options(
    ids=ids_of(int_id_atoms), hard=BOOLISH, actor=ACTORS, sample_size=SAMPLE_SIZES
)


def test_preview_arguments(db_kind: str, arena: Arena) -> None:
    def check(target: str, kwargs: dict[str, Any]) -> None:
        note(f"preview(target={target!r}, **{kwargs!r})")
        obj = target_of(target, arena.session)
        try:
            _result, error = arena.call(arena.ts.preview, (obj,), kwargs, named={"target", *kwargs})
            if error is None:
                # a preview writes nothing
                assert table_state(arena.session, Base.metadata) == arena.baseline
                if target == "model" and "ids" in kwargs:
                    assert int_ids(kwargs["ids"]) is not None, (
                        f"preview accepted ids={kwargs['ids']!r} (not a list of ids)"
                    )
        finally:
            arena.reset()

    run_examples(db_kind, check, target=st.sampled_from(TARGETS), kwargs=PREVIEW_OPTIONS)


# -- restore ---------------------------------------------------------------------------------

RESTORE_OPTIONS = options(with_parents=BOOLISH, actor=ACTORS, reason=REASONS, context=CONTEXTS)


def test_restore_arguments(db_kind: str, arena: Arena) -> None:
    def check(op_id: Any, kwargs: dict[str, Any]) -> None:
        note(f"restore({op_id!r}, **{kwargs!r})")
        value = arena.op_id(op_id)
        try:
            _result, error = arena.call(
                arena.ts.restore, (value,), kwargs, named={"op_id", *kwargs}
            )
            if error is None:
                assert type(value) is int or isinstance(value, str), (
                    f"restore accepted op_id={value!r}"
                )
                flag = kwargs.get("with_parents", False)
                assert type(flag) is bool, f"restore accepted with_parents={flag!r}"
                assert int(value) == arena.trashed.id, f"restore({value!r}) succeeded"
        finally:
            arena.reset()

    run_examples(db_kind, check, op_id=st.sampled_from(OP_IDS), kwargs=RESTORE_OPTIONS)


# -- purge -----------------------------------------------------------------------------------

PURGE_OPTIONS = options(
    older_than=AGES,
    dry_run=BOOLISH,
    chunk_size=CHUNK_SIZES,
    actor=ACTORS,
    reason=REASONS,
    context=CONTEXTS,
    snapshot=BOOLISH,
)


def test_purge_arguments(db_kind: str, arena: Arena) -> None:
    def check(op_id: Any, kwargs: dict[str, Any]) -> None:
        note(f"purge({op_id!r}, **{kwargs!r})")
        args = () if op_id == "omitted" else (arena.op_id(op_id),)
        named = {*kwargs} | ({"op_id"} if args else set())
        try:
            _result, error = arena.call(arena.ts.purge, args, kwargs, named=named)
            if error is None:
                given_op = bool(args) and args[0] is not None  # purge(None, ...) gives none
                given_age = kwargs.get("older_than") is not None
                assert given_op != given_age, (
                    "purge accepted both an op_id and older_than, or neither"
                )
                if given_op:
                    value = args[0]
                    assert type(value) is int or isinstance(value, str), (
                        f"purge accepted op_id={value!r}"
                    )
                    assert int(value) == arena.trashed.id, f"purge({value!r}) succeeded"
                else:
                    age = kwargs["older_than"]
                    assert isinstance(age, timedelta), f"purge accepted older_than={age!r}"
                    assert age >= timedelta(0), f"purge accepted older_than={age!r}"
                if kwargs.get("chunk_size") is not None:
                    assert positive_int(kwargs["chunk_size"]), (
                        f"purge accepted chunk_size={kwargs['chunk_size']!r}"
                    )
        finally:
            arena.reset()

    run_examples(
        db_kind,
        check,
        op_id=st.sampled_from(["omitted", *OP_IDS]),
        kwargs=PURGE_OPTIONS,
    )


# -- regressions -----------------------------------------------------------------------------


def live_items(maker: sessionmaker[Session]) -> list[int]:
    """Live item ids as committed (a session of its own)."""
    with maker() as other:
        return sorted(other.scalars(select(Item.id)))


def operation_count(maker: sessionmaker[Session]) -> int:
    with maker() as other:
        return len(other.scalars(select(Operation.id)).all())


@pytest.mark.parametrize("hard", [False, True])
def test_float_id_never_deletes_row_one(arena: Arena, hard: bool) -> None:
    session = arena.session
    with pytest.raises(InvalidTarget):
        arena.ts.delete(Item, ids=[1.5], hard=hard, session=session)
    assert session.get(Item, 1) is not None
    session.commit()
    assert live_items(arena.maker) == [1, 2, 3, 4]


@pytest.mark.parametrize("ids", [[1.5], [1.0], [True], [1, 2.5]], ids=repr)
def test_ids_of_another_type_are_invalid_for_an_int_key(arena: Arena, ids: list[Any]) -> None:
    with pytest.raises(InvalidTarget):
        arena.ts.delete(Item, ids=ids, session=arena.session)
    with pytest.raises(InvalidTarget):
        arena.ts.preview(Item, ids=ids, session=arena.session)
    arena.session.commit()
    assert live_items(arena.maker) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "ids",
    [[str(uuid.uuid4())], ["x"], [[1]], [None], ["9" * 4301], ["-" + "1" * 5000], ["9" * 21]],
    ids=lambda ids: repr(ids)[:30],
)
def test_values_that_are_no_int_are_invalid_for_an_int_key(arena: Arena, ids: list[Any]) -> None:
    with pytest.raises(InvalidTarget):
        arena.ts.delete(Item, ids=ids, session=arena.session)
    arena.session.commit()
    assert live_items(arena.maker) == [1, 2, 3, 4]


@pytest.mark.parametrize("huge", [2**63, 2**64, -(2**63) - 1], ids=repr)
def test_huge_ids_are_not_found_not_a_driver_error(arena: Arena, huge: int) -> None:
    with pytest.raises((NotFound, InvalidTarget)) as caught:
        arena.ts.delete(Item, ids=[huge], session=arena.session)
    assert not isinstance(caught.value, DatabaseFailure)
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize("chunk_size", [0, -5])
def test_chunk_size_not_positive_is_refused_and_commits_nothing(
    arena: Arena, chunk_size: int
) -> None:
    ops = operation_count(arena.maker)
    with pytest.raises(InvalidTarget):
        arena.ts.delete(
            select(Item).where(Item.status == "open"), chunk_size=chunk_size, session=arena.session
        )
    arena.session.rollback()
    assert live_items(arena.maker) == [1, 2, 3, 4]
    assert operation_count(arena.maker) == ops


@pytest.mark.parametrize("chunk_size", ["x", 1.5, "10", [3]], ids=repr)
def test_chunk_size_of_another_type_is_refused(arena: Arena, chunk_size: Any) -> None:
    with pytest.raises((InvalidTarget, TypeError)) as caught:
        arena.ts.delete(
            select(Item).where(Item.status == "open"), chunk_size=chunk_size, session=arena.session
        )
    if isinstance(caught.value, TypeError):
        assert "chunk_size" in str(caught.value)
    arena.session.rollback()
    assert live_items(arena.maker) == [1, 2, 3, 4]


@pytest.mark.parametrize("bare", [5, "12", 1.5, b"12", {1: 2}], ids=repr)
def test_bare_ids_are_refused_naming_ids(arena: Arena, bare: Any) -> None:
    with pytest.raises((InvalidTarget, TypeError)) as caught:
        arena.ts.delete(Item, ids=bare, session=arena.session)
    if isinstance(caught.value, TypeError):
        assert "ids" in str(caught.value)
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize("target", ["select_column", "select_id_column", "select_two_models"])
@pytest.mark.parametrize("call", ["delete", "preview"])
def test_selects_of_columns_or_of_two_models_are_invalid(
    arena: Arena, target: str, call: str
) -> None:
    with pytest.raises(InvalidTarget):
        getattr(arena.ts, call)(target_of(target, arena.session), session=arena.session)
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize("target", ["text", "delete_statement", "table", "attribute", "string"])
@pytest.mark.parametrize("call", ["delete", "preview"])
def test_statements_and_other_objects_are_refused_as_targets(
    arena: Arena, target: str, call: str
) -> None:
    with pytest.raises((InvalidTarget, TypeError)) as caught:
        getattr(arena.ts, call)(target_of(target, arena.session), session=arena.session)
    if isinstance(caught.value, TypeError):
        assert "select()" in str(caught.value), caught.value  # says what to pass
    assert table_state(arena.session, Base.metadata) == arena.baseline


def stable_id(value: Any) -> str:
    """A test id without memory addresses (``<object object at 0x...>``), at most 30 chars."""
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))[:30]


REQUEST_FIELDS = [
    *(("actor", value) for value in ACTORS),
    *(("reason", value) for value in REASONS),
    *(("context", value) for value in CONTEXTS),
]


@pytest.mark.parametrize(
    ("call", "name", "value"),
    [("delete", name, value) for name, value in [*REQUEST_FIELDS, *(("expect", t) for t in TOKENS)]]
    + [("restore", name, value) for name, value in REQUEST_FIELDS],
    ids=stable_id,
)
def test_every_odd_request_field_is_taken_or_refused_cleanly(
    arena: Arena, call: str, name: str, value: Any
) -> None:
    """Each odd actor, reason, context or token alone, deterministically (hypothesis draws
    them in combinations above)."""
    if call == "delete":
        args: tuple[Any, ...] = (arena.session.get(Item, 1),)
        method = arena.ts.delete
    else:
        args, method = (arena.trashed.id,), arena.ts.restore
    try:
        arena.call(method, args, {name: value}, named={name})
    finally:
        arena.reset()


@pytest.mark.parametrize("sample_size", SAMPLE_SIZES, ids=stable_id)
def test_every_odd_sample_size_alone(arena: Arena, sample_size: Any) -> None:
    try:
        arena.call(
            arena.ts.preview,
            (Item,),
            {"ids": [1, 2], "sample_size": sample_size},
            named={"sample_size"},
        )
    finally:
        arena.reset()


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES, ids=stable_id)
def test_every_odd_chunk_size_alone(arena: Arena, chunk_size: Any) -> None:
    target = select(Item).where(Item.status == "open")
    try:
        _result, error = arena.call(
            arena.ts.delete, (target,), {"chunk_size": chunk_size}, named={"chunk_size"}
        )
        if error is None and chunk_size is not None:
            assert positive_int(chunk_size), f"chunk_size={chunk_size!r} was accepted"
    finally:
        arena.reset()


@pytest.mark.parametrize("age", AGES, ids=stable_id)
def test_every_odd_age_alone(arena: Arena, age: Any) -> None:
    try:
        _result, error = arena.call(
            arena.ts.purge, (), {"older_than": age, "dry_run": True}, named={"older_than"}
        )
        if error is None:
            assert isinstance(age, timedelta), f"older_than={age!r} was accepted"
            assert age >= timedelta(0), f"older_than={age!r} was accepted"
    finally:
        arena.reset()


@pytest.mark.parametrize("age", [timedelta(days=-1), timedelta(seconds=-1), timedelta.min])
def test_negative_older_than_purges_nothing(arena: Arena, age: timedelta) -> None:
    with pytest.raises(InvalidTarget):
        arena.ts.purge(older_than=age, session=arena.session)
    arena.session.rollback()
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize("age", [30, "30d", 1.5], ids=repr)
def test_older_than_not_a_timedelta_is_refused_naming_it(arena: Arena, age: Any) -> None:
    with pytest.raises((InvalidTarget, TypeError)) as caught:
        arena.ts.purge(older_than=age, session=arena.session)
    if isinstance(caught.value, TypeError):
        assert "older_than" in str(caught.value)
    arena.session.rollback()
    assert table_state(arena.session, Base.metadata) == arena.baseline


def test_older_than_too_large_is_not_an_overflow(arena: Arena) -> None:
    """``now - timedelta.max`` overflows in Python: nothing is that old, or it is refused."""
    try:
        report = arena.ts.purge(older_than=timedelta.max, session=arena.session)
    except TombstoneError as exc:
        assert isinstance(exc, InvalidTarget), exc
    else:
        assert report is not None
    arena.session.rollback()
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize("call", ["restore", "purge"])
@pytest.mark.parametrize("op_id", [2**63, 2**64, -(2**63) - 1], ids=repr)
def test_huge_operation_ids_are_not_found_or_invalid(arena: Arena, call: str, op_id: int) -> None:
    with pytest.raises((NotFound, InvalidTarget)) as caught:
        getattr(arena.ts, call)(op_id, session=arena.session)
    assert not isinstance(caught.value, DatabaseFailure)
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize(
    ("call", "op_id"),
    [
        (call, op_id)
        for call in ("restore", "purge")
        for op_id in (1.5, "x", [1], None, b"1")
        if not (call == "purge" and op_id is None)  # "neither given", below
    ],
    ids=repr,
)
def test_operation_ids_of_another_type_are_refused(arena: Arena, call: str, op_id: Any) -> None:
    with pytest.raises((InvalidTarget, NotFound, TypeError)) as caught:
        getattr(arena.ts, call)(op_id, session=arena.session)
    if isinstance(caught.value, TypeError):
        assert "op_id" in str(caught.value) or "operation id" in str(caught.value)
    assert table_state(arena.session, Base.metadata) == arena.baseline


def test_purge_needs_exactly_one_of_op_id_and_older_than(arena: Arena) -> None:
    with pytest.raises(InvalidTarget):
        arena.ts.purge(session=arena.session)
    with pytest.raises(InvalidTarget):
        arena.ts.purge(arena.trashed.id, older_than=timedelta(0), session=arena.session)
    assert table_state(arena.session, Base.metadata) == arena.baseline


@pytest.mark.parametrize("chunk_size", [0, -5])
def test_purge_chunk_size_not_positive_is_refused(arena: Arena, chunk_size: int) -> None:
    with pytest.raises(InvalidTarget):
        arena.ts.purge(arena.trashed.id, chunk_size=chunk_size, session=arena.session)
    arena.session.rollback()
    assert table_state(arena.session, Base.metadata) == arena.baseline


# -- UUID and String primary keys ------------------------------------------------------------


class KeyBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Doc(SoftDeleteMixin, KeyBase):
    """A soft model keyed by a UUID, with a CASCADE child."""

    __tablename__ = "arg_doc"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(40))


class Page(SoftDeleteMixin, KeyBase):
    __tablename__ = "arg_page"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("arg_doc.id", ondelete="CASCADE"))


class Slug(SoftDeleteMixin, KeyBase):
    """A soft model keyed by a string."""

    __tablename__ = "arg_slug"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(40))


DOC_IDS = [uuid.UUID(int=n) for n in (1, 2, 3)]
SLUG_IDS = ["alpha", "beta", "0gamma"]


class KeyArena(Arena):
    metadata = KeyBase.metadata
    probe = Doc

    def build(self) -> None:
        self.session.close()
        KeyBase.metadata.drop_all(self.engine)
        KeyBase.metadata.create_all(self.engine)
        self.session = session = self.maker()
        session.add_all(Doc(id=key, title=f"doc {key.int}") for key in DOC_IDS)
        session.add_all(Page(doc_id=key) for key in DOC_IDS for _ in range(2))
        session.add_all(Slug(id=key, title=key) for key in SLUG_IDS)
        session.flush()
        self.trashed = self.ts.delete(Slug, ids=["beta"], reason="arena", session=session)
        session.commit()
        self.baseline = table_state(session, KeyBase.metadata)


@pytest.fixture
def key_arena(engine: Engine) -> Iterator[KeyArena]:
    maker = sessionmaker(bind=engine, expire_on_commit=False)
    ts = Tombstone(KeyBase, session=maker)
    place = KeyArena(engine, maker, ts)
    yield place
    place.session.close()
    KeyBase.metadata.drop_all(engine)


uuid_id_atoms = st.one_of(
    st.sampled_from(DOC_IDS),
    st.sampled_from([str(key) for key in DOC_IDS]),
    st.sampled_from([str(key).upper() for key in DOC_IDS] + [key.hex for key in DOC_IDS]),
    st.sampled_from([f"{{{DOC_IDS[0]}}}", f"urn:uuid:{DOC_IDS[0]}", DOC_IDS[0].bytes]),
    st.uuids(),
    st.sampled_from(["not-a-uuid", "", "1", UUID_STRING[:-1], "\x00", 1, 0, -1, 2**63, 2**128]),
    st.sampled_from([1.5, float("nan"), None, True, [str(DOC_IDS[0])], b"x", Decimal(1)]),
    st.text(max_size=6),
)

slug_id_atoms = st.one_of(
    st.sampled_from(SLUG_IDS),
    st.sampled_from(["ALPHA", "alpha ", " alpha", "alph%", "a%", "%", "_", "x" * 100, "\x00"]),
    st.sampled_from(["nul\x00", "🗑️", "0", "beta", "gamma", "0gamma"]),
    st.sampled_from([0, 1, -1, 2**63, 1.5, 0.0, None, True, False, b"alpha", uuid.UUID(int=1)]),
    st.lists(st.sampled_from(SLUG_IDS), max_size=2),
    st.text(alphabet="abglmphtAB0 %_", max_size=6),
)


@pytest.mark.parametrize("model", ["Doc", "Slug"])
def test_delete_and_preview_arguments_on_uuid_and_string_keys(
    db_kind: str, key_arena: KeyArena, model: str
) -> None:
    cls: Any = Doc if model == "Doc" else Slug
    atoms = uuid_id_atoms if model == "Doc" else slug_id_atoms

    def check(call: str, ids: Any, kwargs: dict[str, Any]) -> None:
        note(f"{call}({model}, ids={ids!r}, **{kwargs!r})")
        session = key_arena.session
        before = marks(session, cls)
        method = key_arena.ts.delete if call == "delete" else key_arena.ts.preview
        try:
            _result, error = key_arena.call(
                method, (cls,), {"ids": ids, **kwargs}, named={"ids", *kwargs}
            )
            if error is None:
                moved = touched(before, marks(session, cls))
                if model == "Doc":
                    allowed = uuid_ids(ids)
                    assert allowed is not None, f"ids={ids!r} (not a list) was accepted"
                    assert moved <= allowed, f"ids={ids!r} deleted docs {moved - allowed}"
                else:
                    matches = string_ids(ids)
                    assert matches is not None, f"ids={ids!r} (not a list) was accepted"
                    wrong = {key for key in moved if not matches(key)}
                    assert not wrong, f"ids={ids!r} deleted slugs {sorted(wrong)}"
        finally:
            key_arena.reset()

    run_examples(
        db_kind,
        check,
        call=st.sampled_from(["delete", "preview"]),
        ids=ids_of(atoms),
        kwargs=options(hard=[True, False], missing_ok=[True, False], chunk_size=[None, 1, 0]),
    )


def test_restore_and_purge_op_ids_on_uuid_and_string_keys(
    db_kind: str, key_arena: KeyArena
) -> None:
    def check(call: str, op_id: Any) -> None:
        note(f"{call}({op_id!r})")
        value = key_arena.op_id(op_id)
        method = key_arena.ts.restore if call == "restore" else key_arena.ts.purge
        try:
            _result, error = key_arena.call(method, (value,), {}, named={"op_id"})
            if error is None:
                assert type(value) is int or isinstance(value, str), f"{call}({value!r})"
                assert int(value) == key_arena.trashed.id, f"{call}({value!r}) succeeded"
        finally:
            key_arena.reset()

    run_examples(
        db_kind, check, call=st.sampled_from(["restore", "purge"]), op_id=st.sampled_from(OP_IDS)
    )


def test_uuid_key_ids_work_as_uuids_and_strings(key_arena: KeyArena) -> None:
    session, ts = key_arena.session, key_arena.ts
    op = ts.delete(Doc, ids=[DOC_IDS[0], str(DOC_IDS[1])], session=session)
    assert op.counts == {"Doc": 2, "Page": 4}
    session.commit()
    assert sorted(session.scalars(select(Doc.id))) == [DOC_IDS[2]]
    ts.restore(op.id, session=session)
    session.commit()
    assert sorted(session.scalars(select(Doc.id))) == DOC_IDS


@pytest.mark.parametrize(
    "ids", [["not-a-uuid"], [1], [2**128], [1.5], [b"x"], ["\x00"], [True]], ids=repr
)
def test_uuid_key_refuses_what_is_no_uuid(key_arena: KeyArena, ids: list[Any]) -> None:
    with pytest.raises(InvalidTarget):
        key_arena.ts.delete(Doc, ids=ids, session=key_arena.session)
    assert table_state(key_arena.session, KeyBase.metadata) == key_arena.baseline


def test_string_key_delete_restore_purge(key_arena: KeyArena) -> None:
    session, ts = key_arena.session, key_arena.ts
    op = ts.delete(Slug, ids=["alpha"], session=session)
    session.commit()
    assert sorted(session.scalars(select(Slug.id))) == ["0gamma"]
    ts.restore(op.id, session=session)
    session.commit()
    assert sorted(session.scalars(select(Slug.id))) == ["0gamma", "alpha"]
    ts.purge(key_arena.trashed.id, session=session)
    session.commit()
    every = session.scalars(select(Slug.id).execution_options(include_deleted=True))
    assert sorted(every) == ["0gamma", "alpha"]


@pytest.mark.parametrize("ids", [["ALPHA"], ["alpha "], ["Alpha", "BETA"]], ids=repr)
def test_string_key_matches_exactly_whatever_the_collation(
    key_arena: KeyArena, ids: list[str]
) -> None:
    """MariaDB's default collation has ``'ALPHA' = 'alpha '`` = ``'alpha'``: a string id
    names its own row only, on every database."""
    session, ts = key_arena.session, key_arena.ts
    for hard in (False, True):
        with pytest.raises(NotFound):
            ts.delete(Slug, ids=ids, hard=hard, session=session)
        assert table_state(session, KeyBase.metadata) == key_arena.baseline
    preview = ts.preview(Slug, ids=ids, session=session)
    assert preview.counts.get("Slug", 0) == 0
    alpha = session.get(Slug, "alpha")
    op = ts.delete(alpha, session=session)
    assert op.counts == {"Slug": 1}
    assert sorted(session.scalars(select(Slug.id))) == ["0gamma"]


@pytest.mark.parametrize("ids", [[0], [1], [0.0], [False], [None], [b"alpha"]], ids=repr)
def test_string_key_refuses_what_is_no_string(key_arena: KeyArena, ids: list[Any]) -> None:
    """On MariaDB ``'alpha' = 0`` is true: an int id must never reach the database."""
    with pytest.raises(InvalidTarget):
        key_arena.ts.delete(Slug, ids=ids, session=key_arena.session)
    assert table_state(key_arena.session, KeyBase.metadata) == key_arena.baseline


@pytest.mark.parametrize("ids", [["\x00"], ["nul\x00"], ["x" * 100]], ids=repr)
def test_string_key_odd_strings_are_not_found_or_invalid(
    key_arena: KeyArena, ids: list[Any]
) -> None:
    with pytest.raises((NotFound, InvalidTarget)) as caught:
        key_arena.ts.delete(Slug, ids=ids, session=key_arena.session)
    assert not isinstance(caught.value, DatabaseFailure)
    assert table_state(key_arena.session, KeyBase.metadata) == key_arena.baseline
