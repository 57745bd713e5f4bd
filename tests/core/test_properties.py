"""Property test: random model graphs, random sequences of delete / restore / purge.

For every generated graph and history:
- restoring an operation right after it ran returns the database to exactly its prior state;
- a refused operation changes nothing at all;
- nothing in the trash is ever visible through the ORM;
- every row that left the live set is accounted for: a trashed row names a delete operation
  still in the trash, and the rows physically gone equal the counts of hard deletes and purges.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import ForeignKey, Integer, MetaData, String, create_engine, func, select, text
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from flask_tombstone.core import Operation, SoftDeleteMixin, Tombstone, TombstoneError

RULES = ("CASCADE", "SET NULL", "RESTRICT")


@dataclass(frozen=True)
class Link:
    parent: int
    rule: str


@st.composite
def graphs(draw: Any) -> list[list[Link]]:
    """Model i links to earlier models only (no cycles), 0-2 links each."""
    models = draw(st.integers(min_value=2, max_value=4))
    links: list[list[Link]] = [[]]
    for i in range(1, models):
        parents = draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True))
        links.append([Link(p, draw(st.sampled_from(RULES))) for p in parents])
    return links


def build(links: list[list[Link]]) -> tuple[type[DeclarativeBase], list[type]]:
    class Base(DeclarativeBase):
        metadata = MetaData()

    classes: list[type] = []
    for i, parents in enumerate(links):
        attrs: dict[str, Any] = {
            "__tablename__": f"m{i}",
            "id": mapped_column(Integer, primary_key=True),
            "name": mapped_column(String(20)),
        }
        for link in parents:
            attrs[f"p{link.parent}_id"] = mapped_column(
                ForeignKey(f"m{link.parent}.id", ondelete=link.rule),
                nullable=link.rule == "SET NULL",
            )
        classes.append(type(f"M{i}", (SoftDeleteMixin, Base), attrs))
    return Base, classes


steps = st.lists(
    st.tuples(
        st.sampled_from(["soft", "soft", "hard", "restore", "purge", "soft_then_restore"]),
        st.integers(0, 3),  # which model
        st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True),  # which ids
        st.integers(0, 10),  # which trashed operation
    ),
    min_size=1,
    max_size=8,
)


def state(session: Session, classes: list[type]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        cls.__tablename__: sorted(  # type: ignore[attr-defined]
            tuple(map(str, row))
            for row in session.execute(text(f"SELECT * FROM {cls.__tablename__}"))  # type: ignore[attr-defined]
        )
        for cls in classes
    }


def check_invariants(
    session: Session, classes: list[type], initial: dict[str, int], ts: Tombstone
) -> None:
    trash = {op.id for op in session.scalars(ts.trash())}
    for cls in classes:
        table = cls.__tablename__  # type: ignore[attr-defined]
        live_raw = set(session.scalars(text(f"SELECT id FROM {table} WHERE deleted_at IS NULL")))
        assert set(session.scalars(select(cls.id))) == live_raw  # type: ignore[attr-defined]
        stamps = set(
            session.scalars(text(f"SELECT deleted_by_op FROM {table} WHERE deleted_at IS NOT NULL"))
        )
        assert stamps <= trash, (table, stamps, trash)
        present = session.scalar(text(f"SELECT count(*) FROM {table}"))
        removed = sum(
            op.counts.get(cls.__name__, 0)
            for op in session.scalars(
                select(Operation).where(Operation.kind.in_(["purge", "hard_delete"]))
            )
        )
        assert initial[table] - present == removed


EXAMPLES = {"sqlite": 40, "postgresql": 15, "mariadb": 10}
if os.environ.get("TOMBSTONE_PROPERTY_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["TOMBSTONE_PROPERTY_EXAMPLES"]))


def test_random_graphs_and_histories(db_kind: str, server_urls: dict[str, str]) -> None:
    if db_kind == "sqlite":
        engine = create_engine("sqlite://", poolclass=StaticPool)
    else:
        engine = create_engine(server_urls[db_kind])

    @settings(
        max_examples=EXAMPLES[db_kind],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(links=graphs(), data=st.data(), history=steps)
    def check(links: list[list[Link]], data: Any, history: list[Any]) -> None:
        run_history(engine, links, data, history)

    try:
        check()
    finally:
        engine.dispose()


def run_history(engine: Any, links: list[list[Link]], data: Any, history: list[Any]) -> None:
    base, classes = build(links)
    maker = sessionmaker(bind=engine, expire_on_commit=False)
    ts = Tombstone(base, session=maker)
    leftovers = MetaData()
    leftovers.reflect(engine)  # a failed example may have left another graph's tables
    leftovers.drop_all(engine)
    base.metadata.create_all(engine)
    with maker() as session:
        for i, cls in enumerate(classes):
            for row_id in range(1, 7):
                values: dict[str, Any] = {"id": row_id, "name": f"m{i}r{row_id}"}
                for link in links[i]:
                    choices = [None] if link.rule == "SET NULL" else []
                    values[f"p{link.parent}_id"] = data.draw(
                        st.sampled_from([*choices, *range(1, 7)])
                    )
                session.add(cls(**values))
        session.commit()
        initial = {cls.__tablename__: 6 for cls in classes}  # type: ignore[attr-defined]
        for action, model, ids, pick in history:
            cls = classes[model % len(classes)]
            trash = [op.id for op in session.scalars(ts.trash())]
            before = state(session, classes)
            try:
                if action in ("soft", "soft_then_restore", "hard"):
                    op = ts.delete(
                        cls, ids=ids, hard=action == "hard", session=session, missing_ok=True
                    )
                    session.commit()
                    if action == "soft_then_restore":
                        ts.restore(op.id, session=session)
                        session.commit()
                        assert state(session, classes) == before
                elif action == "restore" and trash:
                    ts.restore(trash[pick % len(trash)], session=session)
                    session.commit()
                elif action == "purge" and trash:
                    ts.purge(trash[pick % len(trash)], session=session)
                    session.commit()
            except TombstoneError:
                session.rollback()
                assert state(session, classes) == before
            check_invariants(session, classes, initial, ts)
    base.metadata.drop_all(engine)


def test_property_helpers_count_rows() -> None:
    base, classes = build([[], [Link(0, "CASCADE")]])
    engine = create_engine("sqlite://")
    base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(classes[0](id=1, name="a"))
        session.commit()
        assert session.scalar(select(func.count()).select_from(classes[0])) == 1
