"""Flask-Tombstone: safe, reversible, audited deletion for Flask and SQLAlchemy 2.

``flask_tombstone.core`` is the engine (SQLAlchemy only); :class:`Tombstone` here is the Flask
extension built on it. Everything the core exports is re-exported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import core as _core
from .core import *  # noqa: F403 - the core's public names are this package's too
from .core import Tombstone as CoreTombstone
from .core import errors

if TYPE_CHECKING:
    from .extension import Tombstone

__version__ = "0.1.0"
__all__ = [*_core.__all__, "CoreTombstone", "errors"]


del globals()["Tombstone"]  # the star import's core class; the Flask one is loaded lazily


def __getattr__(name: str) -> Any:
    # The Flask extension is imported on first use, so the core works without Flask installed.
    if name == "Tombstone":
        from .extension import Tombstone

        return Tombstone
    raise AttributeError(name)
