"""Demo data: three people, a few projects with items, comments and tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from .auth.passwords import new_hash
from .extensions import db
from .models import Comment, Item, Project, Role, Status, Tag, User


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str


ACCOUNTS = (
    # Strong enough for the password rules (auth.passwords), which they go through too.
    Account("alice", "alice-loves-kanban", Role.ADMIN.value),
    Account("bob", "bob-fixes-mobile-bugs", Role.MEMBER.value),
    Account("carol", "carol-moves-offices", Role.MEMBER.value),
)

ItemSpec = tuple[str, Status, str | None, int | None, list[str], list[str]]

PROJECTS: dict[str, tuple[str, list[str], list[str], list[ItemSpec]]] = {
    # name: (owner, members, tags, items: (name, status, assignee, due in days, tags, comments))
    "Website relaunch": (
        "alice",
        ["bob"],
        ["design", "backend", "urgent"],
        [
            (
                "New landing page",
                Status.IN_PROGRESS,
                "bob",
                5,
                ["design"],
                ["Draft is on the shared drive.", "Looks great, ship it!"],
            ),
            (
                "Migrate blog posts",
                Status.OPEN,
                "alice",
                12,
                ["backend"],
                ["About 300 posts to move."],
            ),
            (
                "Fix broken contact form",
                Status.OPEN,
                "bob",
                1,
                ["backend", "urgent"],
                ["Customers are writing to the old address."],
            ),
            ("Pick a new font", Status.DONE, None, None, ["design"], []),
            ("Set up redirects", Status.OPEN, None, 20, ["backend"], []),
        ],
    ),
    "Mobile app": (
        "bob",
        ["carol"],
        ["ios", "android", "bug"],
        [
            (
                "Crash on login (Android 14)",
                Status.IN_PROGRESS,
                "carol",
                2,
                ["android", "bug"],
                ["Reproduced on a Pixel 8.", "Stack trace attached to the ticket."],
            ),
            ("Dark mode", Status.OPEN, "bob", 30, ["ios", "android"], []),
            ("App store screenshots", Status.DONE, "carol", None, ["ios"], ["Uploaded."]),
        ],
    ),
    "Office move": (
        "carol",
        ["alice"],
        ["logistics"],
        [
            ("Book movers", Status.DONE, "carol", None, ["logistics"], ["Booked for the 14th."]),
            ("Order desks", Status.OPEN, "alice", 9, ["logistics"], []),
            ("Internet at the new place", Status.OPEN, None, 6, [], ["Call the provider."]),
        ],
    ),
}


def email(username: str) -> str:
    return f"{username}@example.com"


def is_empty() -> bool:
    query = select(func.count()).select_from(User).execution_options(include_deleted=True)
    return not db.session.scalar(query)


def load() -> tuple[Account, ...]:
    """Create the demo rows (the caller commits); returns the accounts and passwords."""
    users = {
        a.username: User(
            username=a.username,
            email=email(a.username),
            password_hash=new_hash(a.password, hints=(a.username, email(a.username))),
            role=a.role,
        )
        for a in ACCOUNTS
    }
    db.session.add_all(users.values())
    today = date.today()
    for name, (owner, members, tag_names, items) in PROJECTS.items():
        project = Project(
            name=name,
            description=f"Everything about the {name.lower()}.",
            owner=users[owner],
            members=[users[m] for m in members],
        )
        tags = {t: Tag(name=t, project=project) for t in tag_names}
        db.session.add(project)
        for item_name, status, assignee, due, item_tags, comments in items:
            item = Item(
                name=item_name,
                project=project,
                owner=users[owner],
                status=status.value,
                assignee=users[assignee] if assignee else None,
                due=today + timedelta(days=due) if due is not None else None,
                tags=[tags[t] for t in item_tags],
            )
            team = [users[owner], *(users[m] for m in members)]
            item.comments = [
                Comment(body=body, author=team[i % len(team)]) for i, body in enumerate(comments)
            ]
            db.session.add(item)
    db.session.flush()
    return ACCOUNTS
