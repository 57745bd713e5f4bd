"""Alembic environment for Taskboard (run through Flask-Migrate, inside the app context)."""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

from flask_tombstone.core.unique import LIVE_UNIQUE

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = db.metadata


def live_unique_names() -> set[str]:
    """Names of the live-unique indexes (``unique_live``) declared by the models."""
    return {
        index.name
        for table in target_metadata.tables.values()
        for index in table.indexes
        if index.info.get(LIVE_UNIQUE) and index.name
    }


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """On MariaDB/MySQL, leave the stand-ins for partial indexes out of autogenerate: the
    virtual columns ``<index>_<column>`` and the unique index over them differ from the
    models' declaration by design, and are written by hand in the migration creating them."""
    if db.engine.dialect.name not in ("mysql", "mariadb") or name is None:
        return True
    live = live_unique_names()
    if type_ in ("index", "unique_constraint"):
        return name not in live
    if type_ == "column" and reflected and compare_to is None:
        return not any(name.startswith(f"{index}_") for index in live)
    return True


def process_revision_directives(context_: Any, revision: Any, directives: list[Any]) -> None:
    # No empty revision when autogenerate finds nothing to do.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    arguments = dict(current_app.extensions["migrate"].configure_args)
    arguments.setdefault("process_revision_directives", process_revision_directives)
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            **arguments,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
