"""Initial schema: accounts, projects, items, comments, tags, and Flask-Tombstone's tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Live-unique indexes (``unique_live`` in the models) ignore rows in the trash: partial unique
indexes on SQLite and PostgreSQL; on MariaDB/MySQL, which have no partial indexes, a virtual
column per indexed column (``NULL`` while the row is trashed) and a unique index over those.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")
MYSQL = ("mysql", "mariadb")


def _soft_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by_op", sa.Integer(), nullable=True),
    ]


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{columns[0]}"), table, list(columns), unique=False)


def _live_unique(name: str, table: str, columns: dict[str, str]) -> None:
    """``columns``: {column: its SQL type on MariaDB/MySQL}."""
    if op.get_bind().dialect.name in MYSQL:
        added = ", ".join(
            f"ADD COLUMN {name}_{column} {sql_type} "
            f"AS (IF(deleted_at IS NULL, {column}, NULL)) VIRTUAL"
            for column, sql_type in columns.items()
        )
        virtual = ", ".join(f"{name}_{column}" for column in columns)
        op.execute(f"ALTER TABLE {table} {added}, ADD UNIQUE INDEX {name} ({virtual})")
        return
    op.create_index(
        name, table, list(columns), unique=True, postgresql_where=LIVE, sqlite_where=LIVE
    )


def upgrade() -> None:
    op.create_table(
        "tombstone_journal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("table_name", sa.String(length=128), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(length=128), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstone_journal")),
    )
    _index("tombstone_journal", "op_id")

    op.create_table(
        "tombstone_operation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("root_model", sa.String(length=128), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("effects", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("ref_op", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("seal_seq", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstone_operation")),
        sa.UniqueConstraint("seal_seq", name=op.f("uq_tombstone_operation_seal_seq")),
    )
    op.create_index(
        "ix_tombstone_operation_kind_created", "tombstone_operation", ["kind", "created_at"]
    )
    _index("tombstone_operation", "ref_op")

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_soft_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
    )
    _index("user_account", "deleted_by_op")
    _live_unique("uq_user_account_username_live", "user_account", {"username": "VARCHAR(40)"})
    _live_unique("uq_user_account_email_live", "user_account", {"email": "VARCHAR(254)"})

    op.create_table(
        "operation_project",
        sa.Column("op_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["op_id"],
            ["tombstone_operation.id"],
            name=op.f("fk_operation_project_op_id_tombstone_operation"),
        ),
        sa.PrimaryKeyConstraint("op_id", "project_id", name=op.f("pk_operation_project")),
    )
    _index("operation_project", "project_id")

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_soft_columns(),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_project_owner_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
    )
    _index("project", "deleted_by_op")
    _index("project", "owner_id")

    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        *_soft_columns(),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_item_assignee_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_item_owner_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_item_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
    )
    for column in ("assignee_id", "deleted_by_op", "owner_id", "project_id", "status"):
        _index("item", column)

    op.create_table(
        "project_member",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_member_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_project_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_member")),
    )

    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        *_soft_columns(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_tag_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
    )
    _index("tag", "deleted_by_op")
    _index("tag", "project_id")
    _live_unique(
        "uq_tag_project_name_live", "tag", {"project_id": "INTEGER", "name": "VARCHAR(40)"}
    )

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_soft_columns(),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_comment_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_comment_item_id_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    for column in ("author_id", "deleted_by_op", "item_id"):
        _index("comment", column)

    op.create_table(
        "item_tag",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_item_tag_item_id_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_item_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "tag_id", name=op.f("pk_item_tag")),
    )
    _index("item_tag", "tag_id")


def downgrade() -> None:
    for table in (
        "item_tag",
        "comment",
        "tag",
        "project_member",
        "item",
        "project",
        "operation_project",
        "user_account",
        "tombstone_operation",
        "tombstone_journal",
    ):
        op.drop_table(table)
