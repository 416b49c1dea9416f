"""Run fuzz cases (tests/fuzz_inputs.py) against the CLI and judge each outcome.

A case fails when it ends in a traceback (an exception other than click's exit, or
"Traceback" in the output), an exit code other than 0/1/2, a hang, or a changed database
after it was refused (exit 1 or 2) or run with --dry-run. "Changed" is read from the
database's own change counter (every insert, update and delete of a schedule or a run moves
it). A hang is a case that computes for more than 10 s of CPU time, or waits for more than
60 s of wall time: CPU time, because a busy shared machine stretches the wall time of a case
that takes 1 s of CPU to 10 s (the suite saw 9.85 s), and a hang that computes shows there.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from tests.fuzz_inputs import Case
from tickwork.cli.main import cli

HANG = 10.0  # seconds of CPU time
STALL = 60.0  # seconds of wall time


@dataclass
class Figures:
    cases: int = 0
    refused: int = 0
    tracebacks: int = 0
    hangs: int = 0
    changed: int = 0
    slowest: float = 0.0  # CPU seconds
    slowest_case: str = ""
    slowest_wall: float = 0.0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.cases} cases ({self.refused} refused): {self.tracebacks} tracebacks, "
            f"{self.hangs} hangs (over {HANG:g} s of CPU or {STALL:g} s), {self.changed} "
            f"databases changed by a refused input; slowest {self.slowest:.2f} s of CPU "
            f"({self.slowest_case}), longest {self.slowest_wall:.2f} s of wall time"
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
    figures: Figures,
    case: Case,
    code: int | None,
    text: str,
    cpu: float,
    wall: float,
    changed: bool,
) -> None:
    figures.cases += 1
    what = f"{case.label}: {[a[:60] for a in case.args]!r}"
    if cpu > figures.slowest:
        figures.slowest, figures.slowest_case = cpu, what[:120]
    figures.slowest_wall = max(figures.slowest_wall, wall)
    refused = code not in (0, None)
    figures.refused += refused
    if code not in (0, 1, 2) or "Traceback" in text:
        figures.tracebacks += 1
        figures.failures.append(f"traceback (exit {code}) {what}\n{text[-1500:]}")
    if cpu > HANG or wall > STALL:
        figures.hangs += 1
        figures.failures.append(f"{cpu:.1f} s of CPU, {wall:.1f} s {what}")
    if changed and (refused or "--dry-run" in case.args):
        figures.changed += 1
        figures.failures.append(f"changed the database (exit {code}) {what}\n{text[-500:]}")


def run_in_process(db: Path, case: Case, folder: Path, figures: Figures) -> None:
    args = _materialise(case, folder)
    before = change_count(db)
    stdin = case.stdin.encode("utf-8", "surrogateescape") if case.stdin is not None else None
    start, cpu_start = time.perf_counter(), time.process_time()
    result = CliRunner().invoke(cli, ["--db", str(db), *args], input=stdin)
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - start
    text = result.output + (result.stderr or "")
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        text += "Traceback:\n" + "".join(traceback.format_exception(result.exception))
        code = -1
    _judge(figures, case, code, text, cpu, wall, change_count(db) != before)


def run_subprocess(db: Path, case: Case, folder: Path, figures: Figures) -> None:
    """The same case through a real process: arguments as the bytes a shell would pass."""
    args = [a.encode("utf-8", "surrogateescape") for a in _materialise(case, folder)]
    stdin = case.stdin.encode("utf-8", "surrogateescape") if case.stdin is not None else b""
    before = change_count(db)
    start, cpu_start = time.perf_counter(), _children_cpu()
    try:
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"tickwork", b"--db", str(db).encode(), *args],
            input=stdin,
            capture_output=True,
            timeout=STALL,
            env={**os.environ, "TZ": "UTC"},
        )
        code, text = done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, text = None, "(killed)"
    cpu, wall = _children_cpu() - cpu_start, time.perf_counter() - start
    if code is None:  # killed at the wall-time bound
        wall = max(wall, STALL + 1)
    _judge(figures, case, code, text, cpu, wall, change_count(db) != before)


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (a case's process, once reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
