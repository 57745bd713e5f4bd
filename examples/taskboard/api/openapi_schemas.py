"""What marshmallow cannot say about a body, said in the OpenAPI document: a schema class's
``OPENAPI`` mapping (JSON Schema keywords such as ``oneOf``) joins its component (an apispec
plugin). The views check the same rules (``bulk.selected`` for the bulk delete's)."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin


class SchemaExtrasPlugin(BasePlugin):
    """Adds a schema's ``OPENAPI`` keywords to its component as it is registered."""

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any] | None:
        extra = getattr(kwargs.get("schema"), "OPENAPI", None)
        return dict(extra) if extra else None
