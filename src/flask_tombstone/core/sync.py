"""Keeping the session's identity map honest after an operation.

The executors write with set-based statements, behind the unit of work's back. Afterwards,
instances of removed rows are taken out of the session (``Session.get`` then asks the database,
whose answer the visibility criteria filter), and the ones the caller passed get their stamp.
Only instances already in the identity map are looked at: the work is bounded by the session,
never by the number of rows the operation touched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .graph import Node
from .planner import Plan
from .records import Operation
from .sql import INTERNAL


def _instances(session: Session, node: Node) -> dict[Any, Any]:
    found: dict[Any, Any] = {}  # {primary key: instance}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, node.cls):
            identity = inspect(obj).identity
            if identity is not None:
                found[identity[0]] = obj
    return found


def forget_removed(session: Session, plan: Plan, op: Operation) -> None:
    for node in plan.nodes:
        held = _instances(session, node)
        for obj in plan.target.instances:
            if isinstance(obj, node.cls):
                identity = inspect(obj).identity
                if identity is not None:
                    held.setdefault(identity[0], obj)
        if not held:
            continue
        if plan.mode == "soft":
            query = select(node.pk, node.col("deleted_at")).where(
                node.pk.in_(list(held)), node.col("deleted_by_op") == op.id
            )
            for pk, deleted_at in session.execute(query, execution_options=INTERNAL):
                obj = held[pk]
                set_committed_value(obj, "deleted_at", deleted_at)
                set_committed_value(obj, "deleted_by_op", op.id)
                if obj in session:
                    session.expunge(obj)
        else:
            query = select(node.pk).where(node.pk.in_(list(held)))
            remaining = set(session.scalars(query, execution_options=INTERNAL))
            for pk, obj in held.items():
                if pk not in remaining and obj in session:
                    session.expunge(obj)


def refresh_restored(session: Session, nodes: list[Node]) -> None:
    """Instances loaded with ``include_deleted`` carry a stale stamp: expire them."""
    for node in nodes:
        for obj in _instances(session, node).values():
            session.expire(obj)
