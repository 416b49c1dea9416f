"""Faults the runner survives, on real processes: kill -9 of one of two runners, a runner
stopped (SIGSTOP) past its lease, a database locked by another writer for a long time.

Each test audits what ran (an execution log written by the commands themselves) against what the
database recorded: duplicates, gaps, runs left running. The default sizes keep the suite short;
TICKWORK_CHAOS_FULL=1 runs the sizes of issue 8 (ten kills over ~3 minutes, 50 schedules, a 60 s
lock). The figures are printed (pytest -s shows them).
"""

from __future__ import annotations

import functools
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from tests.runner.conftest import ROOT, RunnerProcess, add, cli, command, query, wait_until
from tickwork.store import Store

from .chaos import FULL, audit, logged, make_schedules


def lease_of(db: Path, pid: int) -> str | None:
    rows = query(db, "SELECT id FROM runners WHERE pid = ?", (pid,))
    return rows[0][0] if rows else None


def claims_by(db: Path, runner_id: str | None) -> int:
    if runner_id is None:
        return 0
    return int(query(db, "SELECT count(*) FROM runs WHERE runner_id = ?", (runner_id,))[0][0])


def claimed(db: Path, pid: int, count: int) -> bool:
    """The runner of process `pid` claimed at least `count` runs."""
    return claims_by(db, lease_of(db, pid)) >= count


def spared_or_busier(runner: RunnerProcess, spared: str, busy: int) -> bool:
    """The runner says it spared a stopped one, or met a busy database once more."""
    text = runner.text()
    return spared in text or text.count("database busy") > busy


def drain(db: Path) -> None:
    """What runners queued and did not start before they stopped: run by the next one."""
    done = cli(db, "run", "--once", timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_kill_9_of_one_of_two_runners_loses_and_doubles_nothing(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    kills, count, claims = (10, 50, 400) if FULL else (3, 20, 30)
    db, log = tmp_path / "tickwork.db", tmp_path / "executions.log"
    ids = make_schedules(db, log, count, catchup="all", overlap="allow")
    steady = spawn(db, "--lease-ttl", "2")
    for _ in range(kills):
        victim = spawn(db, "--lease-ttl", "2")
        busy = functools.partial(claimed, db, victim.pid, claims)
        assert wait_until(busy, 120), victim.text()[-2000:]
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(30)
        victim.out.close()
    # The survivor takes the killed runner's runs for abandoned once its lease expires (and
    # gives its pre-claimed fires, which never started, to the usual claim).
    steady_id = lease_of(db, steady.pid)

    def settled() -> bool:
        rows = query(
            db,
            # Its runs abandoned, and its pre-claims (claim-ahead) released: both wait for
            # its lease to expire.
            "SELECT count(*) FROM runs WHERE status IN ('running', 'pending') "
            "AND runner_id IS NOT NULL AND runner_id != ?",
            (steady_id,),
        )
        return int(rows[0][0]) == 0

    assert wait_until(settled, 60)
    assert steady.stop() == 0, steady.text()[-2000:]
    drain(db)
    result = audit(db, log, ids)
    print(f"\nkill -9 x{kills}, {count} schedules @every 1s: {result.figures()}")
    assert result.duplicates == [] and result.gaps == [] and result.stuck == [], result.figures()
    assert result.unexecuted == []  # a run recorded as succeeded did run
    assert set(result.statuses) <= {"succeeded", "abandoned"}, result.figures()
    assert result.fires >= kills * claims


def test_a_stopped_runner_is_told_from_a_dead_one_and_fences_itself(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    """SIGSTOP past the lease, while a long command runs, then SIGCONT. The other runner (same
    host) sees the stopped one's process alive: nothing is abandoned, killed or run again. The
    stopped one, on waking, finds its lease gone, renews it before claiming, and records its
    run; the fires of the other schedules are neither lost nor doubled."""
    db, log, gate = tmp_path / "tickwork.db", tmp_path / "executions.log", tmp_path / "gate"
    ids = make_schedules(db, log, 10, catchup="all", overlap="allow")
    with Store.open(db) as store:
        long = add(
            store,
            "long",
            max_runs=1,
            retries=1,
            retry_backoff_seconds=0,
            action=command(f"{logged(log)}; until [ -e {gate} ]; do sleep 0.05; done"),
        )
    first = spawn(db, "--lease-ttl", "2")

    def long_runs() -> list[tuple[int, str, int | None]]:
        rows = query(db, "SELECT attempt, status, pid FROM runs WHERE schedule_id = ?", (long.id,))
        return [(r[0], r[1], r[2]) for r in rows]

    assert wait_until(lambda: [(a, s) for a, s, p in long_runs() if p] == [(1, "running")], 60)
    [(_, _, job)] = long_runs()
    assert claims_by(db, lease_of(db, first.pid)) >= 1
    second = spawn(db, "--lease-ttl", "2")
    assert wait_until(lambda: claims_by(db, lease_of(db, second.pid)) >= 5, 60)

    spared = "missed its lease but is alive"
    for _attempt in range(5):  # a stop inside a write transaction blocks the others: again
        busy = second.text().count("database busy")
        first.proc.send_signal(signal.SIGSTOP)
        seen = wait_until(functools.partial(spared_or_busier, second, spared, busy), 60)
        if seen and spared in second.text():
            break
        first.proc.send_signal(signal.SIGCONT)
        assert wait_until(lambda: "database busy" not in second.text()[-500:], 30)
    assert spared in second.text(), second.text()[-3000:]
    during = claims_by(db, lease_of(db, second.pid))
    assert wait_until(lambda: claims_by(db, lease_of(db, second.pid)) >= during + 20, 60)
    assert long_runs() == [(1, "running", job)]  # not abandoned, not retried
    assert Path(f"/proc/{job}").exists()  # its command was not killed

    first.proc.send_signal(signal.SIGCONT)
    assert wait_until(lambda: "lease expired" in first.text(), 60), first.text()[-3000:]
    gate.touch()
    assert wait_until(lambda: long_runs() == [(1, "succeeded", job)], 60), long_runs()
    assert first.stop() == 0 and second.stop() == 0
    drain(db)
    result = audit(db, log, ids)
    print(f"\nSIGSTOP past the lease: {result.figures()}")
    assert result.duplicates == [] and result.gaps == [] and result.stuck == [], result.figures()
    assert result.unexecuted == []
    assert long_runs() == [(1, "succeeded", job)]
    assert sum(line.startswith(long.id) for line in log.read_text().splitlines()) == 1


LOCKER = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    sys.stdin.readline()  # held until the test lets go
    conn.execute("COMMIT")
    """
)


def test_a_database_locked_by_another_writer_loses_no_fire(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    """Another process holds the write lock (60 s in the full run; by default until the CLI
    and the runner both met it): CLI writes fail with one clear line after the busy timeout;
    the runner waits it out, says so, and loses no fire. The lock is let go when the test has
    seen both, not after a fixed time: SQLite counts its busy timeout in requested sleeps, which
    a loaded machine stretches."""
    hold = 60.0 if FULL else 0.0
    db, log = tmp_path / "tickwork.db", tmp_path / "executions.log"
    ids = make_schedules(db, log, 10, catchup="all", overlap="allow")
    runner = spawn(db, "--lease-ttl", "3")
    assert wait_until(lambda: len(query(db, "SELECT DISTINCT schedule_id FROM runs")) == 10, 60)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdin is not None and locker.stdout is not None
        assert locker.stdout.readline() == "locked\n"
        since = time.monotonic()
        paused = cli(db, "pause", "chaos-000")
        assert paused.returncode == 1
        lines = paused.stderr.strip().splitlines()
        assert len(lines) == 1 and "locked by another process" in lines[0], paused.stderr
        assert wait_until(lambda: "database busy" in runner.text(), 120), runner.text()[-2000:]
        if hold:  # the full run: the 60 s
            wait_until(lambda: time.monotonic() - since >= hold, hold + 10)
        held = time.monotonic() - since
        locker.stdin.write("\n")
        locker.stdin.close()
        assert locker.wait(60) == 0
    finally:
        if locker.poll() is None:  # the test failed while it held the lock
            locker.kill()
            locker.wait(30)
    released = int(query(db, "SELECT count(*) FROM runs")[0][0])
    assert wait_until(lambda: int(query(db, "SELECT count(*) FROM runs")[0][0]) > released, 60)
    assert runner.stop() == 0, runner.text()[-2000:]
    drain(db)
    result = audit(db, log, ids)
    print(f"\nwrite lock held {held:.0f} s: {result.figures()}")
    assert result.duplicates == [] and result.gaps == [] and result.stuck == [], result.figures()
    assert result.unexecuted == []
    assert set(result.statuses) == {"succeeded"}, result.figures()
    assert "database busy" in runner.text()  # it waited, and said so
    assert query(db, "SELECT active FROM schedules WHERE name = 'chaos-000'")[0][0] == 1
