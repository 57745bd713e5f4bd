"""Schemas of the trash and the operations log: their filters (allow-listed: anything else is
422), restore and purge bodies, and operations as the log shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from taskboard.deletion.services import REASON_LENGTH
from taskboard.operations.forms import KINDS, MODELS

from .schemas import ID, OperationSchema, PageArgs, UtcDateTime, page_of, text

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
    ``mine`` and a time window (``since`` inclusive, ``until`` exclusive; naive means UTC)."""

    class Meta:
        unknown = RAISE

    kind = fields.String(validate=validate.OneOf([value for value, _ in KINDS if value]))
    model = fields.String(validate=MODEL_NAMES)
    status = fields.String(validate=validate.OneOf(STATUSES))
    actor = text(validate.Length(min=1, max=40), metadata={"description": "A username"})
    mine = fields.Boolean(metadata={"description": "Only what the caller did"})
    project_id = fields.Integer(validate=ID)
    since = fields.DateTime()
    until = fields.DateTime()

    @post_load
    def _in_utc(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for key in ("since", "until"):
            if key in data:
                data[key] = naive_utc(data[key], key)
        return data

    @validates_schema
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and naive_utc(since) > naive_utc(until):
            raise ValidationError("since must not be after until.", "until")


def naive_utc(value: datetime, field: str = "since") -> datetime:
    """``value`` in UTC without its offset, as the database stores times."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValidationError("Out of range.", field) from None


class RestoreBody(Schema):
    with_parents = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also restore the deletions this one's rows depend on (parents "
            "deleted separately), if you may restore them"
        },
    )


class PurgeBody(Schema):
    reason = text(
        validate.Length(min=1, max=REASON_LENGTH),
        validate.Regexp(r"\S", error="Say why: purges are permanent."),
        required=True,
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
