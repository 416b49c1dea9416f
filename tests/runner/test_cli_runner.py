"""The runner commands as real processes: run (--once, signals, JSON), trigger, runs, run-show."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store

from .conftest import (
    ROOT,
    RunnerProcess,
    add,
    cli,
    command,
    process_gone,
    query,
    runs_of,
    schedule_row,
    wait_until,
)

SHOW_ENV = 'echo "run=$TICKWORK_RUN_ID attempt=$TICKWORK_ATTEMPT name=$TICKWORK_SCHEDULE_NAME"'


def running(db: Path, schedule_id: str) -> bool:
    runs = runs_of(db, schedule_id)
    return bool(runs) and runs[0]["status"] == "running" and bool(runs[0]["pid"])


def test_run_once_fires_what_is_due_and_exits(db_path: Path) -> None:
    past = utcnow() - timedelta(seconds=12)
    with Store.open(db_path, clock=lambda: past) as store:
        due = add(store, "due", every="10s", action=command("echo hello-$TICKWORK_ATTEMPT"))
        later = add(store, "later", cron="0 0 1 1 *")
    assert due.next_run_at is not None and due.next_run_at < utcnow()
    done = cli(db_path, "run", "--once")
    assert done.returncode == 0, done.stderr
    [run] = runs_of(db_path, due.id)
    assert (run["status"], run["trigger"], run["output"]) == ("succeeded", "schedule", "hello-1\n")
    assert run["scheduled_for"] == due.next_run_at
    row = schedule_row(db_path, due.id)
    assert parse_iso(row["next_run_at"]) == due.next_run_at + timedelta(seconds=10)
    assert runs_of(db_path, later.id) == []
    lines = done.stdout.splitlines()
    assert [line.split()[1] for line in lines] == [
        "runner",
        "claimed",
        "started",
        "succeeded",
        "runner",
    ]
    assert all(run["id"] in line for line in lines[1:4])
    assert lines[-1].endswith("runner    stopped")
    assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT])
def test_a_stop_signal_lets_a_short_action_finish(
    db_path: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess], sig: signal.Signals
) -> None:
    """What service managers send (SIGHUP too: it killed the runner with its run left
    `running`) stops the runner gracefully: the action finishes, is recorded, the lease goes."""
    gate = tmp_path / "gate"
    with Store.open(db_path) as store:
        s = add(
            store,
            "short",
            max_runs=1,
            action=command(f"until [ -e {gate} ]; do sleep 0.02; done; echo finished"),
        )
    runner = spawn(db_path)
    assert wait_until(lambda: running(db_path, s.id), 30)
    runner.proc.send_signal(sig)
    assert wait_until(lambda: "stopping" in states(db_path), 30)
    gate.touch()
    assert runner.proc.wait(60) == 0, runner.text()
    [run] = runs_of(db_path, s.id)
    assert (run["status"], run["output"]) == ("succeeded", "finished\n")
    assert runner.text().splitlines()[-1].endswith("runner    stopped")
    assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 0


def states(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT state FROM runners")]


def test_a_closed_stdout_ends_the_runner_cleanly(db_path: Path) -> None:
    """`tickwork run | head -1`: the reader goes away; the runner stops, records its runs,
    releases its lease, and prints no traceback."""
    with Store.open(db_path) as store:
        s = add(store, "tick", action=command("true"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tickwork", "--db", str(db_path), "run"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert b"runner    started" in proc.stdout.readline()
    assert wait_until(lambda: len(runs_of(db_path, s.id)) >= 1, 30)
    proc.stdout.close()  # as head does after its line
    assert proc.wait(60) == 0
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and "exception" not in err.lower(), err
    left = [(r["status"], r["error"]) for r in runs_of(db_path, s.id)]
    assert all(status != "running" for status, _ in left), left  # queued fires may wait
    assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 0


def test_trigger_no_wait_without_a_runner_queues_and_says_so(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "later", active=False, action=command("echo ran"))
    done = cli(db_path, "trigger", "later", "--no-wait")
    assert done.returncode == 0, done.stderr
    [run] = runs_of(db_path, s.id)
    assert run["status"] == "pending"  # not run in the foreground
    assert f"queued {run['id']} for 'later'; no runner is alive" in done.stdout
    as_json = cli(db_path, "trigger", "later", "--no-wait", "--json")
    assert json.loads(as_json.stdout)["status"] == "pending"
    assert cli(db_path, "run", "--once").returncode == 0  # the next runner runs them
    assert [r["status"] for r in runs_of(db_path, s.id)] == ["succeeded", "succeeded"]


def test_sigterm_past_the_grace_cancels_and_logs_json(
    db_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    with Store.open(db_path) as store:
        s = add(store, "long", max_runs=1, action=command("sleep 30"))
    runner = spawn(db_path, "--grace", "0.5", "--log-format", "json")
    assert wait_until(lambda: running(db_path, s.id), 8)
    pid = runs_of(db_path, s.id)[0]["pid"]
    runner.proc.send_signal(signal.SIGTERM)
    assert runner.proc.wait(25) == 0  # well before the action's 30 s
    [run] = runs_of(db_path, s.id)
    assert run["status"] == "cancelled"
    assert run["error"] == "cancelled: runner stopped (shutdown grace 0.5s)"
    assert wait_until(lambda: process_gone(pid), 3)
    assert schedule_row(db_path, s.id)["last_status"] == "cancelled"
    events = [json.loads(line) for line in runner.text().splitlines()]  # every line is JSON
    assert [e["event"] for e in events] == ["claimed", "started", "cancelled"]
    assert all(e["run_id"] == run["id"] and e["schedule"] == "long" for e in events)
    assert events[-1]["detail"] == run["error"]
    assert all(parse_iso(e["ts"]) for e in events)


def test_trigger_runs_a_paused_schedule_now(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "paused-job", active=False, action=command(SHOW_ENV))
    done = cli(db_path, "trigger", "paused-job")
    assert done.returncode == 0, done.stderr
    [run] = runs_of(db_path, s.id)
    assert (run["trigger"], run["status"], run["attempt"]) == ("manual", "succeeded", 1)
    assert run["output"] == f"run={run['id']} attempt=1 name=paused-job\n"
    assert f"running 'paused-job' now ({run['id']})" in done.stdout
    assert run["output"].strip() in done.stdout  # the action's output is shown
    row = schedule_row(db_path, s.id)
    assert (row["active"], row["run_count"], row["next_run_at"]) == (0, 1, None)  # still paused

    as_json = cli(db_path, "trigger", s.id[:12], "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert (data["status"], data["trigger"], data["schedule_name"]) == (
        "succeeded",
        "manual",
        "paused-job",
    )
    assert data["output"] == f"run={data['id']} attempt=1 name=paused-job\n"


def test_trigger_goes_through_a_live_runner(
    db_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    with Store.open(db_path) as store:
        s = add(store, "paused-job", active=False, action=command(SHOW_ENV))
    runner = spawn(db_path)
    assert wait_until(lambda: bool(query(db_path, "SELECT id FROM runners")), 8)
    [lease] = query(db_path, "SELECT id, host FROM runners")
    done = cli(db_path, "trigger", "paused-job")
    assert done.returncode == 0, done.stderr
    [run] = runs_of(db_path, s.id)
    assert (run["runner_id"], run["host"]) == (lease["id"], lease["host"])
    assert f"queued {run['id']} for 'paused-job'" in done.stdout
    assert run["output"] == f"run={run['id']} attempt=1 name=paused-job\n"
    assert runner.stop() == 0
    assert f"succeeded {run['id']}" in runner.text()


def test_a_second_trigger_does_not_wait_for_another_trigger(db_path: Path, tmp_path: Path) -> None:
    """A `tickwork trigger` in progress runs only its own run: no runner to wait for."""
    gate = tmp_path / "gate"
    with Store.open(db_path) as store:
        slow = add(
            store, "slow", active=False, action=command(f"until [ -e {gate} ]; do sleep 0.05; done")
        )
        fast = add(store, "fast", active=False, action=command("echo fast"))
    first = subprocess.Popen(
        [sys.executable, "-m", "tickwork", "--db", str(db_path), "trigger", "slow"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: running(db_path, slow.id), 30)
        done = cli(db_path, "trigger", "fast", timeout=60)
        assert done.returncode == 0, done.stderr
        assert "running 'fast' now" in done.stdout and "queued" not in done.stdout
        # "fast" ran to its end while "slow" was still running: it did not wait behind it.
        assert [r["status"] for r in runs_of(db_path, slow.id)] == ["running"]
    finally:
        gate.touch()
        assert first.wait(60) == 0
    [fast_run], [slow_run] = runs_of(db_path, fast.id), runs_of(db_path, slow.id)
    assert fast_run["status"] == slow_run["status"] == "succeeded"
    assert fast_run["finished_at"] < slow_run["finished_at"]


def test_runs_and_run_show(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "paused-job", active=False, action=command(SHOW_ENV))
        add(store, "other", active=False, action=command("exit 4"))
    assert cli(db_path, "trigger", "paused-job").returncode == 0
    failed = cli(db_path, "trigger", "other")
    assert failed.returncode == 1 and failed.stderr.startswith("error: run ")

    listed = cli(db_path, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["schedule_name"], r["status"]) for r in rows] == [
        ("other", "failed"),
        ("paused-job", "succeeded"),
    ]
    assert all("output" not in r for r in rows)
    mine = next(r for r in rows if r["schedule_id"] == s.id)

    text = cli(db_path, "runs", "paused-job", "--status", "succeeded", "--limit", "5")
    assert text.returncode == 0 and len(text.stdout.splitlines()) == 1
    assert mine["id"] in text.stdout and "manual" in text.stdout
    assert cli(db_path, "runs", "--status", "missed").stdout.strip() == "no runs yet"

    shown = cli(db_path, "run-show", mine["id"])
    assert shown.returncode == 0, shown.stderr
    assert f"run={mine['id']} attempt=1 name=paused-job" in shown.stdout
    assert "✓ succeeded" in shown.stdout
    assert f"scheduled for {mine['scheduled_for'][:19]}" in shown.stdout
    as_json = json.loads(cli(db_path, "run-show", mine["id"][:10], "--json").stdout)
    assert as_json["id"] == mine["id"] and as_json["output"].startswith("run=")

    for args in (("runs", "nope"), ("run-show", "run_nope"), ("trigger", "nope")):
        bad = cli(db_path, *args)
        assert bad.returncode == 1, args
        assert bad.stdout == ""
        assert len(bad.stderr.splitlines()) == 1 and bad.stderr.startswith("error: "), bad.stderr


def test_keep_runs_prunes_old_finished_runs(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "chatty", cron="0 0 1 1 *", action=command("true"))
    for _ in range(4):
        assert cli(db_path, "trigger", "chatty").returncode == 0
    assert len(runs_of(db_path, s.id)) == 4
    done = cli(db_path, "run", "--once", "--keep-runs", "2")
    assert done.returncode == 0, done.stderr
    kept = runs_of(db_path, s.id)
    assert len(kept) == 2 and all(r["status"] == "succeeded" for r in kept)


async def test_a_run_that_ends_during_the_stopping_heartbeat_does_not_break_shutdown(
    db_path: Path, tmp_path: Path
) -> None:
    """Found in CI: a run finishing while the stopping lease was written left nothing to wait
    for, and `asyncio.wait([])` raised, so `tickwork run` exited 1 on SIGTERM."""
    import asyncio

    from tickwork.runner import Runner

    class SlowStoppingBeat(Runner):
        async def _beat(self, now: datetime, state: str | None = None) -> None:
            await super()._beat(now, state)
            if state == "stopping":  # the running action ends meanwhile
                gate.touch()
                if self.tasks:
                    await asyncio.wait(list(self.tasks.values()))

    with Store.open(db_path) as store:
        gate = tmp_path / "gate"
        s = add(
            store, "short", every="1s", action=command(f"until [ -e {gate} ]; do sleep 0.02; done")
        )
        runner = SlowStoppingBeat(store, mode="headless")
        task = asyncio.create_task(runner.run())
        assert await asyncio.to_thread(wait_until, lambda: running(db_path, s.id), 30)
        await runner.stop()
        await asyncio.wait_for(task, 60)  # raised ValueError before the fix
    assert runner.state == "stopped"
    assert runs_of(db_path, s.id)[0]["status"] == "succeeded"
