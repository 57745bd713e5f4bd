"""Schemas of the trash and the operations log: their filters (allow-listed: anything else is
422), restore and purge bodies, and operations as the log shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, fields, post_load, validate

from taskboard.deletion.services import REASON_LENGTH
from taskboard.operations.forms import KINDS, MODELS

from .schemas import Id, OperationSchema, PageArgs, UtcDateTime, name, page_of

STATUSES = ("running", "done")
MODEL_NAMES = validate.OneOf([value for value, _ in MODELS if value])


class TrashArgs(PageArgs):
    class Meta:
        unknown = RAISE  # an unknown filter is 422, never silently ignored

    model = fields.String(
        validate=MODEL_NAMES, metadata={"description": "Only deletions of this kind of row"}
    )


class LogArgs(PageArgs):
    """The log's filters: those of the HTML page (kind, model, actor, project), plus status,
    ``mine`` and a time window (``since`` inclusive, ``until`` exclusive; naive means UTC; a
    window that ends before it starts holds nothing)."""

    class Meta:
        unknown = RAISE

    kind = fields.String(validate=validate.OneOf([value for value, _ in KINDS if value]))
    model = fields.String(validate=MODEL_NAMES)
    status = fields.String(validate=validate.OneOf(STATUSES))
    actor = name(40, metadata={"description": "A username"})
    mine = fields.Boolean(metadata={"description": "Only what the caller did"})
    project_id = Id()
    since = fields.DateTime()
    until = fields.DateTime()

    @post_load
    def _in_utc(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for key in ("since", "until"):
            if key in data:
                data[key] = naive_utc(data[key])
        return data


def naive_utc(value: datetime) -> datetime:
    """``value`` in UTC without its offset, as the database stores times; one that UTC cannot
    write (``0001-01-01T00:00+01:00``) is the first or last time there is, past which nothing
    was logged either way."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        offset = value.utcoffset()
        return datetime.min if offset is not None and offset > timedelta(0) else datetime.max


class RestoreBody(Schema):
    with_parents = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also restore the deletions this one's rows depend on (parents "
            "deleted separately), if you may restore them"
        },
    )


class PurgeBody(Schema):
    reason = name(
        REASON_LENGTH,
        required=True,
        error="Say why: purges are permanent.",
        metadata={"description": "Why, kept in the log"},
    )


class LoggedOperationSchema(OperationSchema):
    """An operation as the trash and the log show it: ``undo`` only on deletions."""

    undo = fields.String(
        allow_none=True,
        metadata={"description": "POST here to restore what was deleted (deletions only)"},
    )
    actor = fields.String(
        allow_none=True, metadata={"description": "Who ran it: a username, or the app's name"}
    )
    reason = fields.String(allow_none=True)
    ref_op = fields.Integer(
        allow_none=True, metadata={"description": "The deletion a restore or purge acted on"}
    )
    finished_at = UtcDateTime(allow_none=True)


class TrashEntrySchema(LoggedOperationSchema):
    samples = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "A few labels of what it holds, per kind of row"},
    )


class RestoredSchema(LoggedOperationSchema):
    """The restore operation, and those of the parents restored along (``with_parents``)."""

    parents = fields.List(fields.Nested(LoggedOperationSchema))


TrashPageSchema = page_of(TrashEntrySchema)
LogPageSchema = page_of(LoggedOperationSchema)
