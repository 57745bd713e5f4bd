"""``/api/items``: list, read (with an ETag), preview a deletion, delete."""

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from taskboard.access.permissions import may_delete_item, may_edit_item
from taskboard.extensions import db
from taskboard.items import services
from taskboard.models import Item

from . import bulk, deleting, item_writes
from .access import load
from .auth import authenticate, caller
from .idempotency import idempotent
from .paging import paged
from .schemas import (
    BulkDeleteSchema,
    DeleteArgs,
    ItemCreateSchema,
    ItemInputSchema,
    ItemListArgs,
    ItemPageSchema,
    ItemSchema,
    OperationSchema,
    PreviewSchema,
)

blp = Blueprint("api_items", __name__, url_prefix="/api/items", description="Work items")
blp.before_request(authenticate)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
ITEM = "<id:item_id>"
ITEM_SCHEMA = ItemSchema()  # stateless: one instance serves every request
WITH_PROJECT = (joinedload(Item.project),)  # what may_delete_item reads, in the same statement


@blp.route("")
class Items(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(ItemListArgs, location="query")
    @blp.response(200, ItemPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The items the caller can see, filtered, newest first, one page."""
        wanted = services.ItemFilter(
            q=args.get("q", ""),
            project_id=args.get("project_id"),
            status=args.get("status", ""),
            assignee=args.get("assignee", ""),
            tag=args.get("tag", ""),
        )
        query = services.matching(caller(), wanted).order_by(Item.id.desc())
        # The page's tags in one more statement, not one lazy load per row for ``tag_ids``.
        return paged(query.options(selectinload(Item.tags)), args)

    @blp.doc(security=SECURITY)
    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemSchema)
    def post(self, data: dict[str, Any]) -> Item:
        """Create an item in a project the caller is on."""
        item = item_writes.create(data)
        db.session.commit()
        return item


@blp.route(f"/{ITEM}")
class ItemResource(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, ItemSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, item_id: int) -> tuple[Item, int, dict[str, str]]:
        """One item, with the ETag to send back as If-Match."""
        item = load(Item, item_id)
        return item, 200, {"ETag": f'"{deleting.etag_of(ITEM_SCHEMA.dump(item))}"'}

    @blp.doc(security=SECURITY)
    @blp.arguments(ItemInputSchema(partial=True))
    @blp.response(200, ItemSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def patch(self, data: dict[str, Any], item_id: int) -> tuple[Item, int, dict[str, str]]:
        """Change some of an item's fields (If-Match honoured, as for DELETE)."""
        item = load(Item, item_id, allow=may_edit_item)
        deleting.check_if_match(lambda: deleting.etag_of(ITEM_SCHEMA.dump(item)))
        item_writes.update(item, data)
        db.session.commit()
        return item, 200, {"ETag": f'"{deleting.etag_of(ITEM_SCHEMA.dump(item))}"'}

    @blp.doc(security=SECURITY)
    @blp.arguments(DeleteArgs, location="query")
    @blp.response(204)
    @blp.alt_response(200, schema=OperationSchema, description="With Prefer: return=representation")
    def delete(self, args: dict[str, Any], item_id: int) -> Response:
        """Move the item (and its comments) to the trash."""
        item = load(Item, item_id, allow=may_delete_item, options=WITH_PROJECT)
        # Serialised (tags and all) only when If-Match asks for the ETag.
        return deleting.delete_row(
            item, lambda: ITEM_SCHEMA.dump(item), args.get("confirm_token", "")
        )


@blp.route(f"/{ITEM}/deletion-preview")
@blp.doc(security=SECURITY)
@blp.response(200, PreviewSchema)
def preview(item_id: int) -> dict[str, Any]:
    """What deleting the item would take along, what blocks it, and the confirm token."""
    return deleting.preview_row(load(Item, item_id, allow=may_delete_item, options=WITH_PROJECT))


@blp.route("/bulk-delete", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(BulkDeleteSchema)
@blp.response(200, OperationSchema)
def bulk_delete(body: dict[str, Any]) -> Response:
    """Delete the listed items, or every item matching the filter (with expected_count), as
    one operation: all or nothing. Send an Idempotency-Key to make retries safe."""
    return idempotent(body, lambda: bulk.delete_items(body))
