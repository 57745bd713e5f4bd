"""marshmallow schemas of the API: what the OpenAPI document shows and responses are."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from taskboard.models import Status


def _printable(value: str) -> None:
    # NUL is the one character no database column takes (PostgreSQL refuses it outright).
    if "\x00" in value:
        raise ValidationError("NUL characters are not allowed.")


def text(*checks: Any, required: bool = False, **kwargs: Any) -> fields.String:
    """A string field that refuses NUL, with ``checks`` (marshmallow validators) besides."""
    return fields.String(required=required, validate=[_printable, *checks], **kwargs)


class UtcDateTime(fields.DateTime):
    """Times are stored naive in UTC; the API says so (``...+00:00``), as RFC 3339 wants."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


ID = validate.Range(min=1, max=2**31 - 1)
STATUSES = validate.OneOf([s.value for s in Status])


class ItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    description = fields.String()
    status = fields.String(validate=STATUSES)
    due = fields.Date(allow_none=True)
    project_id = fields.Integer()
    owner_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    tag_ids = fields.Method("_tag_ids", dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)

    def _tag_ids(self, item: Any) -> list[int]:
        return [tag.id for tag in item.tags]


class ItemInputSchema(Schema):
    """What a client sends to create (``POST``) or change (``PATCH``, any subset) an item."""

    name = text(validate.Length(min=1, max=200), required=True)
    description = text(validate.Length(max=10_000))
    status = fields.String(validate=STATUSES)
    assignee_id = fields.Integer(allow_none=True, validate=ID)
    due = fields.Date(allow_none=True)
    tag_ids = fields.List(fields.Integer(validate=ID), validate=validate.Length(max=100))


class ItemCreateSchema(ItemInputSchema):
    project_id = fields.Integer(required=True, validate=ID)


class DeleteArgs(Schema):
    confirm_token = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "The preview's confirm token: 409 if the plan changed."},
    )


class OperationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    root_model = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    created_at = UtcDateTime()
    undo = fields.String(metadata={"description": "POST here to restore what was deleted"})
    expires_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the trash may purge it for good"}
    )


class PreviewSchema(Schema):
    mode = fields.String()
    model = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    samples = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()))
    blockers = fields.List(fields.Dict())
    blocker_count = fields.Integer()
    effects = fields.Dict(keys=fields.String(), values=fields.Integer())
    token = fields.String(metadata={"description": "Send back as confirm_token on DELETE"})


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ProjectSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    description = fields.String()
    owner_id = fields.Integer()
    created_at = UtcDateTime()


class CommentSchema(Schema):
    id = fields.Integer(dump_only=True)
    body = fields.String()
    item_id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


class TagSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    project_id = fields.Integer()


def page_of(schema: type[Schema]) -> type[Schema]:
    """The schema of one page of ``schema`` rows."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=schema.__name__.removesuffix("Schema") + "Page",
    )


class ProblemSchema(Schema):
    """RFC 9457 problem details; extension members (``errors``, ``code``, ``reasons``,
    ``blockers``, ``conflicts``, ``cap``...) come alongside."""

    class Meta:
        unknown = INCLUDE  # documented as open: additionalProperties

    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String(metadata={"description": "What happened, for programs"})
    errors = fields.Dict(metadata={"description": "422: {location: {field: [messages]}}"})
    reasons = fields.List(fields.String(), metadata={"description": "Every reason, in words"})
