"""The example apps under ``examples/tutorial``, imported as the tests need them: afresh for
each test and bound to the test's database (the tutorial declares its app and models at module
level, as the seeds do, so each import is an app of its own)."""

from __future__ import annotations

import importlib.util
import re
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest

TUTORIAL = Path(__file__).parents[2] / "examples" / "tutorial"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def load(name: str, url: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``examples/tutorial/<name>.py`` afresh, bound to ``url``."""
    monkeypatch.setenv("DATABASE_URL", url)
    module_name = f"tutorial_{name}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(module_name, TUTORIAL / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def unload(module: ModuleType) -> None:
    """Drop the module's tables and connections (the end of a test)."""
    with module.app.app_context():
        module.db.session.remove()
        module.db.drop_all()
        module.db.engine.dispose()
    sys.modules.pop(module.__name__, None)


def csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no CSRF token"
    return found.group(1)
