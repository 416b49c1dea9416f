"""The CLI in-process (click's runner) on real database files, and a "nothing changed" probe."""

from __future__ import annotations

import sqlite3
from typing import Any

from click.testing import CliRunner

from tickwork.cli.main import cli
from tickwork.store import Store
from tickwork.store.location import Target


def run_cli(db: Target, *args: str, input: str | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `tickwork --db DB ARGS...`; unexpected errors propagate."""
    result = CliRunner().invoke(cli, ["--db", str(db), *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def schedule_rows(db: Target) -> list[tuple[Any, ...]]:
    """Every schedule row, for "nothing changed" checks."""
    if isinstance(db, str):  # a PostgreSQL database
        with Store.open(db) as store:
            return store.query("SELECT * FROM schedules ORDER BY id")
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM schedules ORDER BY id").fetchall()
    finally:
        conn.close()
