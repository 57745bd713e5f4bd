"""``/api/items``: list, create, read, change, delete, deletion-preview, bulk delete.

Anyone on a project creates and edits its items (``item_writes``: the items' own services);
an item's owner, the project's owner (or an admin) deletes it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload

from taskboard.access.permissions import may_edit_item
from taskboard.items import services
from taskboard.models import Item, User

from . import item_writes
from .resource_schemas import ItemFilterSchema
from .resources import Resource, add_routes, blueprint
from .schemas import ItemCreateSchema, ItemInputSchema, ItemSchema

blp = blueprint("items", "Work items")


def matching(user: User, wanted: dict[str, Any]) -> Select[Item]:
    return services.matching(user, services.ItemFilter(**wanted))


# Named: bench.http.handled loads an item to delete as this DELETE does.
ITEMS = Resource(
    model=Item,
    schema=ItemSchema,
    filter_schema=ItemFilterSchema,
    matching=matching,
    order=(Item.id.desc(),),  # newest first
    create_schema=ItemCreateSchema,
    update_schema=ItemInputSchema,
    create=item_writes.create,
    update=item_writes.update,
    may_edit=may_edit_item,
    list_options=(selectinload(Item.tags),),  # a page's tag_ids: one statement
    delete_options=(joinedload(Item.project),),  # what may_delete_item reads
)
add_routes(blp, ITEMS)
