"""``/api/tags``: list, create, read, rename, delete, deletion-preview, bulk delete.

Tags are the team's shared labels: anyone on a project manages its tags. Names are unique
among a project's live tags: a taken name is ``409``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from taskboard.access import rows
from taskboard.access.permissions import may_manage_tag
from taskboard.models import Project, Tag, User
from taskboard.tags import services
from taskboard.tags.forms import TagForm

from .resource_schemas import TagCreateSchema, TagFilterSchema, TagInputSchema
from .resources import Resource, add_routes, blueprint, narrowed
from .schemas import TagSchema
from .writes import checked, conflict, parent

blp = blueprint("tags", "Project tags: deleting one detaches it from its items")


def matching(user: User, wanted: dict[str, Any]) -> Select[Tag]:
    equal = {"project_id": Tag.project_id, "name": Tag.name}
    return narrowed(rows.scoped(Tag, user), wanted, equal)


def create(user: User, data: dict[str, Any]) -> Tag:
    project = parent(Project, data, "project_id")
    name = checked(TagForm, "name", data["name"])
    try:
        return services.create(project, name)
    except services.TagError as error:
        conflict("name", error.message)


def update(tag: Tag, data: dict[str, Any]) -> Tag:
    name = checked(TagForm, "name", data.get("name", tag.name))
    try:
        return services.rename(tag, name)
    except services.TagError as error:
        conflict("name", error.message)


add_routes(
    blp,
    Resource(
        model=Tag,
        schema=TagSchema,
        filter_schema=TagFilterSchema,
        matching=matching,
        order=(Tag.name, Tag.id),
        create_schema=TagCreateSchema,
        update_schema=TagInputSchema,
        create=create,
        update=update,
        may_edit=may_manage_tag,
    ),
)
