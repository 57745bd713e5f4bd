"""Item pages, and bulk deletion from the list."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from taskboard.access.current import me
from taskboard.access.decorators import load
from taskboard.access.permissions import may_delete_comment, may_delete_item, may_edit_comment
from taskboard.comments.forms import CommentForm
from taskboard.extensions import db
from taskboard.models import Item, Project
from taskboard.typed import login_required
from taskboard.ui import paginate, redirect_to

from . import services
from .forms import ItemFilterForm, ItemForm

bp = Blueprint("items", __name__)


@bp.get("/items")
@login_required
def index() -> ResponseReturnValue:
    form = ItemFilterForm(request.args)
    services.fill_filter_choices(form, me())
    wanted = services.filter_from(form)
    page = paginate(services.listing(me(), wanted))
    return render_template("items/index.html", page=page, form=form, wanted=wanted)


@bp.route("/projects/<id:project_id>/items/new", methods=["GET", "POST"])
@login_required
@load(Project)
def new(project: Project) -> ResponseReturnValue:
    form = ItemForm()
    services.fill_item_choices(form, project)
    if form.validate_on_submit():
        try:
            item = services.create(project, me(), services.input_from(form))
        except services.ItemError as error:
            db.session.rollback()
            _field_errors(form, error.fields)
        else:
            db.session.commit()
            flash(f"Added “{item.name}”.", "success")
            return redirect_to(url_for("items.show", item_id=item.id))
    return render_template("items/form.html", form=form, project=project, item=None), (
        422 if form.errors else 200
    )


@bp.get("/items/<id:item_id>")
@login_required
@load(Item)
def show(item: Item) -> ResponseReturnValue:
    user = me()
    return render_template(
        "items/show.html",
        item=item,
        comment_form=CommentForm(),
        can_delete=may_delete_item(user, item),
        may_edit_comment=lambda c: may_edit_comment(user, c),
        may_delete_comment=lambda c: may_delete_comment(user, c),
    )


@bp.route("/items/<id:item_id>/edit", methods=["GET", "POST"])
@login_required
@load(Item)
def edit(item: Item) -> ResponseReturnValue:
    form = ItemForm(obj=item)
    services.fill_item_choices(form, item.project)
    if request.method == "GET":
        form.assignee.data = item.assignee_id or 0
        form.tags.data = [t.id for t in item.tags]
    if form.validate_on_submit():
        try:
            services.update(item, services.input_from(form))
        except services.ItemError as error:
            db.session.rollback()
            _field_errors(form, error.fields)
        else:
            db.session.commit()
            flash("Item saved.", "success")
            return redirect_to(url_for("items.show", item_id=item.id))
    return render_template("items/form.html", form=form, project=item.project, item=item), (
        422 if form.errors else 200
    )


def _field_errors(form: ItemForm, fields: dict[str, str]) -> None:
    for name, message in fields.items():
        form[name].errors = [*form[name].errors, message]
