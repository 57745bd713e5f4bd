"""Random model graphs, rows and targets for the differential oracle test (``test_oracle.py``).

A :class:`World` is plain data (frozen dataclasses, so hypothesis prints and shrinks it and a
regression test can spell one out): the models (primary key type, inheritance, foreign keys
with their ``ondelete``, the relationships declared over them with their cascade options),
many-to-many association tables, when the classes are declared relative to the
``Tombstone``, the rows, and what is deleted and how. :class:`Built` turns one into mapped
classes on a fresh declarative base, two sessionmakers (the Tombstone's, and a plain one the
Tombstone knows nothing about, for the oracle), tables and rows. The ``*_state`` helpers read
every column of every table so that states can be compared exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Session,
    backref,
    mapped_column,
    relationship,
    sessionmaker,
)
from sqlalchemy.pool import StaticPool

from flask_tombstone.core import UNGOVERNED, SoftDeleteMixin, Tombstone

PK_KINDS = ("int", "bigint", "uuid", "str")
PK_TYPES: dict[str, Any] = {
    "int": Integer,
    "bigint": BigInteger,
    "uuid": Uuid,
    "str": lambda: String(36),
}
ONDELETE = (None, "CASCADE", "SET NULL", "RESTRICT")
CASCADES = ("save-update, merge", "all", "all, delete-orphan", "save-update, merge, delete")
# none: no relationship; parent: one-to-many only; child: many-to-one only; backref_child:
# many-to-one declaring the one-to-many as its backref; backref_parent: the other way round;
# back_populates: both sides declared explicitly.
RELS = ("none", "parent", "child", "backref_child", "backref_parent", "back_populates")
PASSIVE: tuple[bool | str, ...] = (False, True, "all")
M2M_RELS = ("left", "right", "backref", "back_populates", "none")
HOWS = ("session", "instance", "ids", "select", "select_col")


def deletes(cascade: str) -> bool:
    return "delete" in cascade or cascade.startswith("all")


@dataclass(frozen=True)
class Link:
    """A foreign key from a model to an earlier model (or to itself) and its relationships."""

    parent: int  # the parent model's index; the model's own index for a self-reference
    ondelete: str | None = None
    nullable: bool = True
    unique: bool = False  # one-to-one: the one-to-many side is uselist=False
    to_sub: bool = False  # points at the parent's subclass (joined: at the subclass table)
    rel: str = "none"
    cascade: str = "save-update, merge"  # of the one-to-many side
    passive: bool | str = False  # passive_deletes of the one-to-many side


@dataclass(frozen=True)
class ModelSpec:
    pk: str = "int"
    soft: bool = True
    inherit: str = "none"  # "single" | "joined": the model has a subclass M<i>S
    sub_ondelete: str | None = None  # joined: the subclass table's key -> base key
    links: tuple[Link, ...] = ()
    self_link: Link | None = None  # parent_id -> own id


@dataclass(frozen=True)
class M2M:
    """An association table ``mm<left>_<right>`` (composite primary key of two foreign keys)."""

    left: int
    right: int
    left_ondelete: str | None = None
    right_ondelete: str | None = None
    rel: str = "backref"
    left_cascade: str = "save-update, merge"  # of left.mm<right>
    right_cascade: str = "save-update, merge"  # of right.mm<left>
    passive: bool = False


@dataclass(frozen=True)
class Graph:
    models: tuple[ModelSpec, ...]
    m2m: tuple[M2M, ...] = ()
    # Declaration steps (each model, then its subclass) from this one on come after
    # Tombstone(...) was created; None: all before.
    late_from: int | None = None
    configure_early: bool = False  # call ts.configure() before the late declarations


@dataclass(frozen=True)
class Row:
    n: int
    sub: bool = False  # a row of the subclass
    refs: tuple[int | None, ...] = ()  # per link: the parent row's n (None: NULL)
    up: int | None = None  # the self-reference's parent row n


@dataclass(frozen=True)
class Target:
    model: int
    rows: tuple[int, ...]  # n of each row
    sub: bool = False  # through the subclass
    how: str = "session"  # one of HOWS


@dataclass(frozen=True)
class World:
    graph: Graph
    rows: tuple[tuple[Row, ...], ...]
    pairs: tuple[tuple[tuple[int, int], ...], ...]  # per association table: (left n, right n)
    target: Target


def steps_of(graph: Graph) -> list[tuple[str, int]]:
    steps: list[tuple[str, int]] = []
    for i, spec in enumerate(graph.models):
        steps.append(("model", i))
        if spec.inherit != "none":
            steps.append(("sub", i))
    return steps


def pk_value(kind: str, model: int, n: int) -> Any:
    if kind == "int":
        return n
    if kind == "bigint":
        return 2**40 + n  # beyond 32 bits
    if kind == "uuid":
        return uuid.UUID(int=((model + 1) << 64) + n)
    return f"m{model}-{n:03d}"


# -- strategies -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Features:
    """What graphs may contain (all of it by default; narrower to chase one failure)."""

    max_models: int = 5
    pks: tuple[str, ...] = PK_KINDS
    ondeletes: tuple[str | None, ...] = ONDELETE
    rels: tuple[str, ...] = RELS
    cascades: tuple[str, ...] = CASCADES
    passives: tuple[bool | str, ...] = PASSIVE
    inherits: tuple[str, ...] = ("none", "none", "single", "joined")
    self_refs: bool = True
    one_to_one: bool = True
    m2m: int = 2  # association tables at most
    m2m_rels: tuple[str, ...] = M2M_RELS
    m2m_cascades: tuple[str, ...] = ("save-update, merge", "all")
    m2m_ondeletes: tuple[str | None, ...] = (None, "CASCADE", "RESTRICT")
    hard: bool = True  # a few models without SoftDeleteMixin
    late: bool = True  # models declared after the Tombstone
    hows: tuple[str, ...] = HOWS
    max_targets: int = 3


ALL = Features()


@st.composite
def links(
    draw: Any, parent: int, parent_spec: ModelSpec, features: Features, self_ref: bool = False
) -> Link:
    ondelete = draw(st.sampled_from(features.ondeletes))
    nullable = self_ref or ondelete == "SET NULL" or draw(st.booleans())
    unique = features.one_to_one and draw(st.sampled_from((False, False, False, True)))
    to_sub = not self_ref and parent_spec.inherit != "none" and draw(st.booleans())
    cascade = draw(st.sampled_from(features.cascades))
    passive = draw(st.sampled_from(features.passives))
    if passive == "all" and deletes(cascade):
        passive = True  # SQLAlchemy refuses passive_deletes="all" with a delete cascade
    return Link(
        parent=parent,
        ondelete=ondelete,
        nullable=nullable,
        unique=unique,
        to_sub=to_sub,
        rel=draw(st.sampled_from(features.rels)),
        cascade=cascade,
        passive=passive,
    )


def _harden(link: Link) -> Link:
    """A link into a model without SoftDeleteMixin: nothing may cascade into it."""
    ondelete = "RESTRICT" if link.ondelete == "CASCADE" else link.ondelete
    cascade = "save-update, merge" if deletes(link.cascade) else link.cascade
    return replace(link, ondelete=ondelete, cascade=cascade)


@st.composite
def graphs(draw: Any, features: Features = ALL) -> Graph:
    count = draw(st.integers(2, features.max_models))
    models: list[ModelSpec] = []
    for i in range(count):
        inherit = draw(st.sampled_from(features.inherits))
        parents = draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True)) if i else []
        self_link = None
        if features.self_refs and draw(st.sampled_from((False, False, True))):
            self_link = draw(links(i, ModelSpec(), features, self_ref=True))
        models.append(
            ModelSpec(
                pk=draw(st.sampled_from(features.pks)),
                inherit=inherit,
                sub_ondelete=draw(st.sampled_from((None, "CASCADE")))
                if inherit == "joined"
                else None,
                links=tuple(draw(links(p, models[p], features)) for p in parents),
                self_link=self_link,
            )
        )
    m2m: list[M2M] = []
    pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
    for left, right in draw(st.lists(st.sampled_from(pairs), max_size=features.m2m, unique=True)):
        m2m.append(
            M2M(
                left=left,
                right=right,
                left_ondelete=draw(st.sampled_from(features.m2m_ondeletes)),
                right_ondelete=draw(st.sampled_from(features.m2m_ondeletes)),
                rel=draw(st.sampled_from(features.m2m_rels)),
                left_cascade=draw(st.sampled_from(features.m2m_cascades)),
                right_cascade=draw(st.sampled_from(features.m2m_cascades)),
                passive=draw(st.booleans()),
            )
        )
    # A few models without SoftDeleteMixin: leaves (nothing points at them), never targets,
    # and nothing cascades into them (the engine refuses that graph, rightly).
    pointed = {link.parent for spec in models for link in spec.links}
    leaves = [
        i
        for i, spec in enumerate(models)
        if i > 0 and i not in pointed and spec.inherit == "none" and spec.self_link is None
    ]
    hard = set()
    if leaves and features.hard:
        hard = set(draw(st.lists(st.sampled_from(leaves), max_size=1)))
    for i in hard:
        models[i] = replace(models[i], soft=False)
    for i, spec in enumerate(models):
        if i in hard:
            models[i] = replace(spec, links=tuple(_harden(link) for link in spec.links))
    m2m = [
        replace(
            m,
            left_cascade="save-update, merge" if m.right in hard else m.left_cascade,
            right_cascade="save-update, merge" if m.left in hard else m.right_cascade,
        )
        for m in m2m
    ]
    graph = Graph(models=tuple(models), m2m=tuple(m2m))
    steps = len(steps_of(graph))
    late_from = draw(st.one_of(st.none(), st.integers(0, steps - 1))) if features.late else None
    return replace(
        graph, late_from=late_from, configure_early=late_from is not None and draw(st.booleans())
    )


@st.composite
def worlds(draw: Any, features: Features = ALL) -> World:
    graph: Graph = draw(graphs(features))
    rows: list[tuple[Row, ...]] = []
    for spec in graph.models:
        model_rows: list[Row] = []
        used: list[set[int]] = [set() for _ in spec.links]
        used_up: set[int] = set()
        for n in range(1, draw(st.integers(1, 4)) + 1):
            sub = spec.inherit != "none" and draw(st.booleans())
            refs: list[int | None] = []
            for k, link in enumerate(spec.links):
                options: list[int | None] = [
                    r.n
                    for r in rows[link.parent]
                    if (r.sub or not link.to_sub) and not (link.unique and r.n in used[k])
                ]
                if link.nullable:
                    options.insert(0, None)
                if not options:
                    break
                value = draw(st.sampled_from(options))
                if link.unique and value is not None:
                    used[k].add(value)
                refs.append(value)
            else:
                up = None
                if spec.self_link is not None:
                    unique = spec.self_link.unique
                    candidates = [r.n for r in model_rows if not (unique and r.n in used_up)]
                    up = draw(st.sampled_from([None, *candidates]))
                    if up is not None:
                        used_up.add(up)
                model_rows.append(Row(n=n, sub=sub, refs=tuple(refs), up=up))
        if spec.inherit != "none" and model_rows and not any(r.sub for r in model_rows):
            model_rows[0] = replace(model_rows[0], sub=True)
        rows.append(tuple(model_rows))
    pairs: list[tuple[tuple[int, int], ...]] = []
    for m in graph.m2m:
        left = [r.n for r in rows[m.left]]
        right = [r.n for r in rows[m.right]]
        if left and right:
            pair = st.tuples(st.sampled_from(left), st.sampled_from(right))
            pairs.append(tuple(draw(st.lists(pair, max_size=4, unique=True))))
        else:
            pairs.append(())
    choices = [i for i, spec in enumerate(graph.models) if spec.soft and rows[i]]
    model = draw(st.sampled_from(choices))
    sub = any(r.sub for r in rows[model]) and draw(st.booleans())
    candidates = [r.n for r in rows[model] if r.sub or not sub]
    chosen = draw(
        st.lists(
            st.sampled_from(candidates), min_size=1, max_size=features.max_targets, unique=True
        )
    )
    how = draw(st.sampled_from(features.hows))
    target = Target(model=model, rows=tuple(chosen), sub=sub, how=how)
    return World(graph=graph, rows=tuple(rows), pairs=tuple(pairs), target=target)


# -- building -------------------------------------------------------------------------------
class Built:
    """A world's classes, sessionmakers and Tombstone, on a fresh declarative base."""

    def __init__(self, world: World, engine: Engine) -> None:
        class Base(DeclarativeBase):
            metadata = MetaData()

        self.world = world
        self.graph = world.graph
        self.engine = engine
        self.base = Base
        self.plain = sessionmaker(
            bind=engine, info={UNGOVERNED: True}
        )  # the oracle's: no Tombstone
        self.governed = sessionmaker(bind=engine)  # the Tombstone's
        self.roots: dict[int, type] = {}
        self.subs: dict[int, type] = {}
        self.m2m_tables: dict[int, Table] = {}  # by index in graph.m2m
        self.tombstone: Tombstone | None = None
        self.configured = False

    # declaration ------------------------------------------------------------------------
    def declare(self) -> Tombstone:
        """Declare every class, creating the Tombstone at the drawn step.

        :raises ConfigurationError: from an early ``configure()``.
        """
        steps = steps_of(self.graph)
        late_from = len(steps) if self.graph.late_from is None else self.graph.late_from
        for k, (kind, i) in enumerate(steps):
            if k == late_from:
                self._create_tombstone(early=True)
            if kind == "model":
                self._declare_model(i)
            else:
                self._declare_sub(i)
        if self.tombstone is None:
            self._create_tombstone(early=False)
        assert self.tombstone is not None
        return self.tombstone

    def _create_tombstone(self, early: bool) -> None:
        self.tombstone = Tombstone(self.base, session=self.governed)
        if early and self.graph.configure_early:
            self.configured = True  # as Flask's init_app does, before the late models
            self.tombstone.configure()

    def _pk_type(self, model: int) -> Any:
        return PK_TYPES[self.graph.models[model].pk]()

    def parent_class_name(self, link: Link) -> str:
        return f"M{link.parent}S" if link.to_sub else f"M{link.parent}"

    def _declare_model(self, i: int) -> None:
        spec = self.graph.models[i]
        name = f"M{i}"
        attrs: dict[str, Any] = {
            "__tablename__": f"m{i}",
            "id": mapped_column(self._pk_type(i), primary_key=True, autoincrement=False),
            "name": mapped_column(String(30)),
        }
        if spec.inherit != "none":
            attrs["kind"] = mapped_column(String(10))
            attrs["__mapper_args__"] = {"polymorphic_on": "kind", "polymorphic_identity": "base"}
        later: list[tuple[str, str, Any]] = []  # relationships set on parent classes
        for link in spec.links:
            parent = self.graph.models[link.parent]
            table = (
                f"m{link.parent}s"
                if link.to_sub and parent.inherit == "joined"
                else f"m{link.parent}"
            )
            attrs[f"p{link.parent}_id"] = mapped_column(
                self._pk_type(link.parent),
                ForeignKey(f"{table}.id", ondelete=link.ondelete),
                nullable=link.nullable,
                unique=link.unique,
            )
            self._relate(attrs, later, name, link, f"p{link.parent}_id", f"p{link.parent}", f"c{i}")
        if spec.self_link is not None:
            link = spec.self_link
            attrs["parent_id"] = mapped_column(
                self._pk_type(i),
                ForeignKey(f"m{i}.id", ondelete=link.ondelete),
                nullable=True,
                unique=link.unique,
            )
            self._relate(attrs, later, name, link, "parent_id", "up", "down", self_ref=True)
        for m in self.graph.m2m:
            if m.right == i:
                self._declare_m2m(m, attrs, later)
        bases = (SoftDeleteMixin, self.base) if spec.soft else (self.base,)
        self.roots[i] = type(name, bases, attrs)
        # Relationships go on classes not configured yet first: one set on a configured class
        # configures the pending mappers at once, which must find their back_populates there.
        for owner, key, rel in sorted(later, key=lambda entry: self._configured(entry[0])):
            setattr(self._class_named(owner), key, rel)

    def _relate(
        self,
        attrs: dict[str, Any],
        later: list[tuple[str, str, Any]],
        child: str,
        link: Link,
        column: str,
        up: str,
        down: str,
        self_ref: bool = False,
    ) -> None:
        """Declare the drawn relationships over one foreign key."""
        parent = child if self_ref else self.parent_class_name(link)
        fks = f"[{child}.{column}]"
        many: dict[str, Any] = {"foreign_keys": fks, "cascade": link.cascade}
        if link.unique:
            many["uselist"] = False
        if link.passive:
            many["passive_deletes"] = link.passive
        one: dict[str, Any] = {"foreign_keys": fks}
        if self_ref:
            one["remote_side"] = f"[{child}.id]"
        if link.rel == "parent":
            later.append((parent, down, relationship(child, **many)))
        elif link.rel == "child":
            attrs[up] = relationship(parent, **one)
        elif link.rel == "backref_child":
            attrs[up] = relationship(parent, backref=backref(down, **many), **one)
        elif link.rel == "backref_parent":
            later.append((parent, down, relationship(child, backref=backref(up, **one), **many)))
        elif link.rel == "back_populates" and self._configured(parent):
            # both sides at once cannot be set on a class mapped (and configured) before the
            # Tombstone's configure(): the same mapping, declared as a backref
            attrs[up] = relationship(parent, backref=backref(down, **many), **one)
        elif link.rel == "back_populates":
            attrs[up] = relationship(parent, back_populates=down, **one)
            later.append((parent, down, relationship(child, back_populates=up, **many)))

    def _configured(self, name: str) -> bool:
        """Whether the class ``name`` exists and its mapper is configured already."""
        try:
            cls = self._class_named(name)
        except KeyError:
            return False  # the class being declared
        return bool(inspect(cls).configured)

    def _class_named(self, name: str) -> type:
        for cls in [*self.roots.values(), *self.subs.values()]:
            if cls.__name__ == name:
                return cls
        raise KeyError(name)

    def _declare_sub(self, i: int) -> None:
        spec = self.graph.models[i]
        attrs: dict[str, Any] = {"__mapper_args__": {"polymorphic_identity": "sub"}}
        if spec.inherit == "joined":
            attrs["__tablename__"] = f"m{i}s"
            attrs["id"] = mapped_column(
                self._pk_type(i),
                ForeignKey(f"m{i}.id", ondelete=spec.sub_ondelete),
                primary_key=True,
            )
        attrs["extra"] = mapped_column(String(30), nullable=True)
        self.subs[i] = type(f"M{i}S", (self.roots[i],), attrs)

    def _declare_m2m(
        self, m: M2M, attrs: dict[str, Any], later: list[tuple[str, str, Any]]
    ) -> None:
        """The association table, and its relationships: the right model (being declared)
        gets its side in ``attrs``, the left one is set on the left class afterwards."""
        table = Table(
            f"mm{m.left}_{m.right}",
            self.base.metadata,
            Column(
                "left_id",
                self._pk_type(m.left),
                ForeignKey(f"m{m.left}.id", ondelete=m.left_ondelete),
                primary_key=True,
            ),
            Column(
                "right_id",
                self._pk_type(m.right),
                ForeignKey(f"m{m.right}.id", ondelete=m.right_ondelete),
                primary_key=True,
            ),
        )
        self.m2m_tables[self.graph.m2m.index(m)] = table
        left, right = f"M{m.left}", f"M{m.right}"
        lkey, rkey = f"mm{m.right}", f"mm{m.left}"

        def opts(cascade: str) -> dict[str, Any]:
            kw: dict[str, Any] = {"cascade": cascade}
            if m.passive:
                kw["passive_deletes"] = True
            return kw

        lopts = {"secondary": table, **opts(m.left_cascade)}
        ropts = {"secondary": table, **opts(m.right_cascade)}
        if m.rel == "left":
            later.append((left, lkey, relationship(right, **lopts)))
        elif m.rel == "right":
            attrs[rkey] = relationship(left, **ropts)
        elif m.rel == "backref":
            back = backref(lkey, **opts(m.left_cascade))
            attrs[rkey] = relationship(left, backref=back, **ropts)
        elif m.rel == "back_populates" and self._configured(left):
            back = backref(lkey, **opts(m.left_cascade))  # as for links
            attrs[rkey] = relationship(left, backref=back, **ropts)
        elif m.rel == "back_populates":
            attrs[rkey] = relationship(left, back_populates=lkey, **ropts)
            later.append((left, lkey, relationship(right, back_populates=rkey, **lopts)))

    def dispose(self) -> None:
        self.base.registry.dispose()

    # rows -------------------------------------------------------------------------------
    def pk(self, model: int, n: int) -> Any:
        return pk_value(self.graph.models[model].pk, model, n)

    def insert_rows(self) -> None:
        with self.plain() as session:
            for i, spec in enumerate(self.graph.models):
                for row in self.world.rows[i]:
                    cls = self.subs[i] if row.sub else self.roots[i]
                    values: dict[str, Any] = {"id": self.pk(i, row.n), "name": f"m{i}r{row.n}"}
                    if row.sub:
                        values["extra"] = f"x{i}r{row.n}"
                    for link, ref in zip(spec.links, row.refs, strict=True):
                        values[f"p{link.parent}_id"] = (
                            None if ref is None else self.pk(link.parent, ref)
                        )
                    if spec.self_link is not None:
                        values["parent_id"] = None if row.up is None else self.pk(i, row.up)
                    session.add(cls(**values))
                    session.flush()
            for k, (m, pairs) in enumerate(zip(self.graph.m2m, self.world.pairs, strict=True)):
                table = self.m2m_tables[k]
                if pairs:
                    session.execute(
                        insert(table),
                        [
                            {"left_id": self.pk(m.left, a), "right_id": self.pk(m.right, b)}
                            for a, b in pairs
                        ],
                    )
            session.commit()

    # the target --------------------------------------------------------------------------
    def target_class(self) -> type:
        target = self.world.target
        return self.subs[target.model] if target.sub else self.roots[target.model]

    def target_pks(self, deepest_first: bool = False) -> list[Any]:
        """The target rows' keys (replies before the rows they answer if ``deepest_first``)."""
        target = self.world.target
        rows = list(target.rows)
        if deepest_first:
            up = {r.n: r.up for r in self.world.rows[target.model]}

            def depth(n: int | None) -> int:
                return 0 if n is None or up.get(n) is None else 1 + depth(up[n])

            rows.sort(key=depth, reverse=True)
        return [self.pk(target.model, n) for n in rows]

    def target_labels(self) -> tuple[Any, list[str]]:
        """A non-key column of the target class and the target rows' values in it."""
        target = self.world.target
        cls = self.target_class()
        if target.sub:
            return cls.extra, [f"x{target.model}r{n}" for n in target.rows]  # type: ignore[attr-defined]
        return cls.name, [f"m{target.model}r{n}" for n in target.rows]  # type: ignore[attr-defined]

    def classes(self) -> list[type]:
        return [*self.roots.values(), *self.subs.values()]

    def user_tables(self) -> list[Table]:
        return [t for t in self.base.metadata.sorted_tables if not t.name.startswith("tombstone_")]


# -- database state -------------------------------------------------------------------------
Key = tuple[Any, ...]
State = dict[str, dict[Key, dict[str, Any]]]


def read_state(conn: Connection | Session, tables: list[Table]) -> State:
    """Every column of every row of ``tables``, by primary key."""
    state: State = {}
    for table in tables:
        rows = conn.execute(select(table)).mappings().all()
        state[table.name] = {
            tuple(row[c.name] for c in table.primary_key.columns): dict(row) for row in rows
        }
    return state


def state_of(engine: Engine, tables: list[Table]) -> State:
    with engine.connect() as conn:
        return read_state(conn, tables)


def diff_states(expected: State, actual: State, limit: int = 12) -> list[str]:
    """What differs, row by row and column by column (at most ``limit`` lines)."""
    out: list[str] = []
    for name, rows in expected.items():
        got = actual.get(name, {})
        for key in sorted(rows.keys() - got.keys(), key=repr):
            out.append(f"{name} {key}: row missing")
        for key in sorted(got.keys() - rows.keys(), key=repr):
            out.append(f"{name} {key}: unexpected row {got[key]}")
        for key in sorted(rows.keys() & got.keys(), key=repr):
            changed = {
                col: (rows[key][col], got[key][col])
                for col in rows[key]
                if rows[key][col] != got[key][col]
            }
            if changed:
                out.append(f"{name} {key}: (expected, got) {changed}")
    return out[:limit] + ([f"... {len(out) - limit} more"] if len(out) > limit else [])


def oracle_engine(kind: str, url: str | None) -> Engine:
    """An engine for ``kind``; SQLite in memory with foreign keys enforced (ON DELETE)."""
    if kind != "sqlite":
        assert url is not None
        return create_engine(url)
    engine = create_engine("sqlite://", poolclass=StaticPool)

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def drop_everything(engine: Engine) -> None:
    """Drop every table of the database (a failed example may have left some)."""
    leftovers = MetaData()
    leftovers.reflect(engine)
    if not leftovers.tables:
        return
    off, on = {
        "sqlite": ("PRAGMA foreign_keys=OFF", "PRAGMA foreign_keys=ON"),
        "mysql": ("SET FOREIGN_KEY_CHECKS=0", "SET FOREIGN_KEY_CHECKS=1"),
    }.get(engine.dialect.name, (None, None))
    with engine.connect() as conn:
        if off:
            conn.exec_driver_sql(off)
        leftovers.drop_all(conn)
        conn.commit()
        if on:
            conn.exec_driver_sql(on)
