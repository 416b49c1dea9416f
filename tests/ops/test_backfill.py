"""`tickwork backfill`: past windows through the runner's path, across DST changes."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tickwork.domain import spec
from tickwork.domain.timeutil import iso
from tickwork.runner import Runner
from tickwork.store import Store

from ..cli_helpers import run_cli
from ..conftest import FIXED_NOW, FakeClock
from ..runner.conftest import RunnerProcess, add, cli, command, query, runs_of, wait_until

ECHO_FOR = command('echo "$TICKWORK_SCHEDULED_FOR"')


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_fall_back_window_runs_both_passes_in_order_in_the_foreground(db_path: Path) -> None:
    """*/30 1 * * * in New York on 2025-11-02: 01:00 and 01:30 happen twice (EDT, then EST)."""
    with Store.open(db_path) as store:
        s = add(store, "dst", cron="*/30 1 * * *", timezone="America/New_York", action=ECHO_FOR)
    start, end = "2025-11-01T00:00:00-04:00", "2025-11-03T00:00:00-05:00"
    done = cli(db_path, "backfill", s.id, "--from", start, "--to", end)
    assert done.returncode == 0, done.stderr
    expected = [
        "2025-11-01T05:00:00+00:00",  # 01:00 EDT
        "2025-11-01T05:30:00+00:00",
        "2025-11-02T05:00:00+00:00",  # 01:00 EDT, first pass
        "2025-11-02T05:30:00+00:00",
        "2025-11-02T06:00:00+00:00",  # 01:00 EST, second pass
        "2025-11-02T06:30:00+00:00",
    ]
    # the same instants as THE next-run function gives for the window
    walked = spec.upcoming(s, utc(start) - timedelta(microseconds=1), 7)
    assert [iso(t) for t in walked if t <= utc(end)] == expected
    lines = done.stdout.splitlines()
    assert lines[0].endswith("6 fires, first 2025-11-01 01:00 EDT, last 2025-11-02 01:30 EST")
    assert "no runner is alive: running the 6 fires here, in order" in lines[1]
    runs = runs_of(db_path, s.id)
    assert [iso(r["scheduled_for"]) for r in runs] == expected
    assert {(r["trigger"], r["status"], r["attempt"]) for r in runs} == {
        ("backfill", "succeeded", 1)
    }
    # run in order: each started after the one before it finished
    for a, b in itertools.pairwise(runs):
        assert a["finished_at"] <= b["started_at"]
    # each run was told its own instant (TICKWORK_SCHEDULED_FOR)
    told = [utc(r["output"].strip().replace("Z", "+00:00")) for r in runs]
    assert [iso(t) for t in told] == expected

    # again: everything already ran, nothing is queued; --force runs them as attempt 2
    again = cli(db_path, "backfill", s.id, "--from", start, "--to", end, "--json")
    assert again.returncode == 0, again.stderr
    plan = json.loads(again.stdout)
    assert (plan["count"], len(plan["already_ran"]), plan["queued"]) == (0, 6, [])
    forced = cli(db_path, "backfill", s.id, "--from", start, "--to", end, "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["count"] == 6
    assert sorted(r["attempt"] for r in runs_of(db_path, s.id)) == [1] * 6 + [2] * 6


def test_spring_forward_moves_a_fixed_time_fire(db_path: Path) -> None:
    """30 2 * * * on 2025-03-09 in New York: 02:30 does not exist, it fires at 03:00 EDT."""
    with Store.open(db_path) as store:
        s = add(store, "gap", cron="30 2 * * *", timezone="America/New_York", action=ECHO_FOR)
    done = cli(
        db_path, "backfill", "gap", "--from", "2025-03-08T00:00-05:00",
        "--to", "2025-03-10T12:00-04:00", "--dry-run", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["fires"] == [
        "2025-03-08T07:30:00+00:00",  # 02:30 EST
        "2025-03-09T07:00:00+00:00",  # 03:00 EDT (moved by DST)
        "2025-03-10T06:30:00+00:00",  # 02:30 EDT
    ]
    assert plan["dry_run"] and plan["queued"] == []
    assert runs_of(db_path, s.id) == []  # a dry run writes nothing


def test_a_live_runner_starts_queued_backfill_in_order(
    db_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    with Store.open(db_path) as store:
        s = add(store, "hourly", cron="0 * * * *", action=ECHO_FOR)
    runner = spawn(db_path)
    assert wait_until(lambda: query(db_path, "SELECT count(*) FROM runners")[0][0] == 1, 60)
    done = cli(
        db_path, "backfill", "hourly", "--from", "2026-01-01T00:00Z", "--to", "2026-01-01T05:00Z"
    )
    assert done.returncode == 0, done.stderr
    assert "queued 6 backfill runs; the runner on" in done.stdout
    assert wait_until(
        lambda: [r["status"] for r in runs_of(db_path, s.id)] == ["succeeded"] * 6, 60
    ), runner.text()
    assert runner.stop() == 0
    runs = runs_of(db_path, s.id)
    assert [r["scheduled_for"].hour for r in runs] == [0, 1, 2, 3, 4, 5]
    for a, b in itertools.pairwise(runs):  # one at a time, in scheduled order
        assert a["finished_at"] <= b["started_at"]
    log = runner.text()
    assert log.count("trigger=backfill") >= 12  # claimed/started/succeeded lines


def test_missed_fires_become_the_backfill_runs(db_path: Path, clock: FakeClock) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "m", every="1m", catchup="skip", action=ECHO_FOR)
        clock.now = FIXED_NOW + timedelta(minutes=5, seconds=30)
        asyncio.run(Runner(store, mode="headless", clock=clock).run(once=True))
    missed = [r for r in runs_of(db_path, s.id) if r["status"] == "missed"]
    assert len(missed) == 4  # 12:01-12:04; 12:05 was on time and ran
    window = ["--from", str(iso(missed[0]["scheduled_for"])), "--to"]
    window.append(str(iso(missed[-1]["scheduled_for"])))
    done = cli(db_path, "backfill", s.id, *window)
    assert done.returncode == 0, done.stderr
    runs = runs_of(db_path, s.id)
    assert len(runs) == 5  # the 4 missed records became the runs: same ids, attempt 1
    assert {r["id"] for r in runs if r["trigger"] == "backfill"} == {r["id"] for r in missed}
    assert {(r["status"], r["attempt"]) for r in runs} == {("succeeded", 1)}
    assert [r["trigger"] for r in runs] == ["backfill"] * 4 + ["schedule"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-01", "--to", "2026-01-01"], '--from "2026-02-01": 2026-02-01T00:00:00'
         "+00:00 is after --to 2026-01-01T00:00:00+00:00: give the earlier time first"),
        (["--from", "2026-01-01", "--to", "2999-01-01"], '--to "2999-01-01": 2999-01-01T00:00:00'
         "+00:00 is in the future"),
        (["--from", "2000-01-01", "--to", "2026-01-01"], "holds more than 1000 fires"),
        (["--from", "soon", "--to", "2026-01-01"], '--from "soon": use an ISO 8601 time'),
        (["--from", "2026-01-01", "--to", "2026-13-01"], '--to "2026-13-01": use an ISO 8601'),
    ],
)  # fmt: skip
def test_bad_windows_are_one_line_and_change_nothing(
    db_path: Path, args: list[str], message: str
) -> None:
    with Store.open(db_path) as store:
        add(store, "h", cron="0 * * * *", action=ECHO_FOR)
    code, out, err = run_cli(db_path, "backfill", "h", *args)
    assert code == 1, out
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert query(db_path, "SELECT count(*) FROM runs")[0][0] == 0


def test_unknown_schedule_and_missing_window(db_path: Path) -> None:
    with Store.open(db_path) as store:
        add(store, "h", cron="0 * * * *", action=ECHO_FOR)
    code, _, err = run_cli(
        db_path, "backfill", "nope", "--from", "2026-01-01", "--to", "2026-01-02"
    )
    assert code == 1 and "no schedule matches 'nope'" in err
    code, _, err = run_cli(db_path, "backfill", "h", "--from", "2026-01-01")
    assert code == 2 and "--to" in err
