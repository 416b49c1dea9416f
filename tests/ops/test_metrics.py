"""`tickwork run --metrics`: a real runner process scraped over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tickwork.runner import Runner
from tickwork.runner.endpoint import parse_address
from tickwork.runner.health import check
from tickwork.store import Store

from ..runner.conftest import ROOT, add, command, wait_until
from .conftest import RunProcess


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, sorted labels)."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def healthz(url: str) -> tuple[int, dict[str, Any]]:
    r = httpx.get(f"{url}/healthz", timeout=30)
    return r.status_code, r.json()


def test_metrics_and_healthz_of_a_running_runner(
    db_path: Path, run_process: Callable[..., RunProcess]
) -> None:
    with Store.open(db_path) as store:
        ok = add(store, "ok", every="1s", action=command("true"))
        add(store, "bad", every="1s", max_runs=1, action=command("exit 4"))
        add(store, "resting", cron="0 0 1 1 *", active=False)
    runner = run_process(db_path, "--metrics", "127.0.0.1:0", "--lease-ttl", "2")
    url = runner.url()
    assert url.startswith("http://127.0.0.1:")

    def fired() -> bool:
        m = scrape(url)
        return (
            m.get(("tickwork_fires_total", (("outcome", "succeeded"), ("trigger", "schedule"))), 0)
            >= 2
            and m.get(("tickwork_fires_total", (("outcome", "failed"), ("trigger", "schedule"))))
            == 1
        )

    assert wait_until(fired, 60), runner.text()
    m = scrape(url)
    assert m[("tickwork_runner_lease", (("state", "active"),))] == 1
    assert m[("tickwork_runner_lease", (("state", "standby"),))] == 0
    # one claim or more per schedule (a late claim takes a backlog at once: its later fires
    # start as queued runs, without a claim of their own)
    assert m[("tickwork_claim_seconds_count", ())] >= 2
    assert m[("tickwork_run_start_lateness_seconds_count", ())] >= 3
    assert m[("tickwork_run_duration_seconds_count", (("outcome", "failed"),))] == 1
    assert ("tickwork_runs_in_flight", ()) in m
    assert m[("tickwork_last_success_timestamp_seconds", ())] > 1.7e9
    # no per-schedule series unless asked (bounded at 100,000 schedules)
    assert not any(dict(labels).get("schedule") for _, labels in m), ok.id
    # schedule gauges: "bad" is done (max_runs) and failing, "resting" paused
    assert wait_until(
        lambda: scrape(url).get(("tickwork_schedules", (("state", "failing"),))) == 1, 60
    )
    m = scrape(url)
    assert m[("tickwork_schedules", (("state", "active"),))] == 1
    assert m[("tickwork_schedules", (("state", "paused"),))] == 2

    code, body = healthz(url)
    assert code == 200 and body["status"] == "ok" and body["state"] == "active", body
    assert httpx.get(f"{url}/nope", timeout=30).status_code == 404

    # A writer holds the database: the lease cannot be renewed, /healthz says so with 503.
    blocker = sqlite3.connect(db_path, timeout=30)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        assert wait_until(lambda: healthz(url)[0] == 503, 60), healthz(url)
        code, body = healthz(url)
        assert body["status"] == "unhealthy"
        assert any("lease" in str(r) or "database" in str(r) for r in body["reasons"]), body
    finally:
        blocker.rollback()
        blocker.close()
    assert wait_until(lambda: healthz(url)[0] == 200, 60), healthz(url)
    assert runner.stop() == 0


def test_per_schedule_fires_behind_the_option(
    db_path: Path, run_process: Callable[..., RunProcess]
) -> None:
    with Store.open(db_path) as store:
        one = add(store, "one", every="1s", action=command("true"))
    runner = run_process(db_path, "--metrics", ":0", "--metrics-per-schedule")
    url = runner.url()
    key = (
        "tickwork_fires_total",
        (("outcome", "succeeded"), ("schedule", "one"), ("trigger", "schedule")),
    )
    assert wait_until(lambda: scrape(url).get(key, 0) >= 1, 60), runner.text()
    last = scrape(url)[
        (
            "tickwork_schedule_last_success_timestamp_seconds",
            (("schedule", "one"), ("schedule_id", one.id)),
        )
    ]
    assert last > 1.7e9
    assert runner.stop() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9108", ("127.0.0.1", 9108)),
        (":9108", ("127.0.0.1", 9108)),
        ("0.0.0.0:9108", ("0.0.0.0", 9108)),
        ("[::1]:9108", ("::1", 9108)),
        ("localhost:9108", ("localhost", 9108)),
    ],
)
def test_parse_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


def _run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickwork", "run", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics", "abc"], "'abc' is not a port"),
        (["--metrics", "127.0.0.1:99999"], "'99999' is not a port"),
        (["--metrics", "300.1.2.3:9108"], "'300.1.2.3' is not an IP address"),
        (["--metrics", "[::1:9108"], "write an IPv6 address as [::1]:9108"),
        (["--metrics", "192.0.2.1:9108"], "ssign"),  # not an address of this machine
        (["--metrics-per-schedule"], "--metrics-per-schedule needs --metrics"),
    ],
)
def test_bad_metrics_options_are_one_line(db_path: Path, args: list[str], message: str) -> None:
    done = _run(db_path, *args)
    assert done.returncode in (1, 2), done.stdout
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert "claimed" not in done.stdout  # refused before the runner started


def test_a_port_in_use_is_one_line(db_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run(db_path, "--metrics", f"127.0.0.1:{port}")
    assert done.returncode == 1
    assert done.stderr.strip() == f'error: --metrics "127.0.0.1:{port}": Address already in use'


async def test_health_before_and_after_the_first_heartbeat(db_path: Path) -> None:
    with Store.open(db_path) as store:
        runner = Runner(store, mode="headless")
        health = check(runner)
        assert not health.ok and health.state == "starting"
        task = asyncio.create_task(runner.run())
        deadline = asyncio.get_running_loop().time() + 30
        while not check(runner).ok and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        assert check(runner).ok, check(runner)
        assert json.loads(json.dumps(check(runner).to_json()))["status"] == "ok"
        await runner.stop()
        await asyncio.wait_for(task, 30)
        after = check(runner)
        assert not after.ok and "stopped" in after.reasons[0]
