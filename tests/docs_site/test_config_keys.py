"""The configuration page's reader: every key of the defaults dicts, described by its own
comment in the source, and a key without one refused rather than documented empty."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "_ext"))
from tombstone_docs import config_keys, keys_of


def test_keys_read_with_their_defaults_and_comments() -> None:
    source = (
        "from typing import Any\n"
        "DEFAULTS: dict[str, Any] = {\n"
        '    "A": 1 * 2,  # the first\n'
        "    # a group's introduction, for readers of the source\n"
        '    "B": (\n'
        '        "x",\n'
        "    ),  # the second, over two lines\n"
        "}\n"
    )
    keys = config_keys(source, "DEFAULTS")
    assert [(k.name, k.default, k.description) for k in keys] == [
        ("A", "1 * 2", "the first"),
        ("B", '(\n        "x",\n    )', "the second, over two lines"),
    ]


def test_a_key_without_a_comment_is_refused() -> None:
    source = 'DEFAULTS = {\n    "A": 1,  # said\n    "B": 2,\n}\n'
    with pytest.raises(ValueError, match=r"\['B'\] has no comment"):
        config_keys(source, "DEFAULTS")


@pytest.mark.parametrize(
    "target", ["flask_tombstone.extension:CONFIG_DEFAULTS", "flask_tombstone.views:VIEWS_DEFAULTS"]
)
def test_the_real_definitions_are_all_described(target: str) -> None:
    keys, value = keys_of(target)
    assert [k.name for k in keys] == list(value)
    assert all(k.description for k in keys)
