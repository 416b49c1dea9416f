"""`tickwork doctor` as a real process: each check's ok / warning / error line and its fix."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tickwork.domain.runs import RunnerLease
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store
from tickwork.store.claims import disable_invalid

from ..runner.conftest import ROOT, RunnerProcess, add, command, query, wait_until


def doctor(db: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickwork", "--db", str(db), "doctor", *args],
        cwd=ROOT,
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def checks(db: Path, home: Path) -> tuple[int, dict[str, Any]]:
    done = doctor(db, home, "--json")
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if c["name"] == name]


def test_a_healthy_setup_with_a_live_runner(
    db_path: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    with Store.open(db_path) as store:
        add(store, "daily", cron="0 3 * * *", action=command("true"))
    runner = spawn(db_path)
    assert wait_until(lambda: query(db_path, "SELECT count(*) FROM runners")[0][0] == 1, 60)
    code, report = checks(db_path, tmp_path)
    assert code == 0, report
    [db] = by_name(report, "database")
    assert db["level"] == "ok"
    assert re.search(r"schema (\d+) of \1, integrity ok, [\d.]+ KiB, WAL ", db["message"])
    [run] = by_name(report, "runners")
    assert run["level"] == "ok" and "headless runner on" in run["message"]
    assert f"pid {runner.pid} (active)" in run["message"]
    levels = {c["name"]: c["level"] for c in report["checks"]}
    assert levels == {
        "database": "ok",
        "runners": "ok",
        "overdue": "ok",
        "invalid": "ok",
        "tzdata": "ok",
        "clock": "ok",
        "service": "ok",
    }
    assert report["status"] == "ok"
    text = doctor(db_path, tmp_path).stdout
    assert [line.split()[0] for line in text.splitlines()] == ["ok"] * 7
    assert runner.stop() == 0


def test_problems_each_get_a_line_and_a_fix(db_path: Path, tmp_path: Path) -> None:
    past = utcnow() - timedelta(hours=2)
    with Store.open(db_path, clock=lambda: past) as store:
        late = add(store, "late", cron="*/5 * * * *", action=command("true"))
        broken = add(store, "broken", cron="0 * * * *", action=command("true"))
        disable_invalid(store, broken.id, "unknown time zone 'Mars/Olympus'")
        # a runner whose heartbeats stopped coming (lease still unexpired): it lags
        now = utcnow()
        lease = RunnerLease("rnr_x", "otherhost", 4242, "headless", "active", now, now, now)
        store.leases.beat(lease, now - timedelta(seconds=30), 50, "active")
    assert late.next_run_at is not None and late.next_run_at < utcnow()
    code, report = checks(db_path, tmp_path)
    assert code == 1 and report["status"] == "error"
    [runners] = by_name(report, "runners")
    assert runners["level"] == "warning" and "otherhost pid 4242" in runners["message"]
    assert "it lags" in runners["message"] and runners["fix"]
    [over] = by_name(report, "overdue")
    assert over["level"] == "warning" and over["message"].startswith("1 active schedules")
    assert "late (" in over["message"]
    [invalid] = by_name(report, "invalid")
    assert (
        invalid["level"] == "error" and "broken: invalid: unknown time zone" in invalid["message"]
    )
    assert "tickwork edit" in invalid["fix"]
    text = doctor(db_path, tmp_path)
    assert text.returncode == 1
    assert text.stderr.strip() == "error: 1 check(s) failed (see above)"
    lines = text.stdout.splitlines()
    assert any(line.startswith("error    invalid") for line in lines)
    assert any(line.strip().startswith("fix: fix them with `tickwork edit`") for line in lines)


def test_the_readme_unit_passes_and_a_plain_one_is_told_what_it_lacks(
    db_path: Path, tmp_path: Path
) -> None:
    with Store.open(db_path) as store:
        add(store, "x", cron="0 3 * * *", action=command("true"))
    readme = (ROOT / "README.md").read_text()
    unit = re.search(r"```ini\n(.*?)```", readme, re.S)
    assert unit is not None
    path = tmp_path / ".config/systemd/user/tickwork.service"
    path.parent.mkdir(parents=True)
    path.write_text(unit.group(1))
    _, report = checks(db_path, tmp_path)
    [service] = by_name(report, "service")
    assert service["level"] == "ok" and "Type=notify, WatchdogSec=30" in service["message"]
    path.write_text("[Service]\nExecStart=/usr/bin/tickwork run\n")
    _, report = checks(db_path, tmp_path)
    [service] = by_name(report, "service")
    assert service["level"] == "warning"
    assert "Type=notify" in service["message"] and "WatchdogSec" in service["message"]


def test_no_database_and_not_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    done = doctor(missing, tmp_path)
    assert done.returncode == 1 and "no database at" in done.stdout
    assert not missing.exists()  # the doctor creates nothing
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite\n" * 10)
    code, report = checks(junk, tmp_path)
    assert code == 1
    [db] = report["checks"]
    assert db["level"] == "error" and "not a tickwork database" in db["message"]
    assert junk.read_text().startswith("this is not sqlite")
