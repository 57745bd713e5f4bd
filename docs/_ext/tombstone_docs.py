"""Sphinx extension for Flask-Tombstone's documentation: the configuration keys, from their
definitions.

``.. tombstone-config:: flask_tombstone.extension:CONFIG_DEFAULTS`` documents every key of that
dict as a ``confval`` (so ``:confval:`TOMBSTONE_RETENTION``` links to it): its default as
written in the source, and the comment that describes it there. The comments are read with
:mod:`tokenize`, the dict with :mod:`ast`, so the page cannot drift from the code.

A key's description is its own trailing comment (``"KEY": value,  # what it does``); comment
lines above a group of keys are for readers of the source. A key without a comment of its own
is an error, not an empty entry.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")


@dataclass(frozen=True)
class ConfigKey:
    """One key of a defaults dict: its name, its default as written, and what it is for."""

    name: str
    default: str
    description: str


def _comments(source: str) -> dict[int, str]:
    """``{line: comment text}`` for every comment of ``source``."""
    return {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }


def _find_dict(tree: ast.Module, name: str) -> ast.Dict:
    for statement in tree.body:
        if isinstance(statement, ast.AnnAssign):
            targets: list[ast.expr] = [statement.target]
        elif isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(statement.value, ast.Dict):
                return statement.value
            raise ValueError(f"{name} is not assigned a dict literal")
    raise LookupError(f"no module-level assignment of {name}")


def config_keys(source: str, name: str) -> list[ConfigKey]:
    """The keys of the dict literal assigned to ``name`` in ``source``, described by their
    comments.

    :raises ValueError: a key that is not a string literal, or that has no comment.
    """
    tree = ast.parse(source)
    mapping = _find_dict(tree, name)
    comments = _comments(source)
    keys: list[ConfigKey] = []
    for key_node, value_node in zip(mapping.keys, mapping.values, strict=True):
        if not (isinstance(key_node, ast.Constant) and isinstance(key_node.value, str)):
            raise ValueError(f"{name}: a key that is not a string literal")
        key = key_node.value
        end = value_node.end_lineno or value_node.lineno
        own = [comments[n] for n in range(key_node.lineno, end + 1) if n in comments]
        if not own:
            raise ValueError(f"{name}[{key!r}] has no comment of its own saying what it is for")
        default = ast.get_source_segment(source, value_node) or ast.unparse(value_node)
        keys.append(ConfigKey(key, default, " ".join(own)))
    return keys


def keys_of(target: str) -> tuple[list[ConfigKey], dict[str, Any]]:
    """``module:NAME`` -> its keys, and the dict itself (to check they agree)."""
    module_name, _, name = target.partition(":")
    module = importlib.import_module(module_name)
    keys = config_keys(inspect.getsource(module), name)
    value: dict[str, Any] = getattr(module, name)
    if [k.name for k in keys] != list(value):
        raise ValueError(f"{target}: the source and the imported dict disagree")
    return keys, value


class ConfigDirective(SphinxDirective):
    """``.. tombstone-config:: module:DICT``: one ``confval`` per key."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0]
        try:
            keys, _ = keys_of(target)
        except (ImportError, LookupError, ValueError) as error:
            raise self.error(f"tombstone-config {target}: {error}") from error
        source_file = inspect.getsourcefile(importlib.import_module(target.partition(":")[0]))
        if source_file is not None:  # rebuilt when the definitions change
            self.env.note_dependency(source_file)
        lines: list[str] = []
        for key in keys:
            lines += [
                f".. confval:: {key.name}",
                f"   :default: ``{key.default}``",
                "",
                f"   {_sentence(key.description)}",
                "",
            ]
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(StringList(lines, source=target), self.content_offset, container)
        return list(container.children)


def _sentence(text: str) -> str:
    """A comment as a sentence of the page: capitalised, with a full stop, its Markdown-style
    `code` as reStructuredText's ``code``."""
    text = CODE.sub(r"``\1``", text.strip())
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def resolve_short_name(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve a Python reference the docstrings write as the code reads (``:class:`Access```,
    ``:class:`~.errors.DatabaseFailure```, ``:func:`verify```) to the one public object of ours
    whose dotted name ends so; the shortest name when several do (a method documented both on
    the engine and on the extension). What matches nothing stays a warning."""
    if node.get("refdomain") != "py":
        return None
    target = str(node.get("reftarget", "")).lstrip("~.")
    if not target:
        return None
    domain: Any = env.get_domain("py")
    for suffix in (target, target.rpartition(".")[2]):
        found = sorted(
            (name for name in domain.objects if name == suffix or name.endswith("." + suffix)),
            key=lambda name: (domain.objects[name].aliased, len(name), name),
        )
        if found:
            entry = domain.objects[found[0]]
            return make_refnode(
                app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, found[0]
            )
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("tombstone-config", ConfigDirective)
    app.connect("missing-reference", resolve_short_name)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
