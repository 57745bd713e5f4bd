"""``/api/operations``: the deletion log, and restoring or purging one deletion, through the
same services and access rules as the HTML trash."""

from __future__ import annotations

# flask-smorest ships no type information: its decorators keep our signatures as written.
# mypy: disable-error-code="untyped-decorator"
from typing import Any

from sqlalchemy import Select, false

from taskboard.access import rows
from taskboard.deletion.errors import Refused
from taskboard.extensions import db
from taskboard.models import Operation, Project, User
from taskboard.operations.services import LogFilter, listing
from taskboard.trash import services

from . import logbook
from .auth import caller
from .operation_schemas import (
    LogArgs,
    LoggedOperationSchema,
    LogPageSchema,
    PurgeBody,
    RestoreBody,
    RestoredSchema,
)
from .refusals import abort_refused
from .resources import SECURITY, blueprint

blp = blueprint("operations", "The deletion log; restoring and purging a deletion")
OP = "<id:op_id>"


@blp.route("")
@blp.doc(security=SECURITY)
@blp.arguments(LogArgs, location="query", unknown=None)
@blp.response(200, LogPageSchema)
def operations(args: dict[str, Any]) -> dict[str, Any]:
    """The deletion log the caller may read (every project they are on), newest first."""
    return logbook.page(log_query(caller(), args), args)


def log_query(user: User, args: dict[str, Any]) -> Select[Operation]:
    """The HTML log's filters, then those only the API offers (status, mine, a window)."""
    project_id = args.get("project_id")
    wanted = LogFilter(
        kind=args.get("kind", ""),
        model=args.get("model", ""),
        actor=args.get("actor", "").lower(),
        project_id=project_id,
    )
    query = listing(user, wanted)
    # Only projects the caller is on: an operation that also touched another team's project
    # must not tell them that project exists.
    if (
        project_id is not None
        and not user.is_admin
        and rows.find(Project, project_id, user) is None
    ):
        query = query.where(false())
    if "status" in args:
        query = query.where(Operation.status == args["status"])
    if args.get("mine"):
        query = query.where(Operation.actor == user.tombstone_actor)
    if "since" in args:
        query = query.where(Operation.created_at >= args["since"])
    if "until" in args:
        query = query.where(Operation.created_at < args["until"])
    return query


@blp.route(f"/{OP}/restore", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(RestoreBody, required=False)
@blp.response(200, RestoredSchema)
def restore(body: dict[str, Any], op_id: int) -> dict[str, Any]:
    """Bring back exactly what deletion ``op_id`` removed. A conflict (a parent deleted
    separately, a unique value taken since) is 409 with ``conflicts``; ``with_parents``
    restores the parent deletions along, when the caller may restore them."""
    logbook.load(op_id)
    command = services.RestoreCommand(op_id, caller(), bool(body.get("with_parents")))
    try:
        done = services.restore(command)
    except Refused as refused:
        db.session.rollback()
        abort_refused(refused)
    db.session.commit()
    *parents, restored = logbook.represent_all(done)
    return restored | {"parents": parents}


@blp.route(f"/{OP}/purge", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(PurgeBody)
@blp.response(200, LoggedOperationSchema)
def purge(body: dict[str, Any], op_id: int) -> dict[str, Any]:
    """Remove deletion ``op_id``'s rows for good (admins only; a reason is required)."""
    logbook.load(op_id, purge=True)
    try:
        report = services.purge(services.PurgeCommand(op_id, caller(), body["reason"]))
    except Refused as refused:
        db.session.rollback()
        abort_refused(refused)
    db.session.commit()
    purge_op = db.session.get_one(Operation, report.operations[-1].purge_op_id)
    return logbook.represent_all([purge_op])[0]
