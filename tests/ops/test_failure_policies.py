"""Failure policies: pause_after_failures and max_duration_warning, from the pure decision to a
real `tickwork run` process pausing a schedule and telling its hook."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tickwork.domain.failures import judge_fire, pause_reason, paused_by_failures
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store

from ..cli_helpers import run_cli, schedule_rows
from ..conftest import FakeClock
from ..runner.conftest import RunnerProcess, add, cli, command, runs_of, schedule_row, wait_until


def test_judge_fire_counts_final_failures_and_pauses_at_the_limit() -> None:
    v = judge_fire(3, 0, RunStatus.FAILED, final=True)
    assert (v.consecutive_failures, v.pause) == (1, False)
    v = judge_fire(3, 2, RunStatus.TIMED_OUT, final=True)
    assert (v.consecutive_failures, v.pause) == (3, True)
    v = judge_fire(3, 2, RunStatus.ABANDONED, final=True)
    assert v.pause
    # an attempt a retry follows is not a failed fire yet
    v = judge_fire(3, 2, RunStatus.FAILED, final=False)
    assert (v.consecutive_failures, v.pause) == (2, False)
    # success resets; skipped, missed and cancelled say nothing
    assert judge_fire(3, 2, RunStatus.SUCCEEDED, final=True).consecutive_failures == 0
    for status in (RunStatus.SKIPPED, RunStatus.MISSED, RunStatus.CANCELLED):
        assert judge_fire(3, 2, status, final=True).consecutive_failures == 2
    # no policy: counted, never paused
    v = judge_fire(None, 99, RunStatus.FAILED, final=True)
    assert (v.consecutive_failures, v.pause) == (100, False)
    reason = pause_reason(3, "run_abc", "failed")
    assert paused_by_failures(reason) and "run run_abc (failed)" in reason
    assert not paused_by_failures("paused") and not paused_by_failures(None)


def test_cli_add_edit_show_json_and_clear(db_path: Path) -> None:
    code, out, err = run_cli(
        db_path,
        "add",
        "job",
        "--cron",
        "0 * * * *",
        "--command",
        "true",
        "--pause-after-failures",
        "3",
        "--max-duration-warning",
        "90",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["pause_after_failures"], data["max_duration_warning"]) == (3, 90)
    assert data["consecutive_failures"] == 0
    code, out, _ = run_cli(db_path, "show", "job")
    assert "pause after 3 failed fires in a row (now 0), slow after 90s" in out
    code, out, err = run_cli(db_path, "edit", "job", "--max-duration-warning", "1.5", "--json")
    assert code == 0, err
    assert json.loads(out)["max_duration_warning"] == 1.5
    code, out, err = run_cli(
        db_path, "edit", "job", "--clear", "pause-after-failures", "--clear",
        "max-duration-warning", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert (data["pause_after_failures"], data["max_duration_warning"]) == (None, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pause-after-failures", "0"], '--pause-after-failures "0": 0 is out of range 1-1000'),
        (["--pause-after-failures", "x"], "--pause-after-failures \"x\": 'x' is not a whole"),
        (["--pause-after-failures", "2.5"], "is not a whole number"),
        (["--max-duration-warning", "0"], '--max-duration-warning "0": 0 is out of range'),
        (["--max-duration-warning", "soon"], "'soon' is not a number"),
        (
            ["--max-duration-warning", "60", "--timeout", "60"],
            "60s is not below the timeout (60s)",
        ),
    ],
)
def test_bad_policy_input_is_one_line_and_changes_nothing(
    db_path: Path, args: list[str], message: str
) -> None:
    base = ["add", "job", "--cron", "0 * * * *", "--command", "true"]
    assert run_cli(db_path, *base)[0] == 0
    before = schedule_rows(db_path)
    for cmd in (["add", "other", "--cron", "0 * * * *", "--command", "true"], ["edit", "job"]):
        code, out, err = run_cli(db_path, *cmd, *args)
        assert code == 1, out
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert message in err, err
        assert "Traceback" not in err
    assert schedule_rows(db_path) == before


def test_toml_sync_and_json_round_trip_keep_the_policies(db_path: Path, tmp_path: Path) -> None:
    toml = tmp_path / "tickwork.toml"
    toml.write_text(
        '[schedules.nightly]\ncron = "0 2 * * *"\ncommand = "true"\n'
        "pause_after_failures = 5\nmax_duration_warning = 600\n"
    )
    code, out, err = run_cli(db_path, "sync", str(toml))
    assert code == 0, err
    assert len(schedule_rows(db_path)) == 1
    code, out, err = run_cli(db_path, "export", "--format", "toml")
    assert "pause_after_failures = 5" in out and "max_duration_warning = 600" in out
    code, exported, _ = run_cli(db_path, "export", "--format", "json")
    other = tmp_path / "other.db"
    dump = tmp_path / "dump.json"
    dump.write_text(exported)
    code, out, err = run_cli(other, "import", "json", str(dump))
    assert code == 0, err
    code, out, _ = run_cli(other, "list", "--json")
    [s] = json.loads(out)
    assert (s["pause_after_failures"], s["max_duration_warning"]) == (5, 600)
    # the key leaves the file: the policy is off again (sync shows the change)
    toml.write_text('[schedules.nightly]\ncron = "0 2 * * *"\ncommand = "true"\n')
    code, out, err = run_cli(db_path, "sync", str(toml))
    assert code == 0, err
    assert "pause_after_failures" in out and "max_duration_warning" in out
    code, out, _ = run_cli(db_path, "show", "nightly", "--json")
    assert json.loads(out)["pause_after_failures"] is None
    # a bad value in the file names the file, the field, and changes nothing
    toml.write_text(
        '[schedules.nightly]\ncron = "0 2 * * *"\ncommand = "true"\npause_after_failures = -1\n'
    )
    before = schedule_rows(db_path)
    code, out, err = run_cli(db_path, "sync", str(toml))
    assert code == 1 and "pause_after_failures" in err and "out of range" in err, err
    assert schedule_rows(db_path) == before


def test_a_schema_4_database_gains_the_policy_columns(db_path: Path) -> None:
    """A file as schema 4 left it, with a schedule in it, opens with the policies off."""
    import sqlite_utils

    from tickwork.store.migrations import MIGRATIONS

    conn = sqlite3.connect(db_path)
    for migration in MIGRATIONS[:4]:
        migration(sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version = 4")
    conn.execute("PRAGMA application_id = 1953063787")
    now = "2026-03-02T12:00:00+00:00"
    conn.execute(
        "INSERT INTO schedules (id, name, type, active, generator_type, expression, timezone, "
        "next_run_at, run_count, action_kind, action, timeout_seconds, retries, "
        "retry_backoff_seconds, overlap, catchup, jitter_seconds, anchor_at, created_at, "
        "updated_at) VALUES ('sched_old', 'old', 'IMPERATIVE', 1, 'CRON', '0 * * * *', 'UTC', "
        '?, 0, \'command\', \'{"command": "true", "kind": "command"}\', 3600, 0, 10, '
        "'skip', 'latest', 0, ?, ?, ?)",
        ("2026-03-02T13:00:00+00:00", now, now, now),
    )
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        s = store.get("sched_old")
        assert s.policies.pause_after_failures is None
        assert s.policies.max_duration_warning is None
        assert s.consecutive_failures == 0
        updated = store.update(s.id, {"pause_after_failures": 2})
        assert updated.policies.pause_after_failures == 2


def test_a_failing_schedule_pauses_itself_in_a_real_runner(
    db_path: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    hooks = tmp_path / "hooks.txt"
    hook = f'echo "$TICKWORK_EVENT $TICKWORK_STATUS $TICKWORK_RUN_ID" >> {hooks}'
    with Store.open(db_path) as store:
        s = add(
            store,
            "broken",
            every="1s",
            action=command("echo boom; exit 3"),
            pause_after_failures=3,
            on_failure=hook,
        )
    runner = spawn(db_path, "--metrics", "127.0.0.1:0")
    assert wait_until(lambda: schedule_row(db_path, s.id)["active"] == 0, 60), runner.text()
    runner_log = runner.text
    assert wait_until(lambda: " paused " in runner_log(), 30), runner_log()
    assert wait_until(lambda: hooks.exists() and "paused" in hooks.read_text(), 30)
    url = re.search(r"metrics on (http://\S+)/metrics", runner_log())
    assert url is not None
    metrics = httpx.get(f"{url.group(1)}/metrics", timeout=30).text
    assert "tickwork_paused_by_failures_total 1.0" in metrics
    assert 'tickwork_fires_total{outcome="failed",trigger="schedule"} 3.0' in metrics
    assert runner.stop() == 0
    every = runs_of(db_path, s.id)
    # A loaded runner may have queued the next fire before the pause: it is cancelled unstarted.
    queued = [r for r in every if r["status"] == "cancelled" and r["started_at"] is None]
    assert all("paused itself" in r["error"] for r in queued), queued
    runs = [r for r in every if r["status"] not in ("skipped", "missed") and r not in queued]
    assert [r["status"] for r in runs] == ["failed", "failed", "failed"]
    tipped = runs[-1]["id"]
    row = schedule_row(db_path, s.id)
    assert row["consecutive_failures"] == 3 and row["next_run_at"] is None
    assert row["status_reason"].startswith("paused after 3 consecutive failed fires")
    assert f"run {tipped} (failed)" in row["status_reason"]
    lines = hooks.read_text().splitlines()
    expected = [f"failure failed {r['id']}" for r in runs] + [f"paused failed {tipped}"]
    assert sorted(lines) == sorted(expected)  # hooks of successive fires may overlap
    assert lines.index(f"failure failed {tipped}") < lines.index(f"paused failed {tipped}")
    log_line = next(line for line in runner.text().splitlines() if " paused " in line)
    assert tipped in log_line and "pause_after_failures" in log_line
    # `tickwork show` says why; resume starts the count afresh
    shown = cli(db_path, "show", s.id)
    assert "paused after 3 consecutive failed fires" in shown.stdout
    assert cli(db_path, "resume", s.id).returncode == 0
    row = schedule_row(db_path, s.id)
    assert (row["active"], row["consecutive_failures"], row["status_reason"]) == (1, 0, None)


def test_a_success_resets_the_count(db_path: Path, clock: FakeClock, tmp_path: Path) -> None:
    import asyncio

    from tickwork.runner import Runner

    flag = tmp_path / "fail"
    flag.write_text("x")
    with Store.open(db_path, clock=clock) as store:
        s = add(
            store, "flaky", every="1m", action=command(f"test ! -e {flag}"), pause_after_failures=2
        )
        start = clock.now
        for minute, fails in ((1, True), (2, False), (3, True)):
            if not fails:
                flag.unlink()
            elif not flag.exists():
                flag.write_text("x")
            clock.now = start + timedelta(minutes=minute)
            asyncio.run(Runner(store, mode="headless", clock=clock).run(once=True))
        got = store.get(s.id)
    assert [r["status"] for r in runs_of(db_path, s.id)] == ["failed", "succeeded", "failed"]
    assert got.active and got.consecutive_failures == 1


def test_a_slow_run_is_told_and_keeps_running(
    db_path: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    hooks = tmp_path / "hooks.txt"
    release = tmp_path / "release"
    hook = f'echo "$TICKWORK_EVENT $TICKWORK_STATUS $TICKWORK_RUN_ID" >> {hooks}'
    wait_for_release = f"while [ ! -e {release} ]; do sleep 0.05; done; echo done"
    with Store.open(db_path) as store:
        s = add(
            store,
            "slowpoke",
            every="1s",
            max_runs=1,
            action=command(wait_for_release),
            max_duration_warning=1,
            on_failure=hook,
        )
    runner = spawn(db_path, "--log-format", "json", "--metrics", "127.0.0.1:0")
    assert wait_until(lambda: hooks.exists() and "slow" in hooks.read_text(), 60), runner.text()
    [run] = runs_of(db_path, s.id)
    assert run["status"] == "running"  # told, not stopped
    assert hooks.read_text().splitlines() == [f"slow running {run['id']}"]
    events = [json.loads(line) for line in runner.text().splitlines() if line.startswith("{")]
    [slow] = [e for e in events if e["event"] == "slow"]
    assert slow["run_id"] == run["id"] and "max_duration_warning" in slow["detail"]
    [url] = [e["detail"].split()[2] for e in events if "metrics on" in e.get("detail", "")]
    assert "tickwork_slow_runs_total 1.0" in httpx.get(url, timeout=30).text
    release.write_text("go")
    assert wait_until(lambda: runs_of(db_path, s.id)[0]["status"] == "succeeded", 30)
    assert runner.stop() == 0
    assert runs_of(db_path, s.id)[0]["output"] == "done\n"
    assert utcnow() > run["started_at"] + timedelta(seconds=1)


def test_manual_runs_neither_count_nor_reset(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "m", cron="0 0 1 1 *", action=command("exit 1"), pause_after_failures=1)
    done = cli(db_path, "trigger", s.id)
    assert done.returncode == 1  # the run failed...
    row = schedule_row(db_path, s.id)
    assert (row["active"], row["consecutive_failures"]) == (1, 0)  # ...but was a test


def test_queued_fires_do_not_start_after_the_pause(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    """A late runner queues a backlog (catchup=all); the first failure pauses the schedule and
    the queued fires are cancelled, not run; a manual run queued by hand still runs."""
    import asyncio

    from tickwork.runner import Runner
    from tickwork.store.claims import enqueue_manual

    with Store.open(db_path, clock=clock) as store:
        s = add(
            store, "b", every="1m", catchup="all", action=command("exit 1"), pause_after_failures=1
        )
        clock.now += timedelta(minutes=5, seconds=10)
        manual = enqueue_manual(store, s.id, clock.now)
        asyncio.run(Runner(store, mode="headless", clock=clock).run(once=True))
        got = store.get(s.id)
    runs = runs_of(db_path, s.id)
    fires = [r for r in runs if r["trigger"] != "manual"]
    assert [r["status"] for r in fires] == ["failed"] + ["cancelled"] * 4
    assert all("paused itself after run" in r["error"] for r in fires[1:])
    [by_hand] = [r for r in runs if r["id"] == manual.id]
    assert by_hand["status"] == "failed"  # a test run: it ran, and did not count
    assert not got.active and got.consecutive_failures == 1
