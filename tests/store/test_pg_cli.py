"""Every command on a postgresql:// URL, as real subprocesses with TICKWORK_DB set (what a user
on another host does): add, list, show, edit, pause, next, export, import, sync, backfill (its
runner), runs, run-show, doctor and delete; the URL's password never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SYNC = """
[schedules.heartbeat]
every = "5m"
command = "true"
"""


def tickwork(url: str, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    env = dict(os.environ, TICKWORK_DB=url)
    p = subprocess.run(
        [sys.executable, "-m", "tickwork", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert "hunter2" not in p.stdout + p.stderr
    return p.returncode, p.stdout, p.stderr


def ok(url: str, *args: str, cwd: Path | None = None) -> str:
    code, out, err = tickwork(url, *args, cwd=cwd)
    assert code == 0, err
    return out


def test_every_command_on_a_postgresql_url(pg_url: str, tmp_path: Path) -> None:
    url = pg_url.replace("postgres:@", "postgres:hunter2@")  # the server trusts the socket
    ok(url, "add", "backup", "--cron", "30 2 * * *", "--command", "echo b", "--dedup-key", "bk")
    ok(url, "add", "ping", "--every", "10m", "--url", "http://127.0.0.1:9/p")
    listed = json.loads(ok(url, "list", "--json"))
    assert [s["name"] for s in listed] == ["ping", "backup"] or len(listed) == 2
    assert json.loads(ok(url, "show", "backup", "--json"))["deduplication_key"] == "bk"
    assert json.loads(ok(url, "edit", "backup", "--tz", "Asia/Tokyo", "--json"))["timezone"] == (
        "Asia/Tokyo"
    )
    assert "paused 'ping'" in ok(url, "pause", "ping")
    assert "already paused" in ok(url, "pause", "ping")
    fires = json.loads(ok(url, "next", "--hours", "48", "--json"))
    assert {f["name"] for f in fires} == {"backup"} and len(fires) == 2
    code, _, err = tickwork(url, "edit", "backup", "--cron", "61 * * * *")
    assert code == 1 and err.startswith('error: --cron "61 * * * *"')

    exported = tmp_path / "all.json"
    ok(url, "export", "--format", "json", "-o", str(exported))
    assert {s["name"] for s in json.loads(exported.read_text())} == {"backup", "ping"}
    ok(url, "import", "json", str(exported))  # backup: same dedup key, updated; ping: again
    assert len(json.loads(ok(url, "list", "--json"))) == 3

    (tmp_path / "tickwork.toml").write_text(SYNC)
    ok(url, "sync", "tickwork.toml", cwd=tmp_path)
    assert "in sync" in ok(url, "sync", "tickwork.toml", cwd=tmp_path)

    queued = json.loads(
        ok(
            url,
            "backfill",
            "backup",
            "--from",
            "2026-01-01T00:00:00Z",
            "--to",
            "2026-01-03T00:00:00Z",
            "--json",
        )
    )
    assert queued["count"] == 2  # run there and then, in order, by a runner of its own
    runs = json.loads(ok(url, "runs", "backup", "--json"))
    assert [(r["trigger"], r["status"]) for r in runs] == [("backfill", "succeeded")] * 2
    assert json.loads(ok(url, "run-show", runs[0]["id"], "--json"))["output"].strip() == "b"

    code, out, _ = tickwork(url, "doctor")
    assert "postgresql://postgres:***@" in out and "schema" in out

    ok(url, "delete", "backup", "--yes")
    assert {s["name"] for s in json.loads(ok(url, "list", "--json"))} == {"ping", "heartbeat"}
