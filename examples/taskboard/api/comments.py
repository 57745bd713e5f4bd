"""``/api/comments``: list, create, read, change, delete, deletion-preview, bulk delete.

Anyone who sees an item comments on it; a comment's author (or an admin) edits it; the author
or the project's owner deletes it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from taskboard.access import rows
from taskboard.access.permissions import may_edit_comment
from taskboard.comments import services
from taskboard.comments.forms import CommentForm
from taskboard.models import Comment, Item, User

from .resource_schemas import CommentCreateSchema, CommentFilterSchema, CommentInputSchema
from .resources import Resource, add_routes, blueprint, narrowed
from .schemas import CommentSchema
from .writes import checked, parent

blp = blueprint("comments", "Comments on items")


def matching(user: User, wanted: dict[str, Any]) -> Select[Comment]:
    equal = {"item_id": Comment.item_id, "author_id": Comment.author_id}
    return narrowed(rows.scoped(Comment, user), wanted, equal, {"q": Comment.body})


def create(user: User, data: dict[str, Any]) -> Comment:
    return services.add(
        parent(Item, data, "item_id"), user, checked(CommentForm, "body", data["body"])
    )


def update(comment: Comment, data: dict[str, Any]) -> Comment:
    body = checked(CommentForm, "body", data.get("body", comment.body))
    return services.edit(comment, body)


add_routes(
    blp,
    Resource(
        model=Comment,
        schema=CommentSchema,
        filter_schema=CommentFilterSchema,
        matching=matching,
        order=(Comment.id,),
        create_schema=CommentCreateSchema,
        update_schema=CommentInputSchema,
        create=create,
        update=update,
        may_edit=may_edit_comment,
        # What may_delete_comment reads of someone else's comment, in the same statement.
        delete_options=(joinedload(Comment.item).joinedload(Item.project),),
    ),
)
