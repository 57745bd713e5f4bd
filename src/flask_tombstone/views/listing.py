"""The trash and the operations log: one query per page for the operations, one for what
the actor may do with them, one for what settled them; filters validated, never dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, or_, select

from flask_tombstone.access import Criterion, where_all
from flask_tombstone.core.records import Operation, OperationKind, OperationStatus
from flask_tombstone.held import context_contains, held_labels

from . import describe
from .i18n import _
from .state import db_session, state_actor, views

KINDS = OperationKind.ALL
TEXT_MAX = 200


@dataclass
class Filters:
    """The query string of a listing, checked; ``problems`` name what is wrong."""

    values: dict[str, str] = field(default_factory=dict)
    criteria: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    page: int = 1


def read_filters(*, kinds: tuple[str, ...], kind_field: Any) -> Filters:
    """``q``, ``kind``, ``actor``, ``since``, ``until`` (dates, ``YYYY-MM-DD``) and ``page``."""
    found = Filters()
    args = request.args
    for name in ("q", "kind", "actor", "since", "until", "page"):
        value = args.get(name, "").strip()
        if "\x00" in value:  # no database stores it in text, nor compares text with it
            found.problems.append(
                _("“%(name)s” holds a character nothing is named with.", name=name)
            )
        elif value:
            found.values[name] = value
    q, kind, actor = (found.values.get(n) for n in ("q", "kind", "actor"))
    if q is not None:
        if len(q) > TEXT_MAX:
            found.problems.append(_("Search for at most %(n)s characters.", n=TEXT_MAX))
        else:
            text = or_(
                Operation.reason.contains(q, autoescape=True),
                Operation.actor.contains(q, autoescape=True),
                context_contains(q),
                Operation.actor.in_(_named(q)),
            )
            found.criteria.append(text)
    if kind is not None:
        if kind not in kinds:
            found.problems.append(_("There is no kind “%(kind)s”.", kind=kind[:40]))
        else:
            found.criteria.append(kind_field == kind)
    if actor is not None:
        found.criteria.append(Operation.actor.in_([actor[:255], *_named(actor)]))
    for name, bound in (("since", False), ("until", True)):
        day = _day(found, name)
        if day is not None and not (bound and day == date.max):  # until the last day: all
            moment = datetime.combine(day + timedelta(days=bound), time())
            found.criteria.append(
                Operation.created_at < moment if bound else Operation.created_at >= moment
            )
    page = found.values.get("page", "1")
    if not (page.isascii() and page.isdigit() and page[0] != "0" and len(page) < 7):
        found.problems.append(_("There is no page “%(page)s”.", page=page[:20]))
    else:
        found.page = int(page)
    return found


def _named(name: str) -> list[str]:
    """The recorded actors a typed name means, by the app's ``actors_named`` hook (none
    without one: the recorded id is then typed as is)."""
    hook = views().actors_named
    return [] if hook is None else list(hook(name))


def _day(found: Filters, name: str) -> date | None:
    value = found.values.get(name)
    if value is None:
        return None
    if len(value) == 10 and value.isascii():
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    found.problems.append(_("“%(value)s” is not a date (YYYY-MM-DD).", value=value[:20]))
    return None


def page_of(query: Select[Any], filters: Filters) -> tuple[list[Operation], bool]:
    """The page's operations, and whether there is a next page."""
    size = int(current_app.config["TOMBSTONE_VIEWS_PAGE_SIZE"])
    query = query.where(*filters.criteria).limit(size + 1).offset((filters.page - 1) * size)
    ops = list(db_session().scalars(query))
    return ops[:size], len(ops) > size


def allowed_ids(ops: list[Operation], hook: Criterion) -> set[int]:
    ids = [op.id for op in ops]
    if hook is None or not ids:
        return set(ids)
    query = select(Operation.id).where(Operation.id.in_(ids), hook)
    return set(db_session().scalars(query))


SHOWN_LABELS = 3


def trashed_labels(ops: list[Operation]) -> dict[int, list[str]]:
    """The first few labels of the root model's rows each deletion still holds in the trash
    (:func:`~flask_tombstone.held.held_labels`: those the actor may see), whatever deleted
    them (the views, the API, the session); a deletion whose context names its row has its
    label already."""
    held: dict[str, list[int]] = {}
    for op in ops:
        if op.kind == OperationKind.DELETE and not (op.context or {}).get("label"):
            held.setdefault(op.root_model, []).append(op.id)
    labels = held_labels(db_session(), views(), state_actor(), held, SHOWN_LABELS)
    return {op_id: names for (op_id, _model), names in labels.items()}


def trash_page() -> ResponseReturnValue:
    state = views()
    actor = state_actor()
    models = tuple(sorted(node.name for node in state.tombstone.graph.nodes.values() if node.soft))
    filters = read_filters(kinds=models, kind_field=Operation.root_model)
    choices = [(name, describe.noun(name, 2).capitalize()) for name in models]
    if filters.problems:
        return _listing("tombstone/trash.html", filters, [], False, status=422, choices=choices)
    seen = where_all(state.access.operations(actor))
    ops, more = page_of(state.tombstone.trash().where(*seen), filters)
    return _listing(
        "tombstone/trash.html",
        filters,
        ops,
        more,
        choices=choices,
        labels=trashed_labels(ops),
        restorable=allowed_ids(ops, state.access.restorable(actor)),
        purgeable=allowed_ids(ops, state.access.purgeable(actor)),
        retention=state.tombstone.state().retention,  # checked at start (settings.py)
    )


def log_page() -> ResponseReturnValue:
    state = views()
    actor = state_actor()
    filters = read_filters(kinds=KINDS, kind_field=Operation.kind)
    if filters.problems:
        return _listing(
            "tombstone/log.html",
            filters,
            [],
            False,
            status=422,
            choices=[(kind, describe.verb(kind)) for kind in KINDS],
        )
    seen = where_all(state.access.operations(actor))
    ops, more = page_of(state.tombstone.operations().where(*seen), filters)
    ids = [op.id for op in ops]
    settled: dict[int, str] = {}
    refs: dict[int, Operation] = {}
    if ids:
        session = db_session()
        done = select(Operation.ref_op, Operation.kind).where(
            Operation.ref_op.in_(ids),
            Operation.kind.in_((OperationKind.RESTORE, OperationKind.PURGE)),
            Operation.status == OperationStatus.DONE,
        )
        settled = {int(ref): kind for ref, kind in session.execute(done)}
        wanted = {op.ref_op for op in ops if op.ref_op is not None}
        if wanted:
            referred = session.scalars(select(Operation).where(Operation.id.in_(wanted)))
            refs = {other.id: other for other in referred}
    restorable = allowed_ids(ops, state.access.restorable(actor))
    return _listing(
        "tombstone/log.html",
        filters,
        ops,
        more,
        choices=[(kind, describe.verb(kind)) for kind in KINDS],
        labels=trashed_labels([*ops, *refs.values()]),
        settled=settled,
        refs=refs,
        undoable={i for i in restorable if i not in settled},
    )


def _listing(
    template: str,
    filters: Filters,
    ops: list[Operation],
    more: bool,
    *,
    status: int = 200,
    **context: Any,
) -> ResponseReturnValue:
    args = request.args.to_dict()
    hook = views().actor_names
    recorded = sorted({op.actor for op in ops if op.actor})
    names = dict(hook(recorded)) if hook is not None and recorded else {}
    newer = {**args, "page": str(filters.page - 1)} if filters.page > 1 else None
    older = {**args, "page": str(filters.page + 1)} if more else None
    page = render_template(
        template,
        filters=filters,
        ops=ops,
        describe=describe,
        names=names,
        newer_url=None if newer is None else "?" + urlencode(newer),
        older_url=None if older is None else "?" + urlencode(older),
        **context,
    )
    return page, status
