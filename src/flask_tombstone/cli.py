"""``flask tombstone ...``: delete, restore, purge, trash, ops, seal, verify, rekey."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from . import settings
from .core import Head, Operation, Preview, TombstoneError, describe_conflict
from .core.audit import chain_head
from .core.errors import Conflict, DatabaseFailure
from .core.records import OperationKind

if TYPE_CHECKING:
    from .extension import Tombstone

LIMIT = click.IntRange(1, 100_000)  # rows a listing prints


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``... as a ``timedelta`` (a usage error otherwise)."""
    try:
        return settings.parse_duration(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _tombstone() -> Tombstone:
    tombstone: Tombstone = current_app.extensions["tombstone"].tombstone
    return tombstone


def _fail(error: TombstoneError) -> None:
    _tombstone().db.session.rollback()
    lines = [f"{error.title}: {error}"]
    for name, value in error.extensions().items():
        if name == "blockers":
            lines += [
                f"  - {b['row']['model']} {b['row']['label']!r} ({b['reason']}"
                f"{', via ' + b['via'] if b['via'] else ''})"
                for b in value
            ]
    if isinstance(error, Conflict):
        lines += [f"  - {describe_conflict(c)}" for c in error.conflicts]
    raise click.ClickException("\n".join(lines))


def _print_preview(preview: Preview) -> None:
    click.echo(f"{preview.mode} delete of {preview.model}: {preview.total} row(s)")
    for model, n in preview.counts.items():
        names = ", ".join(r.label for r in preview.samples.get(model, []))
        click.echo(f"  {model}: {n}" + (f" ({names}{', ...' if n > 5 else ''})" if names else ""))
    for effect, n in preview.effects.items():
        click.echo(f"  {effect}: {n} link(s) changed")
    for blocker in preview.blockers:
        click.echo(f"  BLOCKED by {blocker.row.model} {blocker.row.label!r} ({blocker.reason})")
    click.echo(f"confirm token: {preview.token}")


@click.group("tombstone")
def tombstone_cli() -> None:
    """Safe, reversible deletion: delete, restore, purge, audit."""


@tombstone_cli.command("delete")
@click.argument("model")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--hard", is_flag=True, help="Delete physically (journaled) instead of to the trash.")
@click.option("--reason", default=None, help="Why; recorded on the operation.")
@click.option("--actor", default="cli", show_default=True)
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@with_appcontext
def delete_command(
    model: str, ids: tuple[int, ...], hard: bool, reason: str | None, actor: str, dry_run: bool
) -> None:
    """Delete rows of MODEL by id, with everything their rules take along."""
    tombstone = _tombstone()
    try:
        cls = tombstone.graph.node_named(model).cls
    except KeyError:
        raise click.BadParameter(f"unknown model {model!r}", param_hint="MODEL") from None
    try:
        if dry_run:
            _print_preview(tombstone.preview(cls, ids=ids, hard=hard))
            return
        op = tombstone.delete(cls, ids=ids, hard=hard, reason=reason, actor=actor)
        tombstone.db.session.commit()
    except TombstoneError as error:
        _fail(error)
        return
    click.echo(f"operation {op.id}: {op.kind} {_counts(op.counts)}")


@tombstone_cli.command("restore")
@click.argument("op_id", type=int)
@click.option("--with-parents", is_flag=True, help="Also restore trashed parents' operations.")
@click.option("--actor", default="cli", show_default=True)
@with_appcontext
def restore_command(op_id: int, with_parents: bool, actor: str) -> None:
    """Bring back exactly what operation OP_ID put in the trash."""
    tombstone = _tombstone()
    try:
        op = tombstone.restore(op_id, with_parents=with_parents, actor=actor)
        tombstone.db.session.commit()
    except TombstoneError as error:
        _fail(error)
        return
    click.echo(f"operation {op.id}: restored {_counts(op.counts)}")


@tombstone_cli.command("purge")
@click.option("--older-than", "older_than", default=None, help="e.g. 30d (default: config).")
@click.option("--op", "op_id", type=int, default=None, help="Purge one operation only.")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
@click.option("--chunk-size", type=int, default=10_000, show_default=True)
@click.option("--reason", default="retention", show_default=True)
@click.option("--actor", default="cli", show_default=True)
@with_appcontext
def purge_command(
    older_than: str | None,
    op_id: int | None,
    dry_run: bool,
    chunk_size: int,
    reason: str,
    actor: str,
) -> None:
    """Remove trashed rows for good (commits as it goes; rerun to resume)."""
    tombstone = _tombstone()
    kwargs: dict[str, Any] = {
        "dry_run": dry_run,
        "reason": reason,
        "actor": actor,
        "chunk_size": chunk_size,
    }
    if op_id is not None and older_than is not None:
        raise click.UsageError(
            "--op and --older-than are exclusive: purge one operation, or by age"
        )
    if op_id is None:
        period = tombstone.state().retention if older_than is None else parse_duration(older_than)
        if period is None:
            raise click.UsageError("no TOMBSTONE_RETENTION is set: give --older-than")
        kwargs["older_than"] = period
    try:
        with click.progressbar(length=1, label="purging", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = tombstone.purge(op_id, progress=progress, **kwargs)
        tombstone.db.session.commit()
    except TombstoneError as error:
        _fail(error)
        return
    verb = "would purge" if dry_run else "purged"
    for purged in report.operations:
        click.echo(f"operation {purged.op_id}: {verb} {_counts(purged.counts)}")
    click.echo(f"{verb} {report.total} row(s) from {len(report.operations)} operation(s)")
    if report.skipped:  # left in the trash: a retention job must hear of it
        for skipped_id, why in sorted(report.skipped.items()):
            click.echo(f"operation {skipped_id}: left in the trash: {why}", err=True)
        raise SystemExit(1)


@tombstone_cli.command("trash")
@click.option("--limit", type=LIMIT, default=50, show_default=True)
@with_appcontext
def trash_command(limit: int) -> None:
    """List the operations whose rows are in the trash."""
    for op in _listed(_tombstone().trash().limit(limit)):
        click.echo(
            f"{op.id:>6}  {op.finished_at:%Y-%m-%d %H:%M}  {op.actor or '-':<12} "
            f"{op.root_model:<12} {_counts(op.counts)}  {op.reason or ''}"
        )


@tombstone_cli.command("ops")
@click.option("--limit", type=LIMIT, default=50, show_default=True)
@click.option(
    "--kind",
    type=click.Choice(OperationKind.ALL),
    default=None,
)
@with_appcontext
def ops_command(limit: int, kind: str | None) -> None:
    """Show the operations log, newest first."""
    query = _tombstone().operations().limit(limit)
    if kind:
        query = query.where(Operation.kind == kind)
    for op in _listed(query):
        ref = f" (of {op.ref_op})" if op.ref_op else ""
        click.echo(
            f"{op.id:>6}  {op.created_at:%Y-%m-%d %H:%M}  {op.kind:<11}{ref} "
            f"{op.actor or '-':<12} {op.root_model:<12} {_counts(op.counts)}"
        )


def _head(ctx: click.Context, param: click.Parameter, value: str | None) -> Head | None:
    if value is None:
        return None
    try:
        return Head.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _anchor_line(held: Head | None) -> str:
    anchor = _tombstone().current_audit_settings().anchor
    if anchor is None:
        return "no anchor (TOMBSTONE_AUDIT_ANCHOR): note the head elsewhere for --expect-head"
    return f"anchored in {anchor.url}: {held}"


@tombstone_cli.command("seal")
@with_appcontext
def seal_command() -> None:
    """Seal finished operations into the audit chain and anchor its head (cron-safe)."""
    tombstone = _tombstone()
    session = tombstone.db.session
    try:
        n = tombstone.seal()
        session.commit()
        held = tombstone.anchor_head()
    except TombstoneError as error:
        _fail(error)
        return
    click.echo(f"sealed {n} operation(s)")
    head = chain_head(session)
    session.rollback()
    if head is not None:
        click.echo(f"chain head: {head}")
        click.echo(_anchor_line(held))


@tombstone_cli.command("verify")
@click.option(
    "--expect-head",
    metavar="SEQ:HASH",
    callback=_head,
    help="A head noted earlier: the chain must pass through it (and may go on from it).",
)
@click.option("--strict", is_flag=True, help="Also exit 1 without a key or an anchor.")
@with_appcontext
def verify_command(expect_head: Head | None, strict: bool) -> None:
    """Check the audit chain; exits 1 naming the first broken record."""
    tombstone = _tombstone()
    try:
        result = tombstone.verify(expect_head=expect_head)
    except TombstoneError as error:
        _fail(error)
        return
    finally:
        tombstone.db.session.rollback()
    if not result.ok:
        where = f" (operation {result.operation_id})" if result.operation_id is not None else ""
        raise click.ClickException(
            f"chain broken at seal {result.seal_seq}{where}: {result.problem}\n  {result.detail}"
        )
    click.echo(f"chain intact: {result.checked} sealed operation(s)")
    if result.head is not None:
        click.echo(f"chain head: {result.head}")
    if result.keyed:
        click.echo("keyed: HMAC-SHA256 under TOMBSTONE_AUDIT_KEY")
    for where, head in result.anchored:
        click.echo(f"passes through {head.seq} held by {where}")
    if result.unsealed:
        click.echo(f"{result.unsealed} finished operation(s) not sealed yet")
    for warning in result.warnings:
        click.echo(f"WARNING: {warning}", err=True)
    if strict and result.warnings:
        raise click.ClickException("the chain is not fully protected (--strict)")


@tombstone_cli.command("rekey")
@click.option(
    "--expect-head",
    metavar="SEQ:HASH",
    callback=_head,
    help="A head noted earlier that the chain must pass through before it is re-sealed.",
)
@click.confirmation_option(prompt="Re-seal the whole audit chain under the current key?")
@with_appcontext
def rekey_command(expect_head: Head | None) -> None:
    """Re-seal the whole chain under TOMBSTONE_AUDIT_KEY, once it verifies as it stands.

    For a chain sealed before a key was set, or after a key was compromised. It trusts the
    chain as it is now: check it against an anchor or a head noted earlier (--expect-head).
    """
    tombstone = _tombstone()
    session = tombstone.db.session
    try:
        n = tombstone.rekey(expect_head=expect_head)
        session.commit()
        held = tombstone.anchor_head(replace=True)
    except TombstoneError as error:
        _fail(error)
        return
    head = chain_head(session)
    session.rollback()
    click.echo(f"re-sealed {n} operation(s) under the current key")
    if head is not None:
        click.echo(f"chain head: {head}")
        click.echo(_anchor_line(held))


def _listed(query: Any) -> list[Operation]:
    """The operations a listing prints; a database error (the engine's tables not migrated)
    said as the other commands say it, not a traceback."""
    try:
        return list(_tombstone().db.session.scalars(query))
    except DBAPIError as exc:
        failure = DatabaseFailure()
        failure.__cause__ = exc
        _fail(failure)
        return []


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {model}" for model, n in counts.items() if n) or "nothing"


__all__ = ["parse_duration", "tombstone_cli"]
