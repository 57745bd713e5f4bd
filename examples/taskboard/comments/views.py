"""Comment routes (comments are shown on their item's page)."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask.typing import ResponseReturnValue

from taskboard.access.current import me
from taskboard.access.decorators import load
from taskboard.access.permissions import may_edit_comment
from taskboard.extensions import db
from taskboard.models import Comment, Item
from taskboard.typed import login_required
from taskboard.ui import flash_form_errors, redirect_to

from . import services
from .forms import CommentForm

bp = Blueprint("comments", __name__)


@bp.post("/items/<id:item_id>/comments")
@login_required
@load(Item)
def add(item: Item) -> ResponseReturnValue:
    form = CommentForm()
    if form.validate_on_submit():
        comment = services.add(item, me(), form.body.data or "")
        db.session.commit()
        flash("Comment added.", "success")
        return redirect_to(url_for("items.show", item_id=item.id) + f"#comment-{comment.id}")
    flash_form_errors(form, "Comment not added: ")
    return redirect_to(url_for("items.show", item_id=item.id) + "#comments")


@bp.route("/comments/<id:comment_id>/edit", methods=["GET", "POST"])
@login_required
@load(Comment, allow=may_edit_comment)
def edit(comment: Comment) -> ResponseReturnValue:
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        services.edit(comment, form.body.data or "")
        db.session.commit()
        flash("Comment saved.", "success")
        return redirect_to(
            url_for("items.show", item_id=comment.item_id) + f"#comment-{comment.id}"
        )
    return render_template("comments/edit.html", form=form, comment=comment), (
        422 if form.errors else 200
    )
