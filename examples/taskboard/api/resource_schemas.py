"""Schemas of what clients send: bodies to create and change projects, comments and tags, and
the filter grammar each resource's list and bulk delete share (items' too).

Bodies give the shape (fields, types, required); lengths, patterns and trimming are the HTML
forms' own rules, applied to the same values (``writes.validated``), so they live in one place.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from taskboard.comments.forms import CommentForm
from taskboard.projects.forms import ProjectForm
from taskboard.tags.forms import TagForm

from .schemas import SPACE, STATUSES, Id, PageArgs, like, name, text

#: The tag form's pattern (``^\w[\w .+#-]*$``, after trimming and lowering), on the value as
#: sent: around it, whatever trimming removes; and without İ (U+0130), the one word character
#: whose lower case is two characters (an ``i`` and a combining dot, not a word character).
TAG_NAME = rf"^(?![^\u0130]*\u0130)[{SPACE}]*\w(?:[\w .+#-]*[\w.+#-])?[{SPACE}]*$"
TAG_CHARACTERS = "Letters, digits, spaces and . + # - only."


# -- bodies ------------------------------------------------------------------------------------
class ProjectInputSchema(Schema):
    """``PATCH`` a project: any subset of these."""

    name = like(ProjectForm.name, required=True)
    description = like(ProjectForm.description)


class ProjectCreateSchema(ProjectInputSchema):
    """``POST`` a project (you own it): ``name`` required."""


class CommentInputSchema(Schema):
    """``PATCH`` a comment: its body (a comment stays on its item)."""

    body = like(CommentForm.body, required=True)


class CommentCreateSchema(CommentInputSchema):
    item_id = Id(required=True)


class TagInputSchema(Schema):
    """``PATCH`` a tag: rename it (a tag stays in its project)."""

    name = like(
        TagForm.name,
        required=True,
        pattern=TAG_NAME,
        error=TAG_CHARACTERS,
        metadata={"description": "Unique among the project's tags; stored in lower case"},
    )


class TagCreateSchema(TagInputSchema):
    project_id = Id(required=True)


# -- filters: an allow-list of fields, equality only (``q``: a substring) -------------------------
# Their text is trimmed. A text that narrows nothing (blank) is refused, but for the items
# list's ``q`` and ``tag``, where it means no filter (as on the HTML page): a bulk delete by
# filter (taskboard.api.deletion) refuses it there too, since it never means everything.
class ProjectFilterSchema(Schema):
    q = name(200, metadata={"description": "In the name"})
    role = fields.String(validate=validate.OneOf(["owner", "member"]))


class CommentFilterSchema(Schema):
    item_id = Id()
    author_id = Id()
    q = name(200, metadata={"description": "In the body"})


class TagFilterSchema(Schema):
    project_id = Id()
    name = name(40)


class ItemFilterSchema(Schema):
    """An empty (or blank) ``q`` or ``tag`` narrows nothing: the list takes it as no filter."""

    project_id = Id()
    status = fields.String(validate=STATUSES)
    q = text(validate.Length(max=200), trim=True, metadata={"description": "In the name"})
    assignee = fields.String(validate=validate.OneOf(["me", "none"]))
    tag = text(validate.Length(max=40), trim=True, metadata={"description": "A tag's name"})


def list_args_of(filter_schema: type[Schema]) -> type[Schema]:
    """A list's query arguments: a page, and the resource's filter."""
    title = filter_schema.__name__.removesuffix("FilterSchema") + "ListArgs"
    return type(title, (PageArgs, filter_schema), {})
