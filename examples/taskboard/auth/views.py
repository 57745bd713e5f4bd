"""Register, log in, log out."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from taskboard.access.current import me
from taskboard.extensions import db, login_limit
from taskboard.typed import login_required
from taskboard.ui import redirect_to

from . import services, sessions
from .attempts import TooManyAttempts
from .forms import LoginForm, LogoutForm, RegisterForm

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
@login_limit
def register() -> ResponseReturnValue:
    if not current_app.config["TASKBOARD_ALLOW_REGISTRATION"]:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        registration = services.Registration(
            username=form.username.data or "",
            email=form.email.data or "",
            password=form.password.data or "",
        )
        try:
            user = services.register(registration)
        except services.AccountError as error:
            for name, message in error.fields.items():
                form[name].errors = [*form[name].errors, message]
        else:
            sessions.begin(user)
            db.session.commit()
            login_user(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect_to(url_for("projects.index"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data or "", form.password.data or "")
        except TooManyAttempts as error:
            raise TooManyRequests(retry_after=error.retry_after) from error
        if user is not None:
            sessions.begin(user)
            db.session.commit()
            login_user(user, remember=bool(form.remember.data))
            flash(f"Logged in as {user.username}.", "success")
            return redirect_to(url_for("projects.index"), form.next.data)
        form.password.errors = ["Unknown username or wrong password."]
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    sessions.end(me())  # a copy of the session or remember cookie no longer works
    db.session.commit()
    logout_user()
    flash("Logged out.", "info")
    return redirect_to(url_for("auth.login"))
