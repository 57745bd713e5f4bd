from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from .seed_app import create_app, db


@pytest.fixture
def app(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    app = create_app(server_urls[db_kind])
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(
            [
                db.Model.registry._class_registry["User"](name=n, email=f"{n}@x.org", age=a)  # type: ignore[attr-defined]
                for n, a in (("ann", 25), ("bob", 35), ("cid", 45), ("dee", 31))
            ]
        )
        db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
