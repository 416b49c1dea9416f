"""The runner defects of issue 8, each shown on real processes (`python -m tickwork ...`): a
record that cannot be written, `run --once` with two fires due, the previous run's time told
to a manual run, timers and sweeps on a machine booted a moment ago.

The in-process tests (tests/runner/test_never_stalls.py) drive both clocks; these show the same
behaviour from the outside, as a user meets it, and each failed on the code before the fix.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.actions_support import RecordingServer
from tests.runner.conftest import (
    ROOT,
    RunnerProcess,
    add,
    cli,
    command,
    query,
    runs_of,
    wait_until,
)
from tickwork.domain.timeutil import iso, iso_ms, utcnow
from tickwork.store import Store

MONOTONIC_NEAR_ZERO = ROOT / "tests" / "support" / "monotonic_offset"
ORIGIN_VAR = "TICKWORK_TEST_MONOTONIC_ORIGIN_NS"


def statuses(db: Path, schedule_id: str) -> list[str]:
    return [r["status"] for r in runs_of(db, schedule_id)]


def test_a_record_that_fails_for_a_while_stalls_nothing(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    """Recording a run's outcome fails (a trigger refuses it, as a full disk or an I/O error
    would) while the runner runs: it says so in its log, keeps trying, and once the record can
    be written the run is recorded and the schedule (overlap=skip) fires again, no restart.
    Before: the task died ("Task exception was never retrieved"), the run stayed `running` and
    every later fire was `skipped` until the runner restarted."""
    db = tmp_path / "tickwork.db"
    with Store.open(db) as store:
        s = add(store, "steady", action=command("true"))
    refuse = sqlite3.connect(db, isolation_level=None)
    refuse.execute(
        "CREATE TRIGGER tw_refuse BEFORE UPDATE OF status ON runs WHEN NEW.status != 'running' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    runner = spawn(db, "--lease-ttl", "3")
    assert wait_until(lambda: "refused by the test" in runner.text(), 60), runner.text()[-3000:]
    assert wait_until(lambda: "skipped" in statuses(db, s.id), 60)  # overlap=skip meanwhile
    refuse.execute("DROP TRIGGER tw_refuse")
    refuse.close()
    recovered = len(runs_of(db, s.id))
    assert wait_until(lambda: statuses(db, s.id)[recovered:].count("succeeded") >= 3, 60), (
        runner.text()[-3000:]
    )
    assert runner.stop() == 0, runner.text()[-3000:]
    runs = statuses(db, s.id)
    assert runs[0] == "succeeded"  # the fire whose record failed, recorded once it could be
    assert set(runs) <= {"succeeded", "skipped"}, runs
    text = runner.text()
    assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]


def test_run_once_with_fires_due_runs_them_all_and_leaves_nothing_pending(tmp_path: Path) -> None:
    """Three fires of one schedule due at once (catchup=all): `run --once` runs the three, in
    order, one after the other. Before: it ran one and left the others `pending`, to be run
    later, out of order, by whichever runner came next."""
    db = tmp_path / "tickwork.db"
    log = tmp_path / "order.log"
    past = utcnow() - timedelta(seconds=3.5)
    with Store.open(db, clock=lambda: past) as store:
        s = add(
            store,
            "backlog",
            catchup="all",
            action=command(f'echo "$TICKWORK_SCHEDULED_FOR" >> {log}'),
        )
    done = cli(db, "run", "--once")
    assert done.returncode == 0, done.stderr
    runs = runs_of(db, s.id)
    assert len(runs) >= 3, runs
    assert [r["status"] for r in runs] == ["succeeded"] * len(runs)
    times = [r["scheduled_for"] for r in runs]
    assert log.read_text().split() == [iso(t) for t in times]  # each once, in order
    for before, after in itertools.pairwise(runs):
        assert before["finished_at"] <= after["started_at"]  # overlap=skip: one at a time


@pytest.fixture
def http_server() -> Iterator[RecordingServer]:
    srv = RecordingServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


def test_a_manual_trigger_is_told_the_previous_runs_time(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    """`tickwork trigger` twice (no runner alive: it runs in the foreground): the second run's
    command gets TICKWORK_LAST_RUN_AT, and its HTTP payload `last_run_at`, of the first run, the
    first none. Before: each manual run was told its own time."""
    db = tmp_path / "tickwork.db"
    with Store.open(db) as store:
        told = add(store, "told", every="1h", action=command('printf "%s" "$TICKWORK_LAST_RUN_AT"'))
        hook = add(
            store,
            "hook",
            every="1h",
            action={"kind": "http", "url": f"{http_server.url}/ok", "method": "POST"},
        )
    for name in ("told", "told", "hook", "hook"):
        done = cli(db, "trigger", name)
        assert done.returncode == 0, done.stdout + done.stderr
    first, second = runs_of(db, told.id)
    assert (first["output"], second["output"]) == ("", iso(first["scheduled_for"]))
    bodies = [json.loads(r.body) for r in http_server.requests]
    assert len(bodies) == 2, bodies
    hook_first, _ = runs_of(db, hook.id)
    assert [b["last_run_at"] for b in bodies] == [None, iso(hook_first["scheduled_for"])]


def near_zero_env() -> dict[str, str]:
    """Python processes whose monotonic clock starts near 0 (a machine booted a moment ago)."""
    env = {k: v for k, v in os.environ.items() if k != ORIGIN_VAR}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(MONOTONIC_NEAR_ZERO), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def old_runs(db: Path, schedule_id: str, count: int) -> None:
    long_ago = utcnow() - timedelta(days=2)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executemany(
        "INSERT INTO runs (id, schedule_id, scheduled_for, attempt, trigger, status, created_at) "
        "VALUES (?, ?, ?, 1, 'manual', 'succeeded', ?)",
        [
            (
                f"run_old{schedule_id[-6:]}{i:05}",
                schedule_id,
                iso_ms(long_ago + timedelta(seconds=i)),
                iso_ms(long_ago + timedelta(seconds=i)),
            )
            for i in range(count)
        ],
    )
    conn.close()


def test_a_runner_on_a_freshly_booted_machine_prunes_and_sweeps_at_once(tmp_path: Path) -> None:
    """time.monotonic() near 0, as just after boot: the first cycle of `run` prunes old runs and
    sweeps the lease of a runner gone long ago; `run --once` prunes too. Before: "the last
    prune" started at 0.0, so nothing was pruned for the first 10 minutes after boot, `--once`
    never pruned, and dead runners' leases were never deleted."""
    db = tmp_path / "tickwork.db"
    with Store.open(db) as store:
        chatty = add(store, "chatty", cron="0 0 1 1 *")
        other = add(store, "other", cron="0 0 1 1 *")
    old_runs(db, chatty.id, 40)
    old_runs(db, other.id, 40)
    long_ago = iso_ms(utcnow() - timedelta(hours=1))
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "INSERT INTO runners (id, host, pid, mode, state, started_at, heartbeat_at, expires_at) "
        "VALUES ('rnr_gone', 'elsewhere', 1, 'headless', 'active', ?, ?, ?)",
        (long_ago, long_ago, long_ago),
    )
    conn.close()

    runner = RunnerProcess(db, tmp_path / "runner.log", "--keep-runs", "10", env=near_zero_env())
    try:
        assert wait_until(lambda: count(db, chatty.id) == 10 and count(db, other.id) == 10, 60), (
            count(db, chatty.id),
            runner.text()[-3000:],
        )
        assert wait_until(lambda: not query(db, "SELECT 1 FROM runners WHERE id = 'rnr_gone'"), 60)
    finally:
        assert runner.stop() == 0, runner.text()[-3000:]
    once = cli_env(db, near_zero_env(), "run", "--once", "--keep-runs", "5")
    assert once.returncode == 0, once.stderr
    assert (count(db, chatty.id), count(db, other.id)) == (5, 5)


def count(db: Path, schedule_id: str) -> int:
    return int(query(db, "SELECT count(*) FROM runs WHERE schedule_id = ?", (schedule_id,))[0][0])


def cli_env(db: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickwork", "--db", str(db), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
