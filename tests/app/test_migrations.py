"""The Alembic migrations create exactly the models' schema, on every database."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine, Table, insert, inspect, update
from sqlalchemy.exc import IntegrityError
from taskboard_support import config_for

from dbs import scratch_database
from flask_tombstone.core.journal_storage import lz4_available
from flask_tombstone.core.unique import LIVE_UNIQUE
from taskboard import create_app
from taskboard.extensions import db
from taskboard.models import User


def live_unique_names() -> set[str]:
    return {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if index.info.get(LIVE_UNIQUE) and index.name
    }


def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """MariaDB's stand-ins for partial indexes (virtual columns, a unique index over them)
    differ from the declaration by design: leave them out, as the migrations' env.py does."""
    if db.engine.dialect.name not in ("mysql", "mariadb") or name is None:
        return True
    live = live_unique_names()
    if type_ == "index":
        return name not in live
    if type_ == "column" and reflected and compare_to is None:
        return not any(name.startswith(f"{index}_") for index in live)
    return True


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        return list(compare_metadata(context, db.metadata))


@pytest.mark.servers
def test_upgrade_creates_the_models_schema_and_downgrade_removes_it(
    db_kind: str, tmp_path: Path
) -> None:
    with scratch_database(db_kind, tmp_path) as url:
        app = create_app(config_for(url, tmp_path))
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory)
            assert differences(db.engine) == []
            tables = set(inspect(db.engine).get_table_names())
            assert {"tombstone_operation", "tombstone_journal", "operation_project"} <= tables
            check_live_unique(db.engine)
            check_journal_compression(db.engine)
            downgrade(directory=directory, revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()


def check_journal_compression(engine: Engine) -> None:
    """Snapshots compressed with lz4 where PostgreSQL has it (migration 0004)."""
    with engine.connect() as connection:
        if not lz4_available(connection):
            return
        compression = connection.exec_driver_sql(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'tombstone_journal'::regclass AND attname = 'data'"
        ).scalar()
    assert compression == "l"


def check_live_unique(engine: Engine) -> None:
    """Usernames are unique among live accounts only."""
    row = {"email": "a@x.io", "password_hash": "x", "role": "member"}
    table = cast(Table, User.__table__)
    with engine.begin() as connection:
        connection.execute(insert(table).values(username="sam", **row))
        connection.execute(update(table).values(deleted_at=db.func.now(), deleted_by_op=1))
        connection.execute(insert(table).values(username="sam", **row))  # the first is trashed
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(table).values(username="sam", **(row | {"email": "b@x.io"})))
    with engine.begin() as connection:
        connection.execute(table.delete())
