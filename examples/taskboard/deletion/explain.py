"""The engine's structured answers (blockers, conflicts, counts) in plain words."""

from __future__ import annotations

from collections.abc import Mapping

from flask_tombstone import Blocker, RestoreConflict, RowRef

NOUNS: dict[str, tuple[str, str]] = {
    "Project": ("project", "projects"),
    "Item": ("item", "items"),
    "Comment": ("comment", "comments"),
    "Tag": ("tag", "tags"),
    "User": ("account", "accounts"),
}  # {model name: (singular, plural)}

ORDER = ("User", "Project", "Item", "Comment", "Tag")
LABEL_LENGTH = 60


def noun(model: str, count: int = 1) -> str:
    singular, plural = NOUNS.get(model, (model.lower(), model.lower() + "s"))
    return singular if count == 1 else plural


def quoted(label: str) -> str:
    text = " ".join(label.split())
    if len(text) > LABEL_LENGTH:
        text = text[: LABEL_LENGTH - 1] + "…"
    return f"“{text}”"


def cap(text: str) -> str:
    """Upper-case the first letter only (``str.capitalize`` would lower the label)."""
    return text[:1].upper() + text[1:]


def row(ref: RowRef) -> str:
    return f"{noun(ref.model)} {quoted(ref.label)}"


def ordered(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Counts by kind, parents first, kinds with nothing left out."""
    known = [(m, counts[m]) for m in ORDER if counts.get(m)]
    return known + sorted((m, n) for m, n in counts.items() if m not in ORDER and n)


def counted(counts: Mapping[str, int]) -> str:
    """``"1 project, 12 items and 30 comments"``."""
    parts = [f"{n} {noun(m, n)}" for m, n in ordered(counts)]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summary(root_model: str, root_label: str | None, counts: Mapping[str, int]) -> str:
    """``"project “Alpha” with 12 items and 30 comments"`` (or just the counts)."""
    if root_label is None or counts.get(root_model, 0) != 1:
        return counted(counts)
    others = {m: n for m, n in counts.items() if m != root_model}
    head = f"{noun(root_model)} {quoted(root_label)}"
    return head if not any(others.values()) else f"{head} with {counted(others)}"


def blocker(item: Blocker) -> str:
    """Why one row stops a deletion."""
    if item.reason == "forbidden":
        return f"You may not delete {row(item.row)}."
    if item.reason == "protected":
        return f"{cap(row(item.row))} is protected and is never deleted."
    target = row(item.target) if item.target else "it"
    if item.via == "Project.owner_id":
        return (
            f"{cap(target)} still owns {row(item.row)}: transfer the project to "
            f"someone else or delete it first."
        )
    return f"{cap(row(item.row))} still depends on {target}."


def conflict(item: RestoreConflict) -> str:
    """Why one row of a deletion cannot come back as things are now."""
    if item.reason == "parent_in_trash" and item.other is not None:
        return (
            f"{cap(row(item.row))} belongs to {row(item.other)}, which was deleted "
            f"separately and is still in the trash. Restore that first, or restore both "
            f"together."
        )
    if item.reason == "unique" and item.other is not None:
        what = " and ".join(c.replace("_id", "").replace("_", " ") for c in item.columns)
        return (
            f"{cap(row(item.row))} cannot come back: its {what} is now used by "
            f"another {noun(item.other.model)}, {quoted(item.other.label)}. Rename or delete "
            f"that one first."
        )
    return f"{cap(row(item.row))} cannot be restored as things are now."
