"""Tags: create and rename, names unique among a project's live tags. Never commits."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from taskboard.extensions import db
from taskboard.models import Project, Tag, item_tag
from taskboard.models.item import Item


class TagError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def listing(project: Project) -> Select[Tag]:
    return select(Tag).where(Tag.project_id == project.id).order_by(Tag.name)


def usage(tag_ids: list[int]) -> dict[int, int]:
    """Live items per tag, in one query."""
    if not tag_ids:
        return {}
    query = (
        select(item_tag.c.tag_id, func.count())
        .join(Item, Item.id == item_tag.c.item_id)
        .where(item_tag.c.tag_id.in_(tag_ids))
        .group_by(item_tag.c.tag_id)
    )
    return {int(t): int(n) for t, n in db.session.execute(query)}


def _check_free(project_id: int, name: str, but: int | None = None) -> None:
    query = select(Tag.id).where(Tag.project_id == project_id, Tag.name == name)
    if but is not None:
        query = query.where(Tag.id != but)
    if db.session.scalar(query) is not None:
        raise TagError(f"This project already has a tag “{name}”.")


def create(project: Project, name: str) -> Tag:
    _check_free(project.id, name)
    tag = Tag(project=project, name=name)
    db.session.add(tag)
    db.session.flush()
    return tag


def rename(tag: Tag, name: str) -> Tag:
    _check_free(tag.project_id, name, but=tag.id)
    tag.name = name
    db.session.flush()
    return tag
