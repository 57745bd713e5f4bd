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
    """Instances of the rows the operation removed become *deleted*, exactly as after the unit
    of work's own DELETE: out of the identity map, detached at commit with their loaded
    values still readable, back as persistent if the transaction rolls back."""
    removed: list[Any] = []
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
            for pk in _stamped(session, plan, op, node, held):
                obj = held[pk]
                set_committed_value(obj, "deleted_at", op.created_at)
                set_committed_value(obj, "deleted_by_op", op.id)
                removed.append(obj)
        else:
            query = select(node.pk).where(node.pk.in_(list(held)))
            remaining = set(session.scalars(query, execution_options=INTERNAL))
            removed += [obj for pk, obj in held.items() if pk not in remaining]
    mark_deleted(session, removed)


def mark_deleted(session: Session, objects: list[Any]) -> None:
    """What the unit of work does with the instances of rows it deleted."""
    states = [inspect(obj) for obj in objects]
    mine = [state for state in states if state.session_id == session.hash_key]
    for state in states:
        _keep_key_readable(state)
    session._remove_newly_deleted(mine)


def _keep_key_readable(state: Any) -> None:
    """A deleted instance keeps what was loaded; its key, known from its identity, is made
    readable even when it was expired (``project.id`` after the delete and a commit)."""
    if state.key is None:
        return
    for column, value in zip(state.mapper.primary_key, state.key[1], strict=False):
        prop = state.mapper.get_property_by_column(column)
        if prop.key not in state.dict:
            set_committed_value(state.obj(), prop.key, value)


def unmark_deleted(session: Session, objects: list[Any]) -> None:
    """A refused deletion: the instances stay persistent and are no longer marked deleted."""
    for obj in objects:
        session._deleted.pop(inspect(obj), None)


def _stamped(session: Session, plan: Plan, op: Operation, node: Node, held: dict[Any, Any]) -> Any:
    """The held keys the operation stamped. When it stamped every id it was asked for and
    holds nothing else of the model, that is known without asking the database."""
    target = plan.target
    if (
        node is target.node
        and not any(step.self_links for step in plan.steps if step.node is node)
        and target.ids is not None
        and op.counts.get(node.name) == len(target.ids)
        and set(held) <= set(target.ids)
    ):
        return list(held)
    query = select(node.pk).where(node.pk.in_(list(held)), node.col("deleted_by_op") == op.id)
    return session.scalars(query, execution_options=INTERNAL).all()


def refresh_restored(session: Session, nodes: list[Node]) -> None:
    """Instances loaded with ``include_deleted`` carry a stale stamp: expire them."""
    for node in nodes:
        for obj in _instances(session, node).values():
            session.expire(obj)
