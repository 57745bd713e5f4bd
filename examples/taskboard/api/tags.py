"""``/api/tags``: list, read, delete, deletion-preview."""

from __future__ import annotations

# mypy: disable-error-code="untyped-decorator"
from typing import Any

from taskboard.access.permissions import may_manage_tag
from taskboard.access.rows import scoped
from taskboard.models import Tag

from .auth import caller
from .paging import paged
from .resources import SECURITY, add_row_routes, blueprint
from .schemas import TagListArgs, TagSchema, page_of

blp = blueprint("tags", "Project tags: deleting one detaches it from its items")


@blp.route("")
@blp.doc(security=SECURITY)
@blp.arguments(TagListArgs, location="query")
@blp.response(200, page_of(TagSchema))
def tags(args: dict[str, Any]) -> dict[str, Any]:
    """The tags of the projects the caller can see, by name."""
    query = scoped(Tag, caller())
    if "project_id" in args:
        query = query.where(Tag.project_id == args["project_id"])
    return paged(query.order_by(Tag.name, Tag.id), args)


add_row_routes(blp, Tag, TagSchema, may_manage_tag)
