"""The tutorial's app (``app.py``) for a team: people sign in, each item has an owner, and the
deletion views and the JSON API follow one set of rules (``Access``):

* you see and delete your own items; admins see everyone's, but delete only their own;
* the trash and the log show your own deletions (admins: everyone's); you undo your own;
  admins alone purge.

The browser signs in with a form (Flask-Login, a session cookie); the API at ``/api`` takes
the bearer token ``flask --app examples/tutorial/team.py add-user NAME`` prints, and never the
cookie, so another site cannot make a signed-in browser call it. ``tests/ext/test_team.py``
proves the rules on every page and endpoint.

Run it with ``flask --app examples/tutorial/team.py add-user ann --admin`` then
``flask --app examples/tutorial/team.py run`` (it needs Flask-Login)."""

import hashlib
import os
import secrets

import click
from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import false, true
from werkzeug.security import check_password_hash, generate_password_hash

from flask_tombstone import Operation, SoftDeleteMixin, Tombstone
from flask_tombstone.access import Access
from flask_tombstone.api import DeletionAPI
from flask_tombstone.views import DeletionViews
from flask_tombstone.views.csrf import check_csrf

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///team.db")
db = SQLAlchemy(app)
tombstone = Tombstone(app, db=db)
login = LoginManager(app)
login.login_view = "sign_in"


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), unique=True, nullable=False)
    password = db.Column(db.String(200), nullable=False)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)  # sha256 of the token
    admin = db.Column(db.Boolean, nullable=False, default=False)


class Item(SoftDeleteMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    owner_id = db.Column(db.ForeignKey("user.id"), nullable=False, index=True)


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


@login.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


def bearer_user():
    """The API's caller: ``Authorization: Bearer <token>``, nothing else."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not token:
        return None
    return db.session.scalar(db.select(User).filter_by(token_hash=digest(token)))


rules = {
    "visible": lambda user, model: None if user.admin else Item.owner_id == user.id,
    "deletable": lambda user, model: Item.owner_id == user.id if model is Item else None,
    "operations": lambda user: None if user.admin else Operation.actor == user.get_id(),
    "restorable": lambda user: Operation.actor == user.get_id(),
    "purgeable": lambda user: true() if user.admin else false(),
}
views = DeletionViews(app, tombstone, models=[Item], access=Access(**rules))
api = DeletionAPI(
    app,
    tombstone,
    views=views,
    access=Access(actor=bearer_user, login_required=True, **rules),
    security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
)


@app.route("/")
@login_required
def index():
    mine = db.select(Item).filter_by(owner_id=current_user.id).order_by(Item.id)
    return render_template("team_index.html", items=db.session.scalars(mine).all())


@app.route("/items", methods=["POST"])
@login_required
def add_item():
    check_csrf()
    name = request.form.get("name", "").strip()
    if name:
        db.session.add(Item(name=name[:100], owner_id=current_user.id))
        db.session.commit()
    return redirect(url_for("index"))


@app.route("/login", methods=["GET", "POST"])
def sign_in():
    if request.method == "POST":
        check_csrf()
        user = db.session.scalar(db.select(User).filter_by(name=request.form.get("name", "")))
        if user is not None and check_password_hash(user.password, request.form["password"]):
            login_user(user)
            return redirect(url_for("index"))
        flash("Wrong name or password.", "error")
    return render_template("team_login.html")


@app.cli.command("add-user")
@click.argument("name")
@click.option("--admin", is_flag=True)
@click.password_option()
def add_user(name, admin, password):
    """Add a user; print their API token."""
    token = secrets.token_urlsafe(32)
    hashed = generate_password_hash(password)
    db.session.add(User(name=name, password=hashed, token_hash=digest(token), admin=admin))
    db.session.commit()
    click.echo(f"API token for {name}: {token}")


with app.app_context():
    db.create_all()
