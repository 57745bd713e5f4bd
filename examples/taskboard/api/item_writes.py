"""Creating and changing items from API input, through the items' own services."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from taskboard.items import services
from taskboard.items.forms import ItemForm
from taskboard.models import Item, Project, Status, User

from .writes import checked, invalid, parent

FIELDS = {"assignee": "assignee_id", "tags": "tag_ids"}  # {service's field: API field}


def create(user: User, data: dict[str, Any]) -> Item:
    project = parent(Project, data, "project_id")
    try:
        return services.create(project, user, _input(data, services.ItemInput(name="")))
    except services.ItemError as error:
        invalid(_fields(error))


def update(item: Item, data: dict[str, Any]) -> Item:
    current = services.ItemInput(
        name=item.name,
        description=item.description,
        status=item.status,
        assignee_id=item.assignee_id,
        due=item.due,
        tag_ids=tuple(tag.id for tag in item.tags),
    )
    try:
        return services.update(item, _input(data, current))
    except services.ItemError as error:
        invalid(_fields(error))


def _input(data: dict[str, Any], base: services.ItemInput) -> services.ItemInput:
    changes = {k: v for k, v in data.items() if k != "project_id"}
    if "tag_ids" in changes:
        changes["tag_ids"] = tuple(changes["tag_ids"])
    if changes.get("description") is None:
        changes.pop("description", None)
    for field in ("name", "description"):  # the item form's rules: trimmed, not blank...
        if field in changes:
            changes[field] = checked(ItemForm, field, changes[field]) or ""
    changes.setdefault("status", base.status or Status.OPEN.value)
    return replace(base, **changes)


def _fields(error: services.ItemError) -> dict[str, list[str]]:
    return {FIELDS.get(name, name): [message] for name, message in error.fields.items()}
