"""``/api/comments``: list, read, delete, deletion-preview."""

from __future__ import annotations

# mypy: disable-error-code="untyped-decorator"
from typing import Any

from taskboard.access.permissions import may_delete_comment
from taskboard.access.rows import scoped
from taskboard.models import Comment

from .auth import caller
from .paging import paged
from .resources import SECURITY, add_row_routes, blueprint
from .schemas import CommentListArgs, CommentSchema, page_of

blp = blueprint("comments", "Comments on items")


@blp.route("")
@blp.doc(security=SECURITY)
@blp.arguments(CommentListArgs, location="query")
@blp.response(200, page_of(CommentSchema))
def comments(args: dict[str, Any]) -> dict[str, Any]:
    """The comments on items the caller can see, oldest first."""
    query = scoped(Comment, caller())
    if "item_id" in args:
        query = query.where(Comment.item_id == args["item_id"])
    return paged(query.order_by(Comment.id), args)


add_row_routes(blp, Comment, CommentSchema, may_delete_comment)
