"""Notification hooks: a real command, a real HTTP server on 127.0.0.1, failing hooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.runner.notify import hooks_for, notify, notify_and_record
from tickwork.store import Store
from tickwork.store.migrations import MIGRATIONS
from tickwork.store.runs import insert_run

from .helpers import listed, run_cli

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def make_schedule(**fields: Any) -> Schedule:
    data = {
        "name": "nightly",
        "cron": "0 2 * * *",
        "action": {"kind": "command", "command": "backup", "env": {"PATH": "/usr/bin:/bin"}},
        **fields,
    }
    return spec.build(data, NOW)


def make_run(s: Schedule, status: str = "failed", **fields: Any) -> Run:
    base: dict[str, Any] = {
        "id": "run_abc",
        "schedule_id": s.id,
        "scheduled_for": NOW,
        "attempt": 1,
        "trigger": "schedule",
        "status": status,
        "created_at": NOW,
        "started_at": NOW,
        "finished_at": NOW,
        "duration": 1.5,
        "exit_code": 2 if status == "failed" else 0,
        "error": "exit code 2" if status == "failed" else None,
        "output": "line 1\n" + "x" * 5000 + "\nthe end\n",
    }
    return Run(**{**base, **fields})


@dataclass
class Hook:
    url: str
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_which_hooks_apply() -> None:
    s = make_schedule(on_failure="f", on_success="s", on_recovery="r")

    def events(status: str, prev: str | None) -> list[str]:
        return [e for e, _, _ in hooks_for(s, make_run(s, status), prev)]

    assert events("failed", None) == ["failure"]
    assert events("timed_out", "succeeded") == ["failure"]
    assert events("abandoned", "failed") == ["failure"]
    assert events("succeeded", None) == ["success"]
    assert events("succeeded", "succeeded") == ["success"]
    assert events("succeeded", "timed_out") == ["success", "recovery"]
    assert events("cancelled", "failed") == []
    assert events("skipped", None) == []
    plain = make_schedule()
    assert hooks_for(plain, make_run(plain), None) == []


async def test_command_hook_gets_the_run_details(tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    s = make_schedule(on_failure=f"env > {out}")
    assert await notify(s, make_run(s), "succeeded") is None
    env = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    assert env["TICKWORK_EVENT"] == "failure" and env["TICKWORK_HOOK"] == "on_failure"
    assert env["TICKWORK_STATUS"] == "failed" and env["TICKWORK_EXIT_CODE"] == "2"
    assert env["TICKWORK_ERROR"] == "exit code 2"
    assert env["TICKWORK_SCHEDULE_NAME"] == "nightly" and env["TICKWORK_SCHEDULE_ID"] == s.id
    assert env["TICKWORK_RUN_ID"] == "run_abc"
    assert env["TICKWORK_SCHEDULED_FOR"] == "2026-03-02T12:00:00+00:00"
    assert env["PATH"] == "/usr/bin:/bin"  # the job's own env (e.g. from a crontab)


async def test_webhook_gets_a_signed_json_body(hook: Hook) -> None:
    s = make_schedule(on_failure=hook.url, external_id="cust-9").with_changes(signing_secret=SECRET)
    run = make_run(s, "timed_out", exit_code=None, error="timed out after 60s")
    assert await notify(s, run, None) is None
    ((headers, body),) = hook.received
    data = json.loads(body)
    assert data["event"] == "failure" and data["schedule_id"] == s.id
    assert data["schedule_name"] == "nightly" and data["external_id"] == "cust-9"
    assert data["run"]["id"] == "run_abc" and data["run"]["status"] == "timed_out"
    assert data["run"]["error"] == "timed out after 60s" and "output" not in data["run"]
    assert data["run"]["output_tail"].endswith("the end\n")
    assert len(data["run"]["output_tail"]) == 4096
    assert headers["content-type"] == "application/json"
    # Standard Webhooks, checked by hand: v1,base64(HMAC-SHA256(key, id.timestamp.body))
    msg_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
    assert msg_id == "run_abc-failure"
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()


async def test_recovery_and_success_both_fire(hook: Hook, tmp_path: Path) -> None:
    marker = tmp_path / "ok"
    s = make_schedule(on_success=f"touch {marker}", on_recovery=hook.url)
    assert await notify(s, make_run(s, "succeeded"), "failed") is None
    assert marker.exists()
    assert json.loads(hook.received[0][1])["event"] == "recovery"
    assert "webhook-signature" not in hook.received[0][0]  # no secret: not signed


async def test_failing_hooks_return_one_line(hook: Hook) -> None:
    s = make_schedule(on_failure="echo oops; exit 2")
    assert await notify(s, make_run(s), None) == "on_failure command exited 2"
    slow = make_schedule(on_failure="sleep 5")
    assert await notify(slow, make_run(slow), None, timeout=0.3) == (
        "on_failure command: timed out after 0.3s"
    )
    hook.status = 500
    web = make_schedule(on_failure=hook.url, on_success=None)
    assert await notify(web, make_run(web), None) == "on_failure webhook returned HTTP 500"
    both = make_schedule(on_success="exit 3", on_recovery="http://127.0.0.1:9/nothing")
    error = await notify(both, make_run(both, "succeeded"), "failed", timeout=2)
    assert error is not None
    first, second = error.split("; ")
    assert first == "on_success command exited 3"
    assert second.startswith("on_recovery webhook: connection failed")


async def test_notify_error_is_recorded_on_the_run(tmp_path: Path) -> None:
    with Store.open(tmp_path / "t.db") as store:
        s = store.create(
            {
                "name": "j",
                "cron": "@daily",
                "action": {"kind": "command", "command": "x"},
                "on_failure": "exit 7",
            }
        ).schedule
        run = make_run(s)
        with store.write() as conn:
            insert_run(conn, run)
        assert await notify_and_record(store, s, run, None) == "on_failure command exited 7"
        stored = store.runs.get(run.id)
        assert stored is not None and stored.notify_error == "on_failure command exited 7"


def test_cli_hook_options(db_path: Path) -> None:
    code, out, err = run_cli(
        db_path,
        "add",
        "j",
        "--cron",
        "@daily",
        "--command",
        "x",
        "--on-failure",
        "https://hooks.example.com/x",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["on_failure"] == "https://hooks.example.com/x"
    code, out, _ = run_cli(db_path, "edit", "j", "--on-success", "notify-send ok", "--json")
    assert json.loads(out)["on_success"] == "notify-send ok"
    code, out, _ = run_cli(db_path, "edit", "j", "--clear", "on-failure", "--json")
    assert json.loads(out)["on_failure"] is None
    for bad, fix in (
        ("ftp://x/y", "must start with http:// or https://"),
        ("https://", "has no host"),
    ):
        code, _, err = run_cli(db_path, "edit", "j", "--on-recovery", bad)
        assert code == 1 and err.startswith(f'error: --on-recovery "{bad}": ') and fix in err
    assert listed(db_path)[0]["on_recovery"] is None


def test_migration_v3_adds_columns_to_a_v2_database(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:2]:
        step(sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version = 2")
    conn.execute("PRAGMA application_id = 1953063787")
    conn.close()
    with Store.open(path) as store:
        s = store.create(
            {
                "name": "j",
                "cron": "@daily",
                "action": {"kind": "command", "command": "x"},
                "on_failure": "echo failed",
            }
        ).schedule
        assert store.get(s.id).on_failure == "echo failed"
        assert store.query("PRAGMA user_version")[0][0] == len(MIGRATIONS)
