"""Shared fixtures: the databases every engine test runs on (see ``dbs.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dbs import KINDS, make_engine, scratch_database


@pytest.fixture(scope="session")
def server_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One scratch database per kind for the whole run, created lazily."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        urls: dict[str, str] = {}

        class Lazy(dict[str, str]):
            def __missing__(self, kind: str) -> str:
                tmp: Path = tmp_path_factory.mktemp(kind)
                url = stack.enter_context(scratch_database(kind, tmp))
                self[kind] = url
                return url

        lazy = Lazy(urls)
        yield lazy


@pytest.fixture(params=KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(db_kind: str, server_urls: dict[str, str]) -> Iterator[Engine]:
    url = server_urls[db_kind]
    eng = make_engine(url)
    yield eng
    eng.dispose()
