"""`tickwork run --sync FILE`: the headless runner keeps DECLARATIVE schedules in line."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from .conftest import RunnerProcess, query, wait_until

FIRST = """
[schedules.tick]
every = "1s"
command = "echo tick"
"""
SECOND = (
    FIRST
    + """
[schedules.tock]
every = "1s"
command = "echo tock"
"""
)


def runs_named(db: Path, name: str) -> int:
    """How many runs the schedule has (0 while the runner is still creating the file)."""
    if not db.exists():
        return 0
    try:
        rows = query(
            db,
            "SELECT count(*) FROM runs r JOIN schedules s ON s.id = r.schedule_id WHERE s.name = ?",
            (name,),
        )
    except sqlite3.OperationalError:  # no such table yet: the runner is creating the schema
        return 0
    return int(rows[0][0])


def test_run_sync_applies_the_file_and_its_changes(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    db = tmp_path / "sync.db"
    toml = tmp_path / "tickwork.toml"
    toml.write_text(FIRST)
    runner = spawn(db, "--sync", str(toml))
    assert wait_until(lambda: runs_named(db, "tick") >= 1, 15), runner.text()

    toml.write_text(SECOND)
    assert wait_until(lambda: runs_named(db, "tock") >= 1, 10), runner.text()

    toml.write_text('[schedules.tick]\nevery = "1s"\ncommand = \n')  # broken: nothing changes
    assert wait_until(lambda: "sync_failed" in runner.text(), 10), runner.text()
    before = runs_named(db, "tock")
    assert wait_until(lambda: runs_named(db, "tock") > before, 10)  # tock still declared

    code = runner.stop()
    log = runner.text()
    assert code == 0, log
    assert "synced    " in log and "1 to create" in log and "tickwork.toml:3" in log
    kinds = {r[0] for r in query(db, "SELECT type FROM schedules")}
    assert kinds == {"DECLARATIVE"}
