"""What a user may change or delete among the rows they can see.

Admins may do everything. Members: a project's owner manages the project, its items,
comments and tags; any member of a project edits its items and manages its tags; an item's
owner deletes the item; a comment's author edits and deletes the comment.

:func:`deletable_rows` states the delete rules as SQL criteria for the engine, which checks
them set-based over every row an operation reaches (a cascade included): a member deleting
an item with someone else's comments on it is fine (they go with the item), a member bulk
deleting other people's items in a project they do not own is refused, row by row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select

from taskboard.models import Comment, Item, Project, Role, Tag, User, project_member


def _owned_projects(user_id: int) -> Select[int]:
    return select(Project.id).where(Project.owner_id == user_id)


def _member_projects(user_id: int) -> Select[int]:
    member_of = select(project_member.c.project_id).where(project_member.c.user_id == user_id)
    return select(Project.id).where(or_(Project.owner_id == user_id, Project.id.in_(member_of)))


def may_manage_project(user: User, project: Project) -> bool:
    return user.is_admin or project.owner_id == user.id


def may_edit_item(user: User, item: Item) -> bool:
    # Anyone who can see an item is on its team and may edit it.
    return True


def may_delete_item(user: User, item: Item) -> bool:
    return user.is_admin or user.id in (item.owner_id, item.project.owner_id)


def may_edit_comment(user: User, comment: Comment) -> bool:
    return user.is_admin or comment.author_id == user.id


def may_delete_comment(user: User, comment: Comment) -> bool:
    return may_edit_comment(user, comment) or comment.item.project.owner_id == user.id


def may_manage_tag(user: User, tag: Tag) -> bool:
    return True  # tags are the team's shared labels


def may_delete_user(user: User, target: User) -> bool:
    return user.is_admin or user.id == target.id


def _deletable(user_id: int, model: type) -> ColumnElement[bool] | None:
    owned = _owned_projects(user_id)
    if model is Project:
        return Project.owner_id == user_id
    if model is Item:
        return or_(Item.owner_id == user_id, Item.project_id.in_(owned))
    if model is Comment:
        in_owned = select(Item.id).where(Item.project_id.in_(owned))
        return or_(Comment.author_id == user_id, Comment.item_id.in_(in_owned))
    if model is Tag:
        return Tag.project_id.in_(_member_projects(user_id))
    if model is User:
        return User.id == user_id
    return false()


def deletable_rows(actor: Any, model: type) -> ColumnElement[bool] | None:
    """The engine's permission hook: the rows of ``model`` that ``actor`` may delete.

    ``actor`` is a :class:`User` (previews) or its recorded form ``"user:<id>"`` (deletes).
    Anything else is the application itself (the CLI, the demo loader): unrestricted.
    """
    principal = _principal(actor)
    if principal is None:
        return None
    user_id, role = principal
    if role == Role.ADMIN.value:
        return None
    return _deletable(user_id, model)


def _principal(actor: Any) -> tuple[int, str] | None:
    if isinstance(actor, User):
        return actor.id, actor.role
    if isinstance(actor, str) and actor.startswith("user:"):
        try:
            user_id = int(actor.removeprefix("user:"))
        except ValueError:
            return (0, Role.MEMBER.value)
        from taskboard.extensions import db

        # A column select, not an entity load: the actor may be deleting their own account,
        # and is then already stamped when the engine checks this.
        role = db.session.execute(
            select(User.role).where(User.id == user_id),
            execution_options={"include_deleted": True},
        ).scalar_one_or_none()
        return (user_id, role or Role.MEMBER.value)
    return None
