"""The seeds' application (../shared/seeds 000-002), with the mixin added and nothing else."""

from __future__ import annotations

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from flask_tombstone import SoftDeleteMixin, Tombstone


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
tombstone = Tombstone(db=db)


class User(SoftDeleteMixin, db.Model):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50))
    email = db.Column(db.String(50))
    age = db.Column(db.Integer)


def create_app(database_uri: str) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    db.init_app(app)
    tombstone.init_app(app)

    # seed 000, verbatim but for the legacy get() -> db.session.get()
    @app.route("/delete_user/<int:id>", methods=["POST"])
    def delete_user(id: int) -> str:
        user = db.session.get(User, id)
        if user:
            db.session.delete(user)
            db.session.commit()
            return "User deleted successfully"
        return "User not found"

    return app
