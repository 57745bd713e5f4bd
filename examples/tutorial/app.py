"""The seeds' Item app made safe: deleting asks first (with what else goes), moves to the
trash, offers Undo, and is logged. Compared with ``unsafe.py``: five lines added, one changed
(``SoftDeleteMixin``), and the template's delete form replaced by the views' button.

Run it with ``flask --app examples/tutorial/app.py run``; the trash is at ``/trash``, the log
at ``/operations``."""

import os

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_sqlalchemy import SQLAlchemy

from flask_tombstone import SoftDeleteMixin, Tombstone
from flask_tombstone.views import DeletionViews

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///items.db")
db = SQLAlchemy(app)
tombstone = Tombstone(app, db=db)


class Item(SoftDeleteMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


DeletionViews(app, tombstone, models=[Item])


@app.route("/")
def index():
    return render_template("index.html", items=db.session.scalars(db.select(Item)).all())


@app.route("/items", methods=["POST"])
def add_item():
    name = request.form.get("name", "").strip()
    if name:
        db.session.add(Item(name=name[:100]))
        db.session.commit()
    return redirect(url_for("index"))


@app.route("/delete/<int:item_id>", methods=["POST"])
def delete_item(item_id):
    item = db.get_or_404(Item, item_id)
    db.session.delete(item)
    db.session.commit()
    flash("Item deleted successfully.", "success")
    return redirect(url_for("index"))


with app.app_context():
    db.create_all()
