"""The tickwork CLI on real databases (click's runner in-process, and real subprocesses); the
commands whose tests take `target` run on an SQLite file and on a PostgreSQL database."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli, schedule_rows
from tickwork.store.location import Target

run = run_cli
snapshot = schedule_rows


def add_json(db: Target, *args: str) -> dict[str, object]:
    code, out, err = run(db, "add", *args, "--json")
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def test_add_list_show_json_contract(target: Target) -> None:
    s = add_json(
        target,
        "backup",
        "--cron",
        "30 2 * * *",
        "--tz",
        "Europe/Paris",
        "--command",
        "echo backup",
        "--max-runs",
        "10",
        "--external-id",
        "cust-1",
    )
    assert isinstance(s["id"], str) and s["id"].startswith("sched_")
    assert s["generator"] == {
        "type": "CRON",
        "expression": "30 2 * * *",
        "description": "At 02:30 AM",
    }
    assert s["type"] == "IMPERATIVE" and s["active"] is True and s["timezone"] == "Europe/Paris"
    assert s["action"] == {"kind": "command", "command": "echo backup"}
    assert str(s["next_run_at"]).endswith("+00:00")
    for key in (
        "description",
        "time_of_day",
        "days_of_week",
        "last_run_at",
        "run_count",
        "max_runs",
        "end_at",
        "deduplication_key",
        "external_id",
        "created_at",
        "updated_at",
        "timeout_seconds",
        "retries",
        "overlap",
        "catchup",
        "jitter_seconds",
    ):
        assert key in s
    code, out, _ = run(target, "list", "--json")
    assert code == 0 and [x["id"] for x in json.loads(out)] == [s["id"]]
    code, out, _ = run(target, "list")
    assert "backup" in out and "At 02:30 AM" in out and "Europe/Paris" in out
    code, out, _ = run(target, "show", "backup", "--json")
    shown = json.loads(out)
    assert shown["id"] == s["id"] and len(shown["upcoming"]) == 5
    code, out, _ = run(target, "show", str(s["id"])[:10])
    assert code == 0 and "next runs" in out and ("CET" in out or "CEST" in out)


def test_add_forms(target: Target) -> None:
    a = add_json(target, "weekdays", "--at", "09:30", "--days", "mon-fri", "--command", "true")
    assert a["generator"]["expression"] == "30 9 * * 1-5"  # type: ignore[index]
    assert a["time_of_day"] == "09:30" and a["days_of_week"] == [1, 2, 3, 4, 5]
    b = add_json(
        target,
        "tick",
        "--every",
        "90s",
        "--url",
        "http://127.0.0.1:8000/hook",
        "--header",
        "X-Token: abc",
        "--method",
        "put",
    )
    assert b["generator"]["type"] == "INTERVAL"  # type: ignore[index]
    assert b["action"] == {
        "kind": "http",
        "method": "PUT",
        "url": "http://127.0.0.1:8000/hook",
        "headers": {"X-Token": "********"},  # a secret is masked once given
    }
    c = add_json(target, "py", "--cron", "@daily", "--call", "json:dumps", "--paused")
    assert c["active"] is False and c["next_run_at"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--cron", "61 * * * *", "--command", "x"],
            'error: --cron "61 * * * *": minute 61 is out of range 0-59',
        ),
        (["--cron", "0 9 * *", "--command", "x"], "error: --cron"),
        (
            ["--cron", "0 9 * * *", "--tz", "Europe/Londn", "--command", "x"],
            "did you mean Europe/London?",
        ),
        (["--at", "25:00", "--command", "x"], 'error: --at "25:00": hour 25 is out of range'),
        (["--at", "09:00", "--days", "mon-funday", "--command", "x"], "error: --days"),
        (["--cron", "0 9 * * *", "--url", "ftp://example"], "error: --url"),
        (["--cron", "0 9 * * *", "--url", "http://"], "error: --url"),
        (["--cron", "0 9 * * *", "--command", "x", "--max-runs", "lots"], "error: --max-runs"),
        (["--cron", "0 9 * * *", "--command", "x", "--retries", "-2"], "error: --retries"),
        (["--cron", "0 9 * * *", "--command", "x", "--timeout", "0"], "error: --timeout"),
        (["--cron", "0 9 * * *", "--command", "x", "--overlap", "sometimes"], "error: --overlap"),
        (["--cron", "0 9 * * *", "--command", "x", "--end-at", "soonish"], "error: --end-at"),
        (["--cron", "0 9 * * *"], "error: --command/--url/--call"),
        (["--cron", "0 9 * * *", "--command", "x", "--url", "http://a"], "error: give one of"),
        (["--every", "0s", "--command", "x"], "error: --every"),
        (["--cron", "0 9 * * *", "--call", "not a target"], "error: --call"),
        (["--cron", "0 9 * * *", "--command", "x", "--header", "A: b"], "error: --header"),
    ],
)
def test_bad_input_one_line_exit_1_nothing_written(
    target: Target, args: list[str], expected: str
) -> None:
    run(target, "add", "keep", "--cron", "0 1 * * *", "--command", "true")
    before = snapshot(target)
    code, _out, err = run(target, "add", "bad", *args)
    assert code == 1
    assert err.startswith(expected) or expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(target) == before


def test_bad_reference_and_usage_errors(target: Target) -> None:
    code, _, err = run(target, "show", "ghost")
    assert code == 1 and err.startswith("error: no schedule matches 'ghost'")
    code, _, err = run(target, "list", "--state", "sleepy")
    assert code == 2


def test_edit_is_partial(target: Target) -> None:
    s = add_json(
        target,
        "job",
        "--cron",
        "0 9 * * *",
        "--command",
        "true",
        "--max-runs",
        "3",
        "--description",
        "keep me",
    )
    code, out, err = run(target, "edit", "job", "--tz", "Asia/Tokyo", "--json")
    assert code == 0, err
    e = json.loads(out)
    assert e["timezone"] == "Asia/Tokyo" and e["max_runs"] == 3 and e["description"] == "keep me"
    assert e["next_run_at"] != s["next_run_at"]
    code, out, _ = run(target, "edit", "job", "--clear", "max-runs", "--json")
    assert json.loads(out)["max_runs"] is None
    before = snapshot(target)
    code, _, err = run(target, "edit", "job", "--cron", "* * * * * *")
    assert code == 1 and err.startswith('error: --cron "* * * * * *"')
    code, _, err = run(target, "edit", "job")
    assert code == 1 and "nothing to change" in err
    assert snapshot(target) == before


def test_pause_resume_idempotent(target: Target) -> None:
    add_json(target, "job", "--cron", "*/5 * * * *", "--command", "true")
    code, out, _ = run(target, "pause", "job")
    assert code == 0 and out.startswith("paused 'job'")
    before = snapshot(target)
    code, out, _ = run(target, "deactivate", "job")
    assert code == 0 and "already paused: nothing changed" in out
    assert snapshot(target) == before
    code, out, _ = run(target, "resume", "job")
    assert code == 0 and "next run" in out


def test_delete_needs_yes_without_terminal(target: Target) -> None:
    add_json(target, "job", "--cron", "*/5 * * * *", "--command", "true")
    code, _, err = run(target, "delete", "job")
    assert code == 1 and "--yes" in err
    assert len(snapshot(target)) == 1
    code, _out, _ = run(target, "delete", "job", "--yes")
    assert code == 0 and snapshot(target) == []


def test_describe_marks_dst(db_path: Path) -> None:
    code, out, _ = run(
        db_path,
        "describe",
        "30 2 * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2025-03-08T12:00:00-05:00",
        "-n",
        "2",
        "--json",
    )
    data = json.loads(out)
    assert data["description"] == "At 02:30 AM"
    assert [r["at"] for r in data["next_runs"]] == [
        "2025-03-09T07:00:00+00:00",
        "2025-03-10T06:30:00+00:00",
    ]
    assert data["next_runs"][0]["note"] and not data["next_runs"][1]["note"]
    code, out, _ = run(
        db_path,
        "describe",
        "30 2 * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2025-03-08T12:00:00-05:00",
        "-n",
        "2",
    )
    assert code == 0 and "At 02:30 AM" in out and "DST" in out
    code, _, err = run(db_path, "describe", "0 25 * * *")
    assert code == 1 and err.startswith('error: EXPRESSION "0 25 * * *": hour 25')


def test_next_is_time_ordered(target: Target) -> None:
    add_json(target, "a", "--every", "7m", "--command", "true")
    add_json(target, "b", "--every", "5m", "--command", "true")
    add_json(target, "c", "--every", "1m", "--command", "true", "--paused")
    code, out, _ = run(target, "next", "--hours", "1", "--json")
    fires = json.loads(out)
    ats = [f["at"] for f in fires]
    assert ats == sorted(ats)
    assert {f["name"] for f in fires} == {"a", "b"}
    assert len(fires) in (8 + 12, 8 + 11, 9 + 12, 9 + 11, 8 + 13, 9 + 13)
    code, out, _ = run(target, "next", "--hours", "1")
    assert code == 0 and len(out.strip().splitlines()) == len(fires)


def test_real_subprocess_and_env_db(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    env = {"TICKWORK_DB": str(db), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "tickwork", "add", "x", "--cron", "0 0 31 2 *", "--command", "true"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (
        p.returncode == 1 and p.stderr.startswith("error: --cron") and "Traceback" not in p.stderr
    )
    p = subprocess.run(
        [sys.executable, "-m", "tickwork", "add", "x", "--cron", "@hourly", "--command", "true"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    assert db.exists()
    p = subprocess.run(
        [sys.executable, "-m", "tickwork", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert json.loads(p.stdout)[0]["name"] == "x"


def test_refused_database_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite at all")
    code, _, err = run(bad, "list")
    assert code == 1 and err.startswith("error: ") and "not a tickwork database" in err
    assert bad.read_text() == "not sqlite at all"


def test_cli_does_not_import_textual() -> None:
    """The import contract lets `tickwork.cli.ui_cmd` import the UI; this proves it does so only
    inside the commands that open it: loading every command and every layer below the UI loads
    neither Textual nor the UI. (rich may load: httpx imports it for its own CLI.)"""
    code = (
        "import sys, tickwork.cli.main, tickwork.store, tickwork.domain.spec, tickwork.cron,"
        " tickwork.runner, tickwork.store.claims, tickwork.exchange.importing, tickwork.demo;"
        "bad=[m for m in sys.modules"
        " if m.split('.')[0] in ('textual', 'textual_serve') or m.startswith('tickwork.ui')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_describe_lists_times_skipped_by_dst(db_path: Path) -> None:
    _code, out, _ = run(
        db_path,
        "describe",
        "*/20 2 * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2025-03-08T12:00:00Z",
        "-n",
        "1",
        "--json",
    )
    data = json.loads(out)
    assert data["next_runs"][0]["at"] == "2025-03-10T06:00:00+00:00"
    assert data["skipped_by_dst"] == ["2025-03-09T02:00", "2025-03-09T02:20", "2025-03-09T02:40"]


def test_signing_secret_generated_shown_once_then_masked(target: Target) -> None:
    code, out, err = run(
        target,
        "add",
        "hook",
        "--every",
        "1h",
        "--url",
        "http://127.0.0.1:9/x",
        "--signing-secret",
        "generate",
    )
    assert code == 0, err
    secret = out.split("signing secret (shown once, keep it safe): ")[1].strip()
    assert secret.startswith("whsec_") and len(secret) > 30
    code, out, _ = run(target, "show", "hook", "--json")
    shown = json.loads(out)["signing_secret"]
    assert shown != secret and shown.startswith("whsec_") and secret not in out
    code, out, _ = run(target, "list", "--json")
    assert secret not in out
    before = snapshot(target)
    code, _, err = run(target, "edit", "hook", "--signing-secret", "whsec_short")
    assert code == 1 and err.startswith("error: --signing-secret: ") and "whsec_short" not in err
    assert snapshot(target) == before
    code, out, _ = run(target, "edit", "hook", "--clear", "signing-secret", "--json")
    assert json.loads(out)["signing_secret"] is None


def test_a_database_locked_by_a_long_write_is_one_line_and_changes_nothing(db_path: Path) -> None:
    run(db_path, "add", "keep", "--cron", "0 1 * * *", "--command", "true")
    before = snapshot(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        code, _, err = run(db_path, "pause", "keep")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and err.startswith("error: the database is locked by another process")
    assert len(err.strip().splitlines()) == 1
    assert snapshot(db_path) == before
