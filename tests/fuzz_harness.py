"""Run fuzz cases (tests/fuzz_inputs.py) against the CLI and judge each outcome.

A case fails when it ends in a traceback (an exception other than click's exit, or
"Traceback" in the output), an exit code other than 0/1/2, a run longer than 10 s, or a
changed database after it was refused (exit 1 or 2) or run with --dry-run. "Changed" is
read from the database's own change counter (every insert, update and delete of a schedule
or a run moves it).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from tests.fuzz_inputs import Case
from tickwork.cli.main import cli

HANG = 10.0  # seconds


@dataclass
class Figures:
    cases: int = 0
    refused: int = 0
    tracebacks: int = 0
    hangs: int = 0
    changed: int = 0
    slowest: float = 0.0
    slowest_case: str = ""
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.cases} cases ({self.refused} refused): {self.tracebacks} tracebacks, "
            f"{self.hangs} over {HANG:g} s, {self.changed} databases changed by a refused "
            f"input; slowest {self.slowest:.2f} s ({self.slowest_case})"
        )


def change_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT value FROM change_counter").fetchone()[0])
    finally:
        conn.close()


def _materialise(case: Case, folder: Path) -> list[str]:
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    return [a.replace("{dir}", str(folder)) for a in case.args]


def _judge(
    figures: Figures, case: Case, code: int | None, text: str, seconds: float, changed: bool
) -> None:
    figures.cases += 1
    what = f"{case.label}: {[a[:60] for a in case.args]!r}"
    if seconds > figures.slowest:
        figures.slowest, figures.slowest_case = seconds, what[:120]
    refused = code not in (0, None)
    figures.refused += refused
    if code not in (0, 1, 2) or "Traceback" in text:
        figures.tracebacks += 1
        figures.failures.append(f"traceback (exit {code}) {what}\n{text[-1500:]}")
    if seconds > HANG:
        figures.hangs += 1
        figures.failures.append(f"{seconds:.1f} s {what}")
    if changed and (refused or "--dry-run" in case.args):
        figures.changed += 1
        figures.failures.append(f"changed the database (exit {code}) {what}\n{text[-500:]}")


def run_in_process(db: Path, case: Case, folder: Path, figures: Figures) -> None:
    args = _materialise(case, folder)
    before = change_count(db)
    start = time.perf_counter()
    stdin = case.stdin.encode("utf-8", "surrogateescape") if case.stdin is not None else None
    result = CliRunner().invoke(cli, ["--db", str(db), *args], input=stdin)
    seconds = time.perf_counter() - start
    text = result.output + (result.stderr or "")
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        text += "Traceback:\n" + "".join(traceback.format_exception(result.exception))
        code = -1
    _judge(figures, case, code, text, seconds, change_count(db) != before)


def run_subprocess(db: Path, case: Case, folder: Path, figures: Figures) -> None:
    """The same case through a real process: arguments as the bytes a shell would pass."""
    args = [a.encode("utf-8", "surrogateescape") for a in _materialise(case, folder)]
    stdin = case.stdin.encode("utf-8", "surrogateescape") if case.stdin is not None else b""
    before = change_count(db)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"tickwork", b"--db", str(db).encode(), *args],
            input=stdin,
            capture_output=True,
            timeout=HANG * 3,
            env={**os.environ, "TZ": "UTC"},
        )
        code, text = done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, text = None, "(killed)"
    seconds = time.perf_counter() - start
    _judge(
        figures,
        case,
        code,
        text,
        seconds if code is not None else HANG * 3,
        change_count(db) != before,
    )
