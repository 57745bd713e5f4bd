"""Settings pages: profile and password, one's own account deletion, and (admins) people."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from taskboard.access.current import me
from taskboard.access.decorators import load
from taskboard.access.permissions import may_delete_user
from taskboard.auth import tokens
from taskboard.auth.attempts import TooManyAttempts
from taskboard.auth.services import AccountError
from taskboard.extensions import db, destructive_limit
from taskboard.models import User
from taskboard.typed import login_required
from taskboard.ui import paginate, redirect_to

from . import services
from .deleting import confirm_account_deletion
from .forms import (
    PasswordForm,
    ProfileForm,
    RevokeTokenForm,
    RoleForm,
    TokenForm,
    UserFilterForm,
)

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = me()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_email(user, form.email.data or "")
        except AccountError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, *error.fields.values()]
        else:
            db.session.commit()
            flash("Profile saved.", "success")
            return redirect_to(url_for("settings.profile"))
    return _page(form=form, status=422 if form.errors else 200)


@bp.post("/password")
@login_required
def password() -> ResponseReturnValue:
    user = me()
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        change = services.PasswordChange(form.current.data or "", form.password.data or "")
        try:
            services.change_password(user, change)
        except TooManyAttempts as error:
            raise TooManyRequests(retry_after=error.retry_after) from error
        except AccountError as error:
            db.session.rollback()
            for name, message in error.fields.items():
                form[name].errors = [*form[name].errors, message]
        else:
            db.session.commit()
            # This browser's new login (every other one has ended), "keep me logged in" too
            # if it was.
            remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remember in request.cookies)
            flash(
                "Password changed, and every other session of your account logged out. "
                "API tokens still work: revoke any you do not recognise below.",
                "success",
            )
            return redirect_to(url_for("settings.profile"))
    return _page(password_form=form, status=422)


@bp.post("/tokens")
@login_required
def create_token() -> ResponseReturnValue:
    """Issue an API token and show its secret on this response only (never stored, never
    put in a cookie or a flash)."""
    form = TokenForm(prefix="token")
    if form.validate_on_submit():
        try:
            issued = tokens.issue(me(), form.name.data or "")
        except tokens.TokenError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, *error.fields.values()]
        else:
            db.session.commit()
            return _page(secret=issued.secret)
    return _page(token_form=form, status=422)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    if not tokens.revoke(me(), token_id):
        abort(404)
    db.session.commit()
    flash("Token revoked: it no longer works.", "success")
    return redirect_to(url_for("settings.profile"))


def _page(
    *,
    form: ProfileForm | None = None,
    password_form: PasswordForm | None = None,
    token_form: TokenForm | None = None,
    secret: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = me()
    return render_template(
        "settings/profile.html",
        form=form or ProfileForm(obj=user),
        password_form=password_form or PasswordForm(prefix="pw"),
        token_form=token_form or TokenForm(prefix="token"),
        revoke_form=RevokeTokenForm(),
        tokens=db.session.scalars(tokens.tokens_of(user)).all(),
        secret=secret,
    ), status


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@destructive_limit
def delete_account() -> ResponseReturnValue:
    user = me()
    services.ensure_not_last_admin(user)
    return confirm_account_deletion(
        user,
        back_url=url_for("settings.profile"),
        done_url=url_for("auth.login"),
        undo=False,
        after=logout_user,
    )


@bp.get("/users")
@login_required
def users() -> ResponseReturnValue:
    admin = me()
    if not admin.is_admin:
        abort(403)
    form = UserFilterForm(request.args)
    valid = form.validate()
    page = paginate(
        services.people(
            admin, (form.q.data or "") if valid else "", (form.role.data or "") if valid else ""
        )
    )
    return render_template("settings/users.html", page=page, form=form, role_form=RoleForm())


@bp.post("/users/<id:user_id>/role")
@login_required
@load(User, allow=lambda actor, user: actor.is_admin)
def role(user: User) -> ResponseReturnValue:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_role(user, form.role.data or "")
    db.session.commit()
    flash(f"{user.username} is now {'an admin' if user.is_admin else 'a member'}.", "success")
    return redirect_to(url_for("settings.users"))


@bp.route("/users/<id:user_id>/delete", methods=["GET", "POST"])
@login_required
@destructive_limit
@load(User, allow=may_delete_user)
def delete_user(user: User) -> ResponseReturnValue:
    services.ensure_not_last_admin(user)
    yourself = user.id == me().id
    return confirm_account_deletion(
        user,
        back_url=url_for("settings.users"),
        done_url=url_for("auth.login" if yourself else "settings.users"),
        undo=not yourself,
        after=logout_user if yourself else None,
    )
