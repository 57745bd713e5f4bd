"""Tag routes: a project's tag list, rename, delete."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask.typing import ResponseReturnValue

from taskboard.access.decorators import load
from taskboard.access.permissions import may_manage_tag
from taskboard.extensions import db
from taskboard.models import Project, Tag
from taskboard.typed import login_required
from taskboard.ui import redirect_to

from . import services
from .forms import TagForm

bp = Blueprint("tags", __name__)


@bp.route("/projects/<id:project_id>/tags", methods=["GET", "POST"])
@login_required
@load(Project)
def index(project: Project) -> ResponseReturnValue:
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = services.create(project, form.name.data or "")
        except services.TagError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, error.message]
        else:
            db.session.commit()
            flash(f"Added tag “{tag.name}”.", "success")
            return redirect_to(url_for("tags.index", project_id=project.id))
    tags = list(db.session.scalars(services.listing(project)))
    return render_template(
        "tags/index.html",
        project=project,
        tags=tags,
        usage=services.usage([t.id for t in tags]),
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/tags/<id:tag_id>/edit", methods=["GET", "POST"])
@login_required
@load(Tag, allow=may_manage_tag)
def edit(tag: Tag) -> ResponseReturnValue:
    form = TagForm(obj=tag)
    if form.validate_on_submit():
        try:
            services.rename(tag, form.name.data or "")
        except services.TagError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, error.message]
        else:
            db.session.commit()
            flash("Tag renamed.", "success")
            return redirect_to(url_for("tags.index", project_id=tag.project_id))
    return render_template("tags/edit.html", form=form, tag=tag), (422 if form.errors else 200)
