"""Tags: list with usage, add, rename; names unique among a project's live tags."""

from __future__ import annotations

from typing import Any

from flask import Flask
from taskboard_support import World, live, text_of

from taskboard.models import Tag


def test_list_add_and_rename(app: Flask, browser: Any, world: World) -> None:
    max_ = browser("max")
    page = text_of(max_.get(f"/projects/{world.alpha}/tags"))
    assert "bug 1" in page
    added = max_.post(f"/projects/{world.alpha}/tags", {"name": " UX "})
    assert added.status_code == 303
    assert "Added tag “ux”." in text_of(max_.get(f"/projects/{world.alpha}/tags"))
    renamed = max_.post(f"/tags/{world.alpha_tag}/edit", {"name": "defect"})
    assert renamed.status_code == 303
    assert live(app, Tag, world.alpha_tag).name == "defect"


def test_names_are_unique_per_project(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    duplicate = mia.post(f"/projects/{world.alpha}/tags", {"name": "bug"})
    assert duplicate.status_code == 422
    assert "This project already has a tag “bug”." in text_of(duplicate)
    assert mia.post(f"/projects/{world.alpha}/tags", {"name": "feature"}).status_code == 303
    rename = mia.post(f"/tags/{world.alpha_tag}/edit", {"name": "feature"})
    assert rename.status_code == 422
    invalid = mia.post(f"/projects/{world.alpha}/tags", {"name": "<b>"})
    assert invalid.status_code == 422


def test_a_deleted_tags_name_can_be_used_again(app: Flask, browser: Any, world: World) -> None:
    mia = browser("mia")
    assert mia.confirm(f"/tags/{world.alpha_tag}/delete").status_code == 303
    assert mia.post(f"/projects/{world.alpha}/tags", {"name": "bug"}).status_code == 303
