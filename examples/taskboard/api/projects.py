"""``/api/projects``: list, create, read, change, delete, deletion-preview, bulk delete.

Anyone creates a project (and owns it); its owner (or an admin) changes and deletes it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from taskboard.access.permissions import may_manage_project
from taskboard.models import Project, User
from taskboard.projects import services
from taskboard.projects.forms import ProjectForm

from .resource_schemas import ProjectCreateSchema, ProjectFilterSchema, ProjectInputSchema
from .resources import Resource, add_routes, blueprint
from .schemas import ProjectSchema
from .writes import validated

blp = blueprint("projects", "Projects: deleting one takes its items, comments and tags along")


def matching(user: User, wanted: dict[str, Any]) -> Select[Project]:
    return services.listing(user, services.ProjectFilter(**wanted)).order_by(None)


def create(user: User, data: dict[str, Any]) -> Project:
    return services.create(user, _input(data))


def update(project: Project, data: dict[str, Any]) -> Project:
    current = {"name": project.name, "description": project.description}
    return services.update(project, _input(current | data))


def _input(values: dict[str, Any]) -> services.ProjectInput:
    form = validated(ProjectForm, {"description": ""} | values)
    return services.ProjectInput(name=form["name"].data, description=form["description"].data)


add_routes(
    blp,
    Resource(
        model=Project,
        schema=ProjectSchema,
        filter_schema=ProjectFilterSchema,
        matching=matching,
        order=(Project.id,),
        create_schema=ProjectCreateSchema,
        update_schema=ProjectInputSchema,
        create=create,
        update=update,
        may_edit=may_manage_project,
    ),
)
