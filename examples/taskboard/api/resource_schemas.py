"""Schemas of what clients send: bodies to create and change projects, comments and tags, and
the filter grammar each resource's list and bulk delete share (items' too).

Bodies give the shape (fields, types, required); lengths, patterns and trimming are the HTML
forms' own rules, applied to the same values (``writes.validated``), so they live in one place.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .schemas import ID, STATUSES, PageArgs, text


# -- bodies ------------------------------------------------------------------------------------
class ProjectInputSchema(Schema):
    """``PATCH`` a project: any subset of these."""

    name = text(required=True)
    description = text()


class ProjectCreateSchema(ProjectInputSchema):
    """``POST`` a project (you own it): ``name`` required."""


class CommentInputSchema(Schema):
    """``PATCH`` a comment: its body (a comment stays on its item)."""

    body = text(required=True)


class CommentCreateSchema(CommentInputSchema):
    item_id = fields.Integer(required=True, validate=ID)


class TagInputSchema(Schema):
    """``PATCH`` a tag: rename it (a tag stays in its project)."""

    name = text(required=True, metadata={"description": "Unique among the project's tags"})


class TagCreateSchema(TagInputSchema):
    project_id = fields.Integer(required=True, validate=ID)


# -- filters: an allow-list of fields, equality only (``q``: a substring) -------------------------
class ProjectFilterSchema(Schema):
    q = text(validate.Length(min=1, max=200), metadata={"description": "In the name"})
    role = fields.String(validate=validate.OneOf(["owner", "member"]))


class CommentFilterSchema(Schema):
    item_id = fields.Integer(validate=ID)
    author_id = fields.Integer(validate=ID)
    q = text(validate.Length(min=1, max=200), metadata={"description": "In the body"})


class TagFilterSchema(Schema):
    project_id = fields.Integer(validate=ID)
    name = text(validate.Length(min=1, max=40))


class ItemFilterSchema(Schema):
    """An empty ``q`` or ``tag`` narrows nothing: the list takes it as no filter, a bulk delete
    refuses it (:class:`BulkDeleteSchema`)."""

    project_id = fields.Integer(validate=ID)
    status = fields.String(validate=STATUSES)
    q = text(validate.Length(max=200), metadata={"description": "In the name"})
    assignee = fields.String(validate=validate.OneOf(["me", "none"]))
    tag = text(validate.Length(max=40), metadata={"description": "A tag's name"})


class BulkDeleteSchema(Schema):
    """The body of ``POST .../bulk-delete``; :func:`bulk_delete_of` adds the ``filter``."""

    ids = fields.List(fields.Integer(validate=ID), validate=validate.Length(min=1, max=10_000))
    expected_count = fields.Integer(validate=validate.Range(min=0))
    confirm_token = fields.String(validate=validate.Length(max=200))

    @validates_schema
    def _every_filter_field_narrows(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Items' ``q`` and ``tag`` take an empty text (the list: no filter); the other
        # filters' text fields refuse it themselves (Length(min=1)).
        empty = [name for name, value in data.get("filter", {}).items() if value == ""]
        if empty:
            message = "Empty: it would narrow nothing (a bulk delete never means everything)."
            raise ValidationError({"filter": {name: [message] for name in empty}})


def list_args_of(filter_schema: type[Schema]) -> type[Schema]:
    """A list's query arguments: a page, and the resource's filter."""
    name = filter_schema.__name__.removesuffix("FilterSchema") + "ListArgs"
    return type(name, (PageArgs, filter_schema), {})


def bulk_delete_of(filter_schema: type[Schema]) -> type[Schema]:
    """The body of ``POST .../bulk-delete``, with the resource's filter."""
    name = filter_schema.__name__.removesuffix("FilterSchema") + "BulkDeleteSchema"
    return type(name, (BulkDeleteSchema,), {"filter": fields.Nested(filter_schema)})
