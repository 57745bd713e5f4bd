"""Project pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from taskboard.access.current import me
from taskboard.access.decorators import load
from taskboard.access.permissions import may_manage_project
from taskboard.extensions import db, destructive_limit
from taskboard.formkit import choices
from taskboard.items import services as items
from taskboard.items.forms import ItemFilterForm
from taskboard.models import Project, User
from taskboard.typed import login_required
from taskboard.ui import flash_form_errors, paginate, redirect_to

from . import services
from .forms import ActionForm, MemberForm, ProjectFilterForm, ProjectForm, TransferForm

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    form = ProjectFilterForm(request.args)
    wanted = (
        services.ProjectFilter(q=form.q.data or "", role=form.role.data or "")
        if form.validate()
        else services.ProjectFilter()
    )
    page = paginate(services.listing(me(), wanted))
    counts = services.item_counts([p.id for p in page.items])
    return render_template("projects/index.html", page=page, form=form, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    form = ProjectForm()
    if form.validate_on_submit():
        project = services.create(me(), _input(form))
        db.session.commit()
        flash(f"Created project “{project.name}”.", "success")
        return redirect_to(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None), (
        422 if form.errors else 200
    )


@bp.get("/<id:project_id>")
@login_required
@load(Project)
def show(project: Project) -> ResponseReturnValue:
    form = ItemFilterForm(request.args)
    items.fill_filter_choices(form, me(), project=project)
    wanted = items.filter_from(form, project=project)
    page = paginate(items.listing(me(), wanted))
    return render_template(
        "projects/show.html",
        project=project,
        page=page,
        form=form,
        team=services.team(project),
        can_manage=may_manage_project(me(), project),
        member_form=MemberForm(),
        transfer_form=_transfer_form(project),
        action_form=ActionForm(),
        wanted=wanted,
    )


@bp.route("/<id:project_id>/edit", methods=["GET", "POST"])
@login_required
@load(Project, allow=may_manage_project)
def edit(project: Project) -> ResponseReturnValue:
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        services.update(project, _input(form))
        db.session.commit()
        flash("Project saved.", "success")
        return redirect_to(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project), (
        422 if form.errors else 200
    )


@bp.post("/<id:project_id>/members")
@login_required
@load(Project, allow=may_manage_project)
def add_member(project: Project) -> ResponseReturnValue:
    form = MemberForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        _change_team(
            lambda: services.add_member(project, form.username.data or ""),
            lambda user: f"{user.username} joined the project.",
        )
    return _team_of(project)


@bp.post("/<id:project_id>/members/<id:user_id>/remove")
@login_required
@destructive_limit
@load(Project, allow=may_manage_project)
def remove_member(project: Project, user_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        _change_team(
            lambda: services.remove_member(project, user_id),
            lambda user: f"{user.username} left the project.",
        )
    return _team_of(project)


@bp.post("/<id:project_id>/transfer")
@login_required
@load(Project, allow=may_manage_project)
def transfer(project: Project) -> ResponseReturnValue:
    form = _transfer_form(project)
    if not form.validate_on_submit():
        flash("Choose one of the project's members.", "error")
    else:
        _change_team(
            lambda: services.transfer(project, int(form.owner.data)),
            lambda owner: f"{owner.username} now owns “{project.name}”.",
        )
    return _team_of(project)


def _change_team(change: Callable[[], User], done: Callable[[User], str]) -> None:
    """Run ``change``: committed and announced, or rolled back with its reasons flashed."""
    try:
        user = change()
    except services.ProjectError as error:
        db.session.rollback()
        for reason in error.reasons:
            flash(reason, "error")
    else:
        db.session.commit()
        flash(done(user), "success")


def _team_of(project: Project) -> ResponseReturnValue:
    return redirect_to(url_for("projects.show", project_id=project.id) + "#team")


def _input(form: ProjectForm) -> services.ProjectInput:
    return services.ProjectInput(name=form.name.data or "", description=form.description.data or "")


def _transfer_form(project: Project) -> TransferForm:
    form = TransferForm()
    form.owner.choices = choices(
        (m.id, m.username) for m in project.members if m.id != project.owner_id
    )
    return form
