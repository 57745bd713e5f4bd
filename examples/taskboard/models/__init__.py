"""Taskboard's models, one module each."""

from flask_tombstone import Operation

from .api_token import ApiToken
from .base import Base
from .comment import Comment
from .item import Item, Status, item_tag
from .login_session import LoginSession
from .project import Project, project_member
from .scope import OperationProject
from .tag import Tag
from .user import Role, User

__all__ = [
    "ApiToken",
    "Base",
    "Comment",
    "Item",
    "LoginSession",
    "Operation",
    "OperationProject",
    "Project",
    "Role",
    "Status",
    "Tag",
    "User",
    "item_tag",
    "project_member",
]
