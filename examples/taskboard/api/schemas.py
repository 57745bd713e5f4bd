"""marshmallow schemas of the API: what the OpenAPI document shows and responses are."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields, validate
from wtforms.validators import DataRequired, InputRequired, Length

from taskboard.items.forms import ItemForm
from taskboard.models import Status
from taskboard.security import MAX_ID, parse_id

#: What ``str.strip()`` removes (``str.isspace``), as a regular expression's character class
#: written the same in Python's and ECMAScript's dialects (their ``\s`` differ).
SPACE = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Free text: anything but NUL, the one character no database column takes.
TEXT = r"^[^\x00]*$"
#: A name, a comment, a reason: free text that is not blank (whitespace only).
NAME = rf"^[{SPACE}]*[^\x00{SPACE}][^\x00]*$"


class Text(fields.String):
    """A string whose rules the OpenAPI document states (``pattern``, ``minLength``,
    ``maxLength``) and the server checks on the value as sent; with ``trim``, the view then gets
    it ``str.strip()``-ped, as the HTML forms do."""

    def __init__(
        self,
        *,
        pattern: str = TEXT,
        error: str = "NUL characters are not allowed.",
        trim: bool = False,
        **kwargs: Any,
    ) -> None:
        checks = list(kwargs.pop("validate", None) or [])
        super().__init__(validate=[*checks, validate.Regexp(pattern, error=error)], **kwargs)
        self.trim = trim

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kw: Any) -> Any:
        loaded = super().deserialize(value, attr, data, **kw)
        return loaded.strip() if self.trim and isinstance(loaded, str) else loaded


def text(*checks: Any, required: bool = False, **kwargs: Any) -> Text:
    """A :class:`Text` field with ``checks`` (marshmallow validators) besides."""
    return Text(required=required, validate=list(checks), **kwargs)


def name(longest: int, *, required: bool = False, **kwargs: Any) -> Text:
    """A name (or a comment's body, a filter's text): not blank, at most ``longest``
    characters as sent, trimmed."""
    kwargs.setdefault("pattern", NAME)
    kwargs.setdefault("error", "Must not be blank (nor hold NUL characters).")
    return text(validate.Length(min=1, max=longest), required=required, trim=True, **kwargs)


def like(form_field: Any, *, required: bool = False, **kwargs: Any) -> Text:
    """The field for the value the HTML form's ``form_field`` (unbound: ``ItemForm.name``)
    takes, declared in the document: its maximum length, and not blank when the form requires
    a value. The form's own rules then run on it (``writes.validated``): its length and
    pattern, after its trimming; what the document allows, the form accepts."""
    validators = form_field.kwargs.get("validators", ())
    longest = next(v.max for v in validators if isinstance(v, Length))
    if any(isinstance(v, DataRequired | InputRequired) for v in validators):
        return name(longest, required=required, **kwargs)
    return text(validate.Length(max=longest), required=required, trim=True, **kwargs)


class Integer(fields.Integer):
    """An integer as JSON writes one: no string, no boolean, no fraction (``1.5`` is not ``1``;
    ``2.0`` is ``2``, as JSON Schema counts). In a query string (a schema that sets
    ``IN_QUERY``) it is decimal ASCII digits, written as a URL writes an id: ``12``, never
    ``012``, ``+12`` nor full-width digits."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and getattr(self.root, "IN_QUERY", False):
            number = 0 if value == "0" else parse_id(value)
            if number is None:
                raise self.make_error("invalid")
            return number
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


ID = validate.Range(min=1, max=MAX_ID)


class Id(Integer):
    """A row's id: a positive integer that fits every database's INTEGER."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=ID, **kwargs)


class UtcDateTime(fields.DateTime):
    """Times are stored naive in UTC; the API says so (``...+00:00``), as RFC 3339 wants."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


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

    name = like(ItemForm.name, required=True)
    description = like(ItemForm.description)
    status = fields.String(validate=STATUSES)
    assignee_id = Id(allow_none=True)
    due = fields.Date(allow_none=True)
    tag_ids = fields.List(Id(), validate=validate.Length(max=100))


class ItemCreateSchema(ItemInputSchema):
    project_id = Id(required=True)


class QueryArgs(Schema):
    """Arguments of a query string (see :class:`Integer`)."""

    IN_QUERY = True


class DeleteArgs(QueryArgs):
    """A ``DELETE``'s query, as bench.http.handled parses it (the deletion API checks its
    own)."""

    confirm_token = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "The preview's confirm token: 409 if the plan changed."},
    )


class PageArgs(QueryArgs):
    page = Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = Integer(load_default=20, validate=validate.Range(min=1, max=100))


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
