"""The API's face of the scoped loaders: a row the caller cannot see, or that is in the
trash, is 404 (never leak existence); one they see but may not act on is 403."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.sql.base import ExecutableOption
from werkzeug.exceptions import NotFound

from taskboard.access import rows
from taskboard.models import Comment, Item, Project, Tag, User

from .auth import caller
from .problems import abort_problem

M = TypeVar("M", Project, Item, Comment, Tag, User)


def load(
    model: type[M],
    ident: int,
    allow: Callable[[User, Any], bool] | None = None,
    options: Sequence[ExecutableOption] = (),
) -> M:
    """The row for the caller, or 404 / 403; ``options`` load what ``allow`` (or the view)
    reads next in the same statement, not one lazy load each."""
    user = caller()
    try:
        row = rows.get_or_404(model, ident, user, *options)
    except (NotFound, rows.AlreadyDeleted):
        abort_problem(404, "Not Found", f"No {model.__name__.lower()} {ident} here.")
    if allow is not None and not allow(user, row):
        abort_problem(403, "Forbidden", "You may see this but not do that to it.")
    return row
