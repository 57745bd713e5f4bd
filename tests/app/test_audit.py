"""Taskboard seals every operation right after its commit — keyed, anchored, with the projects
it belongs to (``operation_project``) — and ``flask tombstone verify`` catches edits of them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, insert, select, update
from taskboard_support import Browser, World, undo_op

from flask_tombstone.core import FileAnchor, Head
from flask_tombstone.core.audit import OPERATIONS, Auditor
from taskboard import config
from taskboard.extensions import db, tombstone
from taskboard.models import Operation, OperationProject

KEY = "3b6e9c2f5a8d1b4e7c0f3a6d9b2e5c8f1a4d7b0e3c6f9a2d5b8e1c4f7a0d3b6e"
INTERNAL = {"tombstone_internal": True}


@pytest.fixture
def sealing(make_app: Any, tmp_path: Path) -> Flask:
    """Taskboard as deployed: sealing after commit (its default), with a key and an anchor."""
    app: Flask = make_app(
        TOMBSTONE_AUDIT_KEY=KEY, TOMBSTONE_AUDIT_ANCHOR=(tmp_path / "audit-head").as_uri()
    )
    return app


def deleted(app: Flask, username: str, url: str) -> int:
    person = Browser(app)
    person.login(username)
    response = person.confirm(url)
    assert response.status_code == 303, response.text
    op = undo_op(person.get(response.headers["Location"]))
    assert op is not None
    return op


def seals(app: Flask) -> dict[int, int | None]:
    with app.app_context():
        rows = db.session.execute(select(Operation.id, Operation.seal_seq)).all()
        return {row.id: row.seal_seq for row in rows}


def tamper(app: Flask, statement: Any) -> None:
    with app.app_context():
        db.session.execute(statement, execution_options=INTERNAL)
        db.session.commit()


def verify(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["tombstone", "verify"])


def test_each_deletion_is_sealed_when_it_commits(sealing: Flask, world: World) -> None:
    first = deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    assert seals(sealing) == {first: 1}
    second = deleted(sealing, "otto", f"/items/{world.omega_item}/delete")
    assert seals(sealing) == {first: 1, second: 2}
    result = verify(sealing)
    assert result.exit_code == 0, result.output
    assert "chain intact: 2 sealed operation(s)" in result.output
    assert "keyed: HMAC-SHA256" in result.output
    assert "passes through 2 held by file://" in result.output
    assert "WARNING" not in result.output


def test_undo_is_sealed_too(sealing: Flask, world: World) -> None:
    op = deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    mia = Browser(sealing)
    mia.login("mia")
    assert mia.post(f"/operations/{op}/undo").status_code == 303
    assert sorted(seq or 0 for seq in seals(sealing).values()) == [1, 2]


@pytest.mark.parametrize("change", ["edit", "delete", "insert"])
def test_editing_the_projects_of_a_sealed_operation_is_caught(
    change: str, sealing: Flask, world: World
) -> None:
    op = deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    with sealing.app_context():
        scope = db.session.scalars(
            select(OperationProject.project_id).where(OperationProject.op_id == op)
        ).all()
    assert scope == [world.alpha]
    assert verify(sealing).exit_code == 0
    statement = {
        # Re-scope the deletion to Omega: otto would see it, mia would not.
        "edit": update(OperationProject)
        .where(OperationProject.op_id == op)
        .values(project_id=world.omega),
        "delete": delete(OperationProject).where(OperationProject.op_id == op),
        "insert": insert(OperationProject).values(op_id=op, project_id=world.omega),
    }[change]
    tamper(sealing, statement)
    result = verify(sealing)
    assert result.exit_code == 1, result.output
    assert f"chain broken at seal 1 (operation {op}): tampered" in result.output


def test_removing_the_newest_sealed_deletion_is_caught(sealing: Flask, world: World) -> None:
    deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    last = deleted(sealing, "otto", f"/items/{world.omega_item}/delete")
    tamper(sealing, delete(OperationProject).where(OperationProject.op_id == last))
    tamper(sealing, delete(OPERATIONS).where(OPERATIONS.c.id == last))
    result = verify(sealing)
    assert result.exit_code == 1
    assert "chain broken at seal 2: truncated" in result.output


def test_a_failing_seal_never_fails_the_request(
    sealing: Flask, world: World, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(self: Auditor, session: Any, batch: int) -> Any:
        raise RuntimeError("the sealer broke")

    monkeypatch.setattr(Auditor, "_seal_pending", broken)
    with caplog.at_level(logging.ERROR, logger="flask_tombstone.audit"):
        op = deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    assert "sealing after commit failed" in caplog.text
    assert seals(sealing) == {op: None}  # deleted, not sealed: left for the next seal
    monkeypatch.undo()
    result = sealing.test_cli_runner().invoke(args=["tombstone", "seal"])
    assert result.exit_code == 0, result.output
    assert "sealed 1 operation(s)" in result.output and "anchored in file://" in result.output
    assert seals(sealing) == {op: 1}
    assert verify(sealing).exit_code == 0


def test_verify_expect_head(sealing: Flask, world: World) -> None:
    deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    runner = sealing.test_cli_runner()
    head = runner.invoke(args=["tombstone", "seal"]).output.split("chain head: ")[1].split()[0]
    ok = runner.invoke(args=["tombstone", "verify", "--expect-head", head])
    assert ok.exit_code == 0, ok.output
    seq, digest = head.split(":")
    other = f"{seq}:{'0' * 64}"
    assert runner.invoke(args=["tombstone", "verify", "--expect-head", other]).exit_code == 1
    later = f"{int(seq) + 5}:{digest}"
    result = runner.invoke(args=["tombstone", "verify", "--expect-head", later])
    assert result.exit_code == 1 and "truncated" in result.output
    bad = runner.invoke(args=["tombstone", "verify", "--expect-head", "yesterday"])
    assert bad.exit_code == 2 and "not a chain head" in bad.output


def test_without_key_and_anchor_verify_warns(app: Flask, world: World) -> None:
    op = deleted(app, "mia", f"/items/{world.alpha_item}/delete")
    assert seals(app) == {op: 1}  # Taskboard seals by default, key or not
    result = verify(app)
    assert result.exit_code == 0
    assert "WARNING: no audit key" in result.output and "WARNING: no anchor" in result.output
    strict = app.test_cli_runner().invoke(args=["tombstone", "verify", "--strict"])
    assert strict.exit_code == 1


def test_a_short_key_stops_the_app(make_app: Any) -> None:
    with pytest.raises(Exception, match="TOMBSTONE_AUDIT_KEY is 6 bytes long"):
        make_app(TOMBSTONE_AUDIT_KEY="secret")


def test_deployed_without_settings_the_key_and_anchor_live_in_the_instance_folder(
    tmp_path: Path,
) -> None:
    app = Flask("taskboard", instance_path=str(tmp_path / "instance"))
    config._audit_defaults(app)
    key = (tmp_path / "instance" / "audit_key").read_text().strip()
    assert app.config["TOMBSTONE_AUDIT_KEY"] == key and len(key) == 64
    assert app.config["TOMBSTONE_AUDIT_ANCHOR"] == (tmp_path / "instance" / "audit-head").as_uri()
    config._audit_defaults(app)
    assert (tmp_path / "instance" / "audit_key").read_text().strip() == key


def test_run_demo_on_a_new_database_moves_an_old_anchor_aside(
    make_app: Any, tmp_path: Path
) -> None:
    path = tmp_path / "audit-head"
    FileAnchor(path).advance(Head(7, "a" * 64))
    app = make_app(TOMBSTONE_AUDIT_KEY=KEY, TOMBSTONE_AUDIT_ANCHOR=path.as_uri())
    result = app.test_cli_runner().invoke(args=["run-demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "the audit anchor of an earlier one was moved" in result.output
    aside = [p for p in tmp_path.glob("audit-head.*") if p.suffix != ".lock"]
    assert not path.exists() and [FileAnchor(p).read() for p in aside] == [Head(7, "a" * 64)]


def test_deployed_taskboard_seals_in_the_background(
    make_app: Any, world: World, tmp_path: Path
) -> None:
    app: Flask = make_app(
        TOMBSTONE_AUTO_SEAL=config.DEFAULTS["TOMBSTONE_AUTO_SEAL"],
        TOMBSTONE_AUDIT_KEY=KEY,
        TOMBSTONE_AUDIT_ANCHOR=(tmp_path / "audit-head").as_uri(),
    )
    assert config.DEFAULTS["TOMBSTONE_AUTO_SEAL"] == "background"
    first = deleted(app, "mia", f"/items/{world.alpha_item}/delete")
    second = deleted(app, "otto", f"/items/{world.omega_item}/delete")
    assert tombstone.wait_for_seals(10)
    assert seals(app) == {first: 1, second: 2}
    assert verify(app).exit_code == 0


def test_seal_refuses_to_move_the_anchor_over_a_truncated_chain(
    sealing: Flask, world: World
) -> None:
    deleted(sealing, "mia", f"/items/{world.alpha_item}/delete")
    last = deleted(sealing, "otto", f"/items/{world.omega_item}/delete")
    tamper(sealing, delete(OperationProject).where(OperationProject.op_id == last))
    tamper(sealing, delete(OPERATIONS).where(OPERATIONS.c.id == last))
    result = sealing.test_cli_runner().invoke(args=["tombstone", "seal"])
    assert result.exit_code == 1
    assert "no longer reaches seal 2" in result.output and "anchor stays at 2:" in result.output


def test_rekey_a_chain_sealed_before_the_key(
    app: Flask, make_app: Any, world: World, tmp_path: Path
) -> None:
    deleted(app, "mia", f"/items/{world.alpha_item}/delete")  # sealed without a key
    deleted(app, "otto", f"/items/{world.omega_item}/delete")
    keyed = make_app(
        TOMBSTONE_AUDIT_KEY=KEY, TOMBSTONE_AUDIT_ANCHOR=(tmp_path / "audit-head").as_uri()
    )
    runner = keyed.test_cli_runner()
    before = runner.invoke(args=["tombstone", "verify"])
    assert before.exit_code == 1 and "unkeyed" in before.output
    result = runner.invoke(args=["tombstone", "rekey", "--yes"])
    assert result.exit_code == 0, result.output
    assert "re-sealed 2 operation(s)" in result.output and "anchored in file://" in result.output
    after = runner.invoke(args=["tombstone", "verify"])
    assert after.exit_code == 0 and "keyed: HMAC-SHA256" in after.output
