"""A damaged, truncated or read-only database: every command says so in one line, exits 1 and
leaves the file as it was (today's `add`, `pause`, `delete`, `trigger` and `run --once` wrote to
it and exited 0). A runner that finds its database damaged while running stops cleanly.

Real processes throughout. "Read-only" for root: the commands run without the capabilities that
let root write anywhere (setpriv), so file modes count as they do for everyone else.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.runner.conftest import ROOT, RunnerProcess, add, command, query, wait_until
from tickwork.store import Store

SCHEDULES = 300
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def commands(tmp: Path) -> list[list[str]]:
    toml = tmp / "schedules.toml"
    toml.write_text('[schedules.nightly]\ncron = "0 3 * * *"\ncommand = "true"\n')
    exported = tmp / "export.json"
    exported.write_text(json.dumps([{"name": "imported", "cron": "0 4 * * *", "command": "x"}]))
    return [
        ["list"],
        ["list", "--json"],
        ["show", "job-000"],
        ["next"],
        ["export"],
        ["runs"],
        ["add", "new", "--every", "1h", "--command", "true"],
        ["edit", "job-001", "--command", "false"],
        ["pause", "job-002"],
        ["resume", "paused"],
        ["delete", "job-004", "--yes"],
        ["trigger", "job-005"],
        ["run", "--once"],
        ["sync", str(toml)],
        ["import", "json", str(exported)],
    ]


def build(db: Path) -> None:
    """A database of SCHEDULES schedules (most of the file), one paused, a few runs; written
    back into the main file (no WAL left)."""
    with Store.open(db) as store:
        for i in range(SCHEDULES):
            add(
                store, f"job-{i:03}", every="1h", action=command(f"echo {i}"), description="x" * 200
            )
        paused = add(store, "paused", every="1h")
        store.set_active(paused.id, False)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt_middle(db: Path) -> None:
    """Overwrite 8 KB in the middle of the file with random bytes; check with SQLite's dbstat
    that they land in the schedules table or its indexes (what every command reads)."""
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = dict(conn.execute("SELECT pageno, name FROM dbstat").fetchall())
    conn.close()
    size = db.stat().st_size
    first = (size // 2) // page_size * page_size
    hit = {pages.get(first // page_size + 1 + k) for k in range(8192 // page_size)}
    assert hit and all(name and "schedules" in name for name in hit), hit
    # in place: rewriting the whole file (truncate, then write) would let a runner reading it
    # meanwhile see an empty or half-written file, "not an SQLite file", instead of the damage
    fd = os.open(db, os.O_WRONLY)
    try:
        os.pwrite(fd, random.Random(8).randbytes(8192), first)
    finally:
        os.close(fd)


def truncate(db: Path) -> None:
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size * 6 // 10)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("template") / "tickwork.db"
    build(db)
    return db


Damage = Callable[[Path], list[str]]


def damaged(damage: Callable[[Path], None]) -> Damage:
    def apply(db: Path) -> list[str]:
        damage(db)
        return []

    return apply


def read_only_file(db: Path) -> list[str]:
    db.chmod(0o444)
    return NO_OVERRIDE


def read_only_folder(db: Path) -> list[str]:
    db.parent.chmod(0o555)
    return NO_OVERRIDE


CASES: dict[str, tuple[Damage, str]] = {
    "corrupt": (damaged(corrupt_middle), "is damaged"),
    "truncated": (damaged(truncate), "is damaged"),
    "read-only-file": (read_only_file, "is read-only"),
    "read-only-folder": (read_only_folder, "is read-only"),
}


@pytest.fixture
def prepared(tmp_path: Path, template: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "tickwork.db"
    shutil.copy(template, db)
    yield db
    folder.chmod(0o755)


def run_cli(prefix: list[str], db: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "tickwork", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TICKWORK_DB": str(db)},
    )


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_command_refuses_a_damaged_or_read_only_file_in_one_line(
    case: str, prepared: Path, tmp_path: Path
) -> None:
    damage, says = CASES[case]
    prefix = damage(prepared)
    before = digest(prepared)
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda args: (args, run_cli(prefix, prepared, args)), commands(tmp_path))
        )
    wrong = []
    for args, done in results:
        lines = done.stderr.strip().splitlines()
        ok = (
            done.returncode == 1
            and len(lines) == 1
            and lines[0].startswith("error: ")
            and says in lines[0]
            and (says == "is damaged" or "damaged" not in lines[0])
        )
        if not ok:
            wrong.append((args, done.returncode, done.stdout[-300:], done.stderr[-600:]))
    assert wrong == []
    assert digest(prepared) == before  # untouched
    assert not Path(f"{prepared}-wal").exists() or Path(f"{prepared}-wal").stat().st_size == 0


def test_a_running_runner_stops_cleanly_when_its_database_is_damaged(
    tmp_path: Path, template: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    """Damage appears under a running runner (a disk fault, a stray write): it notices at its
    next check (a new connection reads the file as it is), stops claiming, records or leaves
    its runs as they were, and exits 1 with one line saying the file is damaged."""
    db = tmp_path / "tickwork.db"
    shutil.copy(template, db)
    runner = spawn(db, "--lease-ttl", "2", "--check-every", "1")
    assert wait_until(lambda: bool(query(db, "SELECT id FROM runners")), 60), runner.text()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    corrupt_middle(db)
    assert runner.proc.wait(120) == 1, runner.text()
    log = runner.text()
    assert "is damaged" in log and "Traceback" not in log, log
