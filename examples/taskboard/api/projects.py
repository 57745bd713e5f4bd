"""``/api/projects``: list, read, delete, deletion-preview."""

from __future__ import annotations

# mypy: disable-error-code="untyped-decorator"
from typing import Any

from taskboard.access.permissions import may_manage_project
from taskboard.models import Project
from taskboard.projects import services

from .auth import caller
from .paging import paged
from .resources import SECURITY, add_row_routes, blueprint
from .schemas import ProjectListArgs, ProjectSchema, page_of

blp = blueprint("projects", "Projects: deleting one takes its items, comments and tags along")


@blp.route("")
@blp.doc(security=SECURITY)
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, page_of(ProjectSchema))
def projects(args: dict[str, Any]) -> dict[str, Any]:
    """The projects the caller owns or is on, by name."""
    wanted = services.ProjectFilter(q=args.get("q", ""))
    return paged(services.listing(caller(), wanted).order_by(None).order_by(Project.id), args)


add_row_routes(blp, Project, ProjectSchema, may_manage_project)
