"""The Flask extension: setup, the seeds' code running unchanged and safe, the CLI."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flask_tombstone import ConfigurationError, Operation, SoftDeleteMixin, Tombstone

from .seed_app import User, db, tombstone


def live_names() -> list[str]:
    return sorted(db.session.scalars(select(User.name)))


def operations() -> list[Operation]:
    return list(db.session.scalars(select(Operation).order_by(Operation.id)))


def test_init_app_registers_once_with_config(app: Flask) -> None:
    state = app.extensions["tombstone"]
    assert state.tombstone is tombstone and state.snapshot is False
    assert app.config["TOMBSTONE_SAMPLE_SIZE"] == 5
    with pytest.raises(RuntimeError, match="already registered"):
        tombstone.init_app(app)


def test_init_app_fails_naming_the_bad_rule() -> None:
    class Base(DeclarativeBase):
        pass

    bad_db = SQLAlchemy(model_class=Base)

    class Owner(bad_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)

    class Pet(SoftDeleteMixin, bad_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="SET NULL"))

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    bad_db.init_app(app)
    # The mappers are configured at the first query or instance: the rule fails there (a
    # relationship may name a model a blueprint declares after init_app).
    Tombstone(app, db=bad_db)
    with pytest.raises(ConfigurationError, match=r"Pet\.owner_id"):
        select(Pet).compile()


def test_init_app_before_a_model_named_by_a_relationship_is_declared() -> None:
    class Base(DeclarativeBase):
        pass

    late_db = SQLAlchemy(model_class=Base)

    class Owner(SoftDeleteMixin, late_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        pets: Mapped[list[Pet]] = relationship(cascade="all, delete-orphan")

    class Badge(SoftDeleteMixin, late_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"))

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    late_db.init_app(app)
    tombstone = Tombstone(app, db=late_db)  # Pet is not declared yet

    class Pet(SoftDeleteMixin, late_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))

    with app.app_context():
        late_db.create_all()
        owner = Owner(pets=[Pet(), Pet()])
        late_db.session.add(owner)
        late_db.session.commit()
        late_db.session.delete(owner)
        late_db.session.commit()
        hidden = select(Pet).execution_options(only_deleted=True)
        assert len(late_db.session.scalars(hidden).all()) == 2
        assert tombstone.graph.node_for(Pet) is not None


def test_seed_000_route_soft_deletes_with_an_operation(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/delete_user/2", headers={"X-Request-ID": "req-42"})
    assert response.text == "User deleted successfully"
    assert client.post("/delete_user/2").text == "User not found"
    assert live_names() == ["ann", "cid", "dee"]
    (op,) = operations()
    assert op.counts == {"User": 1} and op.request_id == "req-42"


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.LegacyAPIWarning")
def test_seed_001_and_002_legacy_query_code(app: Flask) -> None:
    # seed 001: Model.query.filter_by(...).first(); db.session.delete; Model.query.filter().delete()
    user = User.query.filter_by(id=1).first()
    db.session.delete(user)
    db.session.commit()
    assert User.query.filter(User.age > 32).delete() == 2
    db.session.commit()
    # seed 002: Model.query.filter_by(id=id).delete()
    assert User.query.filter_by(id=4).delete() == 1
    db.session.commit()
    assert live_names() == []
    assert [op.counts for op in operations()] == [{"User": 1}, {"User": 2}, {"User": 1}]
    assert User.query.get(1) is None  # the legacy get() does not hand back a trashed row
    every = db.session.scalars(select(User).execution_options(include_deleted=True)).all()
    assert len(every) == 4


def test_cli_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tombstone", "delete", "User", "2", "--dry-run"])
    assert result.exit_code == 0 and "User: 1 (bob)" in result.output
    assert live_names() == ["ann", "bob", "cid", "dee"]
    result = runner.invoke(args=["tombstone", "delete", "User", "2", "--reason", "spam"])
    assert result.exit_code == 0 and "operation 1: delete 1 User" in result.output
    result = runner.invoke(args=["tombstone", "trash"])
    assert "User" in result.output and "spam" in result.output
    result = runner.invoke(args=["tombstone", "restore", "1"])
    assert result.exit_code == 0 and "restored 1 User" in result.output
    result = runner.invoke(args=["tombstone", "restore", "1"])
    assert result.exit_code == 1 and "already restored" in result.output
    result = runner.invoke(args=["tombstone", "delete", "Nobody", "1"])
    assert result.exit_code == 2 and "unknown model" in result.output
    runner.invoke(args=["tombstone", "delete", "User", "3"])
    result = runner.invoke(args=["tombstone", "purge", "--older-than", "0d", "--dry-run"])
    assert "would purge 1 row(s)" in result.output
    everyone = select(User.name).execution_options(include_deleted=True)
    assert "cid" in db.session.scalars(everyone).all()
    result = runner.invoke(args=["tombstone", "purge", "--older-than", "0d"])
    assert result.exit_code == 0 and "purged 1 row(s)" in result.output
    assert "cid" not in db.session.scalars(everyone).all()
    result = runner.invoke(args=["tombstone", "purge", "--older-than", "soon"])
    assert result.exit_code == 2 and "not a duration" in result.output
    result = runner.invoke(args=["tombstone", "ops"])
    assert result.output.count("\n") == 4
    result = runner.invoke(args=["tombstone", "seal"])
    assert "sealed 4 operation(s)" in result.output
    result = runner.invoke(args=["tombstone", "verify"])
    assert result.exit_code == 0 and "chain intact: 4" in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["purge", "--older-than", "99999999999d"], "longer than any retention"),
        (["purge", "--older-than", ""], "not a duration"),
        (["purge", "--op", "1", "--older-than", "1000d"], "exclusive"),
        (["trash", "--limit", "99999999999999999999"], "--limit"),
        (["trash", "--limit", "-1"], "--limit"),
        (["ops", "--limit", "0"], "--limit"),
        (["ops", "--kind", "bogus"], "--kind"),
    ],
)
def test_cli_bad_input_is_a_usage_error_and_changes_nothing(
    app: Flask, args: list[str], said: str
) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["tombstone", "delete", "User", "2"])
    everyone = select(User.name).execution_options(include_deleted=True)
    before = db.session.scalars(everyone).all()
    result = runner.invoke(args=["tombstone", *args])
    assert result.exit_code == 2 and said in result.output, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db.session.scalars(everyone).all() == before


@pytest.mark.parametrize(
    "args",
    [
        ["seal"],
        ["verify"],
        ["purge", "--older-than", "0d"],
        ["purge", "--op", "1"],
        ["trash"],
        ["ops"],
    ],
)
def test_cli_says_what_a_database_error_is_without_a_traceback(app: Flask, args: list[str]) -> None:
    # The engine's tables missing: a migration forgot them, or ran after the deploy.
    for table in ("tombstone_journal", "tombstone_operation"):
        db.session.execute(text(f"DROP TABLE {table}"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tombstone", *args])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Database error: The database refused the operation" in result.output
    assert "tombstone_operation" not in result.output  # never the database's own text


def test_problem_details_for_engine_errors(app: Flask) -> None:
    from flask_tombstone.core import Blocked, Blocker, RowRef
    from flask_tombstone.problems import PROBLEM_JSON, problem_for

    error = Blocked(
        blockers=[Blocker("restrict", RowRef("Project", 3, "alpha"), "Project.owner_id")]
    )
    response = problem_for(error)
    body = response.get_json(force=True)
    assert response.status_code == 409 and response.mimetype == PROBLEM_JSON
    assert body["type"].endswith("/blocked") and body["title"] == "Deletion blocked"
    assert body["blockers"][0]["row"] == {"model": "Project", "id": 3, "label": "alpha"}
    assert body["blocker_count"] == 1


def test_a_soft_model_on_another_bind_is_refused_a_plain_one_is_left_alone(
    tmp_path: pytest.TempPathFactory,
) -> None:
    """Flask-SQLAlchemy's ``__bind_key__``: a soft model in another database than the
    engine's operations could not be deleted in one transaction with its operation row
    (every deletion failed, the preview with a raw error): refused naming it. A plain model
    there (an analytics table) is the unit of work's, as before."""

    class Base(DeclarativeBase):
        pass

    binds_db = SQLAlchemy(model_class=Base)

    class Post(SoftDeleteMixin, binds_db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)

    class Hit(binds_db.Model):  # type: ignore[name-defined,misc]
        __bind_key__ = "stats"
        id: Mapped[int] = mapped_column(primary_key=True)

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/main.db"
    app.config["SQLALCHEMY_BINDS"] = {"stats": f"sqlite:///{tmp_path}/stats.db"}
    binds_db.init_app(app)
    Tombstone(app, db=binds_db)
    with app.app_context():
        binds_db.create_all()
        binds_db.session.add_all([Post(id=1), Hit(id=1), Hit(id=2)])
        binds_db.session.commit()
        binds_db.session.delete(binds_db.session.get(Hit, 1))
        binds_db.session.delete(binds_db.session.get(Post, 1))
        binds_db.session.commit()
        assert binds_db.session.scalars(select(Hit.id)).all() == [2]
        assert binds_db.session.scalars(select(Post.id)).all() == []

        class Entry(SoftDeleteMixin, binds_db.Model):  # type: ignore[name-defined,misc]
            __bind_key__ = "stats"
            id: Mapped[int] = mapped_column(primary_key=True)

        with pytest.raises(ConfigurationError, match="Entry is soft but is on the bind 'stats'"):
            select(Entry).compile()
