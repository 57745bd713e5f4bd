"""Deletions in plain words: nouns for models, counts with thousands separators, the log's
sentences ("deleted item “Write spec” and 5 comments"), never table names or ids alone."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_tombstone.core.errors import Blocker, RestoreConflict
from flask_tombstone.core.records import Operation

from .i18n import _

WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def noun(model: str, n: int = 1) -> str:
    """``"ApiToken"`` → ``"API token"``-like words: ``"api token"`` / ``"api tokens"``."""
    word = WORD.sub(" ", model).lower()
    if n == 1:
        return word
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def number(n: int) -> str:
    return f"{n:,}"


def counted(counts: Mapping[str, int], *, first: str | None = None) -> str:
    """``{"Item": 1, "Comment": 5}`` → ``"1 item and 5 comments"`` (``first`` leads)."""
    names = sorted(counts, key=lambda name: (name != first, name))
    parts = [f"{number(counts[name])} {noun(name, counts[name])}" for name in names if counts[name]]
    if not parts:
        return _("nothing")
    if len(parts) == 1:
        return parts[0]
    return _("%(list)s and %(last)s", list=", ".join(parts[:-1]), last=parts[-1])


def what(op: Operation, labels: Mapping[int, list[str]] | None = None) -> str:
    """What an operation acted on, by name: ``item “Write spec”`` (the label the views
    recorded, or the trashed rows' own), ``3 items (“a”, “b”, …)`` for several."""
    root = op.root_model
    n = (op.counts or {}).get(root, 0)
    label = (op.context or {}).get("label")
    names = [label] if isinstance(label, str) and label else list((labels or {}).get(op.id, []))
    if n <= 1 and names:
        return f"{noun(root)} “{names[0]}”"
    counted_rows = f"{number(n)} {noun(root, n)}" if n else noun(root, 2)
    if not names:
        return counted_rows
    shown = ", ".join(f"“{name}”" for name in names)
    return f"{counted_rows} ({shown}{', …' if n > len(names) else ''})"


def others(op: Operation) -> str:
    """The rows that went along with the root's (``"and 5 comments"``), or ``""``."""
    rest = {k: v for k, v in (op.counts or {}).items() if k != op.root_model and v}
    return _("with %(rows)s", rows=counted(rest)) if rest else ""


VERBS = {
    "delete": "Moved to the trash",
    "hard_delete": "Deleted permanently",
    "restore": "Restored",
    "purge": "Purged",
}


def verb(kind: str) -> str:
    return _(VERBS.get(kind, kind.replace("_", " ").capitalize()))


def blocker(item: Blocker) -> str:
    """Why one row stops a deletion, for people."""
    row, target = item.row, item.target
    if item.reason == "forbidden":
        return _("You may not delete %(what)s “%(label)s”.", what=noun(row.model), label=row.label)
    if item.reason == "protected":
        return _("%(what)s “%(label)s” is protected.", what=noun(row.model), label=row.label)
    if target is not None:
        return _(
            "%(what)s “%(label)s” still refers to %(target)s “%(target_label)s”; delete or "
            "move it first.",
            what=noun(row.model).capitalize(),
            label=row.label,
            target=noun(target.model),
            target_label=target.label,
        )
    if item.reason == "live":
        return _(
            "%(what)s “%(label)s” was added since and is not in the trash.",
            what=noun(row.model).capitalize(),
            label=row.label,
        )
    if item.reason == "other_operation":
        return _(
            "%(what)s “%(label)s” was deleted separately: purge that deletion first.",
            what=noun(row.model).capitalize(),
            label=row.label,
        )
    return _("%(what)s “%(label)s” blocks this.", what=noun(row.model), label=row.label)


def conflict(item: RestoreConflict) -> str:
    """Why one row cannot come back, for people."""
    row, other = item.row, item.other
    name = f"{noun(row.model)} “{row.label}”"
    if other is not None and other.id is None:  # a row the actor may not see: no name
        if item.reason == "parent_in_trash":
            return _(
                "The %(row)s belongs to a %(other)s that is in the trash and that you cannot "
                "see: it cannot come back before that %(other)s does.",
                row=name,
                other=noun(other.model),
            )
        return _(
            "The %(row)s cannot come back: its %(columns)s is now used by another %(other)s.",
            row=name,
            columns=columns(item.columns),
            other=noun(other.model),
        )
    if item.reason == "parent_in_trash" and other is not None:
        return _(
            "The %(row)s belongs to %(other)s “%(label)s”, which is in the trash: restore that "
            "first, or both together.",
            row=name,
            other=noun(other.model),
            label=other.label,
        )
    if item.reason == "unique" and other is not None:
        return _(
            "The %(row)s cannot come back: its %(columns)s is now used by %(other)s “%(label)s”.",
            row=name,
            columns=columns(item.columns),
            other=noun(other.model),
            label=other.label,
        )
    return _("The %(row)s cannot come back as things are now.", row=name)


def columns(names: tuple[str, ...] | list[str]) -> str:
    """``("project_id", "name")`` → ``"project and name"``: columns as words."""
    words = [name.removesuffix("_id").replace("_", " ") for name in names]
    if len(words) <= 1:
        return "".join(words)
    return _("%(list)s and %(last)s", list=", ".join(words[:-1]), last=words[-1])


def first_upper(text: str) -> str:
    """``"item “milk”"`` → ``"Item “milk”"`` (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]
