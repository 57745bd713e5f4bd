"""Which operations a user may read in the log, and which they may undo or restore.

Every operation the app runs records the projects it touched (``operation_project``).
Admins see and restore everything. A member:

- reads the log entries of the projects they own or belong to, an entry only when every
  project it touched is one of those (an admin's deletion across teams would otherwise name
  and count another team's rows: outside their scope, it does not exist for them);
- restores a deletion when every project it touched is one they own (trashed projects
  included: the owner restores their own deleted project), or, for a deletion they ran
  themselves, one they still belong to.

Deletions that touched no project (accounts) are for admins only.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true

from taskboard.models import Operation, OperationProject, Project, User, project_member


def _owned(user: User) -> ColumnElement[bool]:
    # The table, not the entity: trashed projects count (their owner restores them), and the
    # soft-delete criterion only attaches to entities.
    projects = Project.__table__.c
    owned = select(projects.id).where(projects.owner_id == user.id)
    return OperationProject.project_id.in_(owned)


def _member(user: User) -> ColumnElement[bool]:
    member_of = select(project_member.c.project_id).where(project_member.c.user_id == user.id)
    return OperationProject.project_id.in_(member_of)


def readable(user: User) -> ColumnElement[bool]:
    """Criterion on :class:`Operation`: the log entries ``user`` may read."""
    if user.is_admin:
        return true()
    touched = exists().where(OperationProject.op_id == Operation.id)
    theirs = or_(_owned(user), _member(user))
    outside = exists().where(OperationProject.op_id == Operation.id, not_(theirs))
    return and_(touched, not_(outside))


def restorable(user: User) -> ColumnElement[bool]:
    """Criterion on :class:`Operation`: the deletions ``user`` may undo or restore."""
    if user.is_admin:
        return true()
    touched = exists().where(OperationProject.op_id == Operation.id)
    own_run = Operation.actor == user.tombstone_actor
    allowed = or_(_owned(user), and_(own_run, _member(user)))
    outside = exists().where(OperationProject.op_id == Operation.id, not_(allowed))
    return and_(touched, not_(outside))


def purgeable(user: User) -> ColumnElement[bool]:
    """Criterion on :class:`Operation`: what ``user`` may purge (admins only)."""
    return true() if user.is_admin else false()
