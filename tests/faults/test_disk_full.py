"""A full disk under a running runner: the database on a small tmpfs, runs with large outputs.

Clear errors in the log (a full disk is named as such, once, not a traceback every cycle); the
CLI says so in one line; when space returns the runner goes on by itself; no schedule, fire or
run is lost or left running; the database passes PRAGMA integrity_check.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.runner.conftest import RunnerProcess, cli, query, wait_until
from tickwork.store import Store

from .chaos import audit, logged, make_schedules

BIG = "head -c 200000 /dev/zero | tr '\\0' x"  # 200 KB of output (64 KB of it kept)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder: Path) -> Path:
    """A file taking every free byte of the file system."""
    filler = folder / "filler"
    with filler.open("wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_said_waited_out_and_loses_nothing(
    small_disk: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    db, log = small_disk / "tickwork.db", tmp_path / "executions.log"
    gate = tmp_path / "gate"
    ids = make_schedules(db, log, 5, catchup="all", overlap="allow")
    with Store.open(db) as store:
        for schedule_id in ids:
            waits = f"until [ -e {gate} ]; do sleep 0.02; done"
            action = {"kind": "command", "command": f"{logged(log)}; {waits}; {BIG}"}
            store.update(schedule_id, {"action": action})
    runner = spawn(db, "--lease-ttl", "3")
    started = "SELECT count(*) FROM runs WHERE status = 'running' AND pid IS NOT NULL"
    assert wait_until(lambda: query(db, started)[0][0] >= 5, 60)
    filler = fill(small_disk)  # while five runs are in their action
    gate.touch()
    # Their outcomes cannot be recorded; claims of the next fires fail too.
    assert wait_until(lambda: "could not record" in runner.text(), 60), runner.text()[-3000:]
    assert wait_until(lambda: "cycle failed" in runner.text(), 60), runner.text()[-3000:]

    added = cli(db, "add", "more", "--every", "1h", "--command", "true")
    assert added.returncode == 1, added.stdout
    lines = added.stderr.strip().splitlines()
    assert len(lines) == 1 and "is full" in lines[0] and "damaged" not in lines[0], added.stderr

    filler.unlink()  # space returns
    # From now on small outputs: the backlog the outage left (catchup=all) must not fill the
    # 4 MB disk again with 64 KB outputs, or the runner and `run --once` wait for space forever.
    with Store.open(db) as store:
        for schedule_id in ids:
            store.update(schedule_id, {"action": {"kind": "command", "command": logged(log)}})
    before = int(query(db, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0])
    assert wait_until(
        lambda: (
            int(query(db, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0])
            > before + 10
        ),
        60,
    ), runner.text()[-3000:]
    assert runner.stop() == 0, runner.text()[-3000:]
    done = cli(db, "run", "--once", timeout=120)
    assert done.returncode == 0, done.stderr

    text = runner.text()
    assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]
    # Said clearly, and not once per cycle: a handful of lines for the whole outage.
    full_lines = [line for line in text.splitlines() if "is full" in line]
    assert 1 <= len(full_lines) <= 20, full_lines
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    result = audit(db, log, ids)
    print(f"\ndisk full: {result.figures()}")
    print("\n".join(line for line in text.splitlines() if "warning" in line))
    assert result.stuck == [] and result.gaps == [] and result.duplicates == [], result.figures()
    assert query(db, "SELECT count(*) FROM schedules WHERE active = 1")[0][0] == 5
    assert os.path.exists(db)
