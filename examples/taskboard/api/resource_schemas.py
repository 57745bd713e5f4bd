"""Schemas of what clients send for projects, comments and tags: bodies to create and change
them, and the filter grammar their lists and bulk deletes share.

Bodies give the shape (fields, types, required); lengths, patterns and trimming are the HTML
forms' own rules, applied to the same values (``writes.validated``), so they live in one place.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import ID, BulkDeleteSchema, PageArgs, text


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


def list_args_of(filter_schema: type[Schema]) -> type[Schema]:
    """A list's query arguments: a page, and the resource's filter."""
    name = filter_schema.__name__.removesuffix("FilterSchema") + "ListArgs"
    return type(name, (PageArgs, filter_schema), {})


def bulk_delete_of(filter_schema: type[Schema]) -> type[Schema]:
    """The body of ``POST .../bulk-delete``: the items' own, with the resource's filter."""
    name = filter_schema.__name__.removesuffix("FilterSchema") + "BulkDeleteSchema"
    return type(name, (BulkDeleteSchema,), {"filter": fields.Nested(filter_schema)})
