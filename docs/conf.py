"""Sphinx configuration of the Flask-Tombstone documentation: ``make docs`` builds it into
``docs/_build/html`` with warnings as errors."""

from __future__ import annotations

import sys
from pathlib import Path

from pallets_sphinx_themes import get_version

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "Flask-Tombstone"
copyright = "2026, the Flask-Tombstone developers"
author = "the Flask-Tombstone developers"
release, version = get_version("Flask-Tombstone")

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "sphinx_click",
    "pallets_sphinx_themes",
    "tombstone_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "screenshots/*.md", "Thumbs.db", ".DS_Store"]

# The guides are the Markdown pages the repository already reads well as (GitHub renders
# them too); headings get anchors so that `engine.md#indexes-for-live-rows` links resolve.
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]
# Markdown links name pages and headings, so only these domains are asked to resolve them.
myst_ref_domains = ["std", "py"]

# Warnings are errors (make docs passes -W -n). References into other projects cannot be
# resolved without intersphinx, which would fetch their inventories from the network: they are
# left unlinked, and only references to names of our own must resolve.
nitpicky = True
nitpick_ignore = [
    # views.md links the tutorial's folder, which is source code, not a page of the site.
    ("myst", "../examples/tutorial"),
    # A constructor option of Tombstone (an attribute), which its docstring names as a method.
    ("py:meth", "actor_loader"),
    # Internal types that public signatures mention; they are not part of the API.
    *(
        ("py:class", name)
        for name in (
            "Auditing",
            "flask_tombstone.core.sealing.Auditing",
            "flask_tombstone.core.planner.Plan",
            "flask_tombstone.core.operations.Request",
            "flask_tombstone.core.records.RecordBase",
            "flask_tombstone.core.audit_hash.KeyRing",
            "SessionTarget",
            "PermissionKey",
            "Permission",
            "RowHook",
            "OperationHook",
            "ScopeHook",
            "ActorHook",
            "RowUrl",
            "ActorNames",
            "ActorsNamed",
            "Map",
        )
    ),
]
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(sqlalchemy|flask|werkzeug|click|markupsafe|jinja2|redis|typing|"
        r"collections|datetime|enum|pathlib|contextlib|types|_?abc|builtins|re|os|t)(\..+)?",
    ),
    (
        r"py:.*",
        r"(Any|Callable|Iterable|Iterator|Mapping|Sequence|Session|Select|Engine|"
        r"Connection|MetaData|Table|Mapper|ColumnElement|Flask|Blueprint|Markup|Response|"
        r"ResponseReturnValue|MultiDict|BaseConverter|timedelta|datetime|Path|Enum|StrEnum|"
        r"Exception|ValueError|RuntimeError|LookupError|TypeError|KeyError|"
        r"NoneType|int|str|bytes|bool|dict|list|tuple|set|frozenset|type|object|float)",
    ),
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}

html_theme = "flask"
html_title = f"Flask-Tombstone Documentation ({version})"
html_context: dict[str, object] = {"project_links": []}
html_sidebars = {
    "index": ["project.html", "localtoc.html", "searchbox.html"],
    "**": ["localtoc.html", "relations.html", "searchbox.html"],
}
singlehtml_sidebars = {"index": ["project.html", "localtoc.html"]}
# The version banner asks a package index which version is newest: no network here, and a
# page opened from disk has nothing to ask.
version_banner = False
html_show_sourcelink = False
