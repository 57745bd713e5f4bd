"""``GET /api/trash``: the deletions the caller may still restore (the HTML trash's scope)."""

from __future__ import annotations

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"
from typing import Any

from taskboard.trash import services

from .auth import caller
from .logbook import represent_all
from .operation_schemas import TrashArgs, TrashPageSchema
from .paging import paged
from .resources import SECURITY, blueprint

blp = blueprint("trash", "The trash: deletions the caller may still restore")


@blp.route("")
@blp.doc(security=SECURITY)
@blp.arguments(TrashArgs, location="query", unknown=None)
@blp.response(200, TrashPageSchema)
def trash(args: dict[str, Any]) -> dict[str, Any]:
    """The deletions still in the trash that the caller may restore, newest first, with a
    few labels of what each holds."""
    found = paged(services.listing(caller(), args.get("model", "")), args)
    samples = services.holdings(found["items"])
    entries = [entry | {"samples": samples[entry["id"]]} for entry in represent_all(found["items"])]
    return found | {"items": entries}
