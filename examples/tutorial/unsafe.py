"""The seeds' Item app, as the tutorials write it: ``get_or_404``, ``db.session.delete``,
``commit``, ``flash``, ``redirect``. Kept as it is to compare with ``app.py``, the same app
made safe (``tests/ext/test_tutorial.py`` counts the lines that differ)."""

import os

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///items.db")
db = SQLAlchemy(app)


class Item(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


@app.route("/")
def index():
    return render_template("unsafe_index.html", items=db.session.scalars(db.select(Item)).all())


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
