"""Helpers for the import/export/sync tests: the CLI in-process on real database files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tickwork.cli.main import cli

FIXTURES = Path(__file__).parent / "fixtures"

Run = Callable[..., tuple[int, str, str]]


def run_cli(db: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def rows(db: Path) -> list[tuple[Any, ...]]:
    """Every schedule row, for "nothing changed" checks."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM schedules ORDER BY id").fetchall()
    finally:
        conn.close()


def listed(db: Path) -> list[dict[str, Any]]:
    code, out, err = run_cli(db, "list", "--json")
    assert code == 0, err
    return list(json.loads(out))
