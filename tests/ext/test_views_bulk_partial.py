"""Bulk delete of a selection the actor may delete only part of (``Access.deletable``), on the
small multi-user app (``board.py``: a locked task may not be deleted): the page names the rows
that may not go and why, offers nothing for the whole selection, and links to the same bulk
page with just the rows that may go."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from .board import board as small_board
from .board import live, snapshot, task
from .test_views_access import TOKEN, Person

OFFER = re.compile(r'href="([^"]*)">Delete only the (\d+) tasks? you may<')


@pytest.fixture
def board(db_kind: str, server_urls: dict[str, str]) -> Iterator[Flask]:
    yield from small_board(server_urls[db_kind], api=False, views=True)


@pytest.mark.parametrize("selection", ["all=1&q=mia", "ids={one}&ids={two}"])
def test_only_the_rows_one_may_delete_are_offered(board: Flask, selection: str) -> None:
    mia = Person(board, "mia")
    one, two = task(board, "mia task 1"), task(board, "mia task 2")  # task 2 is locked
    query = selection.format(one=one, two=two)
    before = snapshot(board)
    page = mia.get(f"/tasks/bulk-delete?{query}&next=/trash")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "You may not delete task “mia task 2”." in text  # which row
    assert (
        "You do not have permission to delete 1 of these 2 tasks (named below); "
        "you may delete the other 1." in text
    )
    assert 'name="token"' not in text  # the whole selection is not offered
    offer = OFFER.search(text)
    assert offer and offer.group(2) == "1"
    assert offer.group(1) == f"/tasks/bulk-delete?ids={one}&next=/trash"
    assert snapshot(board) == before  # looking changes nothing

    only_mine = mia.get(offer.group(1)).get_data(as_text=True)
    assert "Delete 1 task?" in only_mine and "permission" not in only_mine
    assert "Delete only" not in only_mine
    token = TOKEN.search(only_mine).group(1)  # type: ignore[union-attr]
    done = mia.post(offer.group(1), {"token": token})
    assert done.status_code == 303 and done.headers["Location"] == "/trash"
    assert live(board) == ["max task 1", "max task 2", "mia task 2"]


def test_a_refused_post_offers_the_same(board: Flask) -> None:
    mia = Person(board, "mia")
    refused = mia.post("/tasks/bulk-delete?all=1&q=mia", {"token": "x"})
    assert refused.status_code == 409
    offer = OFFER.search(html.unescape(refused.get_data(as_text=True)))
    assert offer and offer.group(1) == f"/tasks/bulk-delete?ids={task(board, 'mia task 1')}&next=/"


def test_none_of_them_is_said_so_without_an_offer(board: Flask) -> None:
    mia = Person(board, "mia")
    page = mia.get(f"/tasks/bulk-delete?ids={task(board, 'mia task 2')}")
    text = html.unescape(page.get_data(as_text=True))
    assert "You do not have permission to delete this task." in text
    assert "You may not delete task “mia task 2”." in text
    assert OFFER.search(text) is None and 'name="token"' not in text


def test_nothing_is_said_when_every_row_may_go(board: Flask) -> None:
    mia = Person(board, "mia")
    page = mia.get(f"/tasks/bulk-delete?ids={task(board, 'mia task 1')}")
    text = page.get_data(as_text=True)
    assert "permission" not in text and OFFER.search(text) is None
    assert 'name="token"' in text
