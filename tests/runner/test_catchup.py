"""Catch-up after downtime, per policy, in-process with a fake clock (`run(once=True)`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tickwork.domain.timeutil import parse_iso
from tickwork.runner import Runner
from tickwork.store import Store
from tickwork.store.claims import MAX_CATCHUP_RUNS, ON_TIME_GRACE

from ..conftest import FIXED_NOW, FakeClock
from .conftest import Events, add, command, runs_of, schedule_row

TEN_MINUTES = timedelta(minutes=10)
EVERY_TEN = "*/10 * * * *"


def fires(first: datetime, last: datetime) -> list[datetime]:
    out = [first]
    while out[-1] < last:
        out.append(out[-1] + TEN_MINUTES)
    return out


def recorder(path: Path) -> dict[str, str]:
    """A command that appends the fire it runs for to `path` (execution order)."""
    return command(f'echo "$TICKWORK_SCHEDULED_FOR $TICKWORK_ATTEMPT" >> {path}')


async def run_once(db: Path, clock: FakeClock, **options: object) -> tuple[Runner, Events]:
    events = Events()
    with Store.open(db, clock=clock) as store:
        runner = Runner(
            store,
            mode="headless",
            clock=clock,
            monotonic=clock.monotonic,
            on_event=events,
            **options,  # type: ignore[arg-type]
        )
        await runner.run(once=True)
    return runner, events


def by_time(db: Path, schedule_id: str) -> dict[datetime, dict[str, object]]:
    runs = runs_of(db, schedule_id)
    table = {r["scheduled_for"]: r for r in runs}
    assert len(table) == len(runs), "a fire was recorded twice"
    return table


async def test_latest_runs_the_most_recent_missed_fire_and_records_the_rest(
    db_path: Path, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "order.txt"
    s = add(store, "latest", cron=EVERY_TEN, action=recorder(log))
    assert s.next_run_at == FIXED_NOW + TEN_MINUTES and s.policies.catchup == "latest"
    clock.now = FIXED_NOW + timedelta(hours=3, minutes=5)  # down from 12:00 to 15:05
    _, events = await run_once(db_path, clock)

    expected = fires(FIXED_NOW + TEN_MINUTES, FIXED_NOW + timedelta(hours=3))
    table = by_time(db_path, s.id)
    assert sorted(table) == expected  # every missed fire has a row
    last = table.pop(expected[-1])
    assert (last["status"], last["trigger"]) == ("succeeded", "catchup")
    assert {(r["status"], r["trigger"]) for r in table.values()} == {("missed", "catchup")}
    assert all("catchup=latest" in str(r["error"]) for r in table.values())
    assert log.read_text().split() == [expected[-1].isoformat(timespec="seconds"), "1"]
    row = schedule_row(db_path, s.id)
    assert parse_iso(row["next_run_at"]) == FIXED_NOW + timedelta(hours=3, minutes=10)
    assert row["run_count"] == 1 and row["active"] == 1
    assert events.kinds(s.id).count("missed") == len(expected) - 1


async def test_latest_with_an_on_time_fire_runs_it_on_schedule(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "latest", cron=EVERY_TEN)
    clock.now = FIXED_NOW + timedelta(hours=1, seconds=30)  # 13:00 is 30 s old: on time
    await run_once(db_path, clock)
    table = by_time(db_path, s.id)
    assert len(table) == 6
    now_fire = table.pop(FIXED_NOW + timedelta(hours=1))
    assert (now_fire["status"], now_fire["trigger"]) == ("succeeded", "schedule")
    assert {r["status"] for r in table.values()} == {"missed"}


async def test_skip_records_every_missed_fire_and_runs_none(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "skip", cron=EVERY_TEN, catchup="skip")
    clock.now = FIXED_NOW + timedelta(hours=3, minutes=5)
    await run_once(db_path, clock)
    table = by_time(db_path, s.id)
    assert sorted(table) == fires(FIXED_NOW + TEN_MINUTES, FIXED_NOW + timedelta(hours=3))
    assert {(r["status"], r["trigger"]) for r in table.values()} == {("missed", "catchup")}
    assert all(r["started_at"] is None for r in table.values())
    row = schedule_row(db_path, s.id)
    assert parse_iso(row["next_run_at"]) == FIXED_NOW + timedelta(hours=3, minutes=10)
    assert row["run_count"] == 0


async def test_skip_still_runs_a_fire_that_is_on_time(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "skip", cron=EVERY_TEN, catchup="skip")
    clock.now = FIXED_NOW + timedelta(hours=1) + ON_TIME_GRACE  # 13:00 is exactly 60 s old
    await run_once(db_path, clock)
    table = by_time(db_path, s.id)
    current = table.pop(FIXED_NOW + timedelta(hours=1))
    assert (current["status"], current["trigger"]) == ("succeeded", "schedule")
    assert len(table) == 5 and {r["status"] for r in table.values()} == {"missed"}


async def test_all_runs_each_missed_fire_in_order(
    db_path: Path, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "order.txt"
    s = add(store, "all", cron=EVERY_TEN, catchup="all", action=recorder(log))
    clock.now = FIXED_NOW + timedelta(hours=3, minutes=5)
    _, events = await run_once(db_path, clock)
    expected = fires(FIXED_NOW + TEN_MINUTES, FIXED_NOW + timedelta(hours=3))
    table = by_time(db_path, s.id)
    assert sorted(table) == expected
    assert {(r["status"], r["trigger"]) for r in table.values()} == {("succeeded", "catchup")}
    executed = log.read_text().split()[::2]
    assert executed == [t.isoformat(timespec="seconds") for t in expected]  # in order, once each
    started = [e.run.scheduled_for for e in events.items if e.kind == "started"]
    assert started == expected
    row = schedule_row(db_path, s.id)
    assert row["run_count"] == len(expected)
    assert parse_iso(row["next_run_at"]) == FIXED_NOW + timedelta(hours=3, minutes=10)
    assert parse_iso(row["last_run_at"]) == expected[-1]


async def test_all_runs_at_most_100_then_records_the_rest_missed_with_a_warning(
    db_path: Path, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "order.txt"
    s = add(store, "all", cron=EVERY_TEN, catchup="all", action=recorder(log))
    clock.now = FIXED_NOW + timedelta(hours=20, minutes=5)  # 120 missed fires
    runner, events = await run_once(db_path, clock, max_concurrency=4)
    expected = fires(FIXED_NOW + TEN_MINUTES, FIXED_NOW + timedelta(hours=20))
    assert len(expected) == 120
    table = by_time(db_path, s.id)
    assert sorted(table) == expected
    ran, rest = expected[:MAX_CATCHUP_RUNS], expected[MAX_CATCHUP_RUNS:]
    assert [table[t]["status"] for t in ran] == ["succeeded"] * 100
    assert [table[t]["status"] for t in rest] == ["missed"] * 20
    assert log.read_text().split()[::2] == [t.isoformat(timespec="seconds") for t in ran]
    assert any("20 missed fires beyond the first 100" in w for w in runner.warnings)
    assert any("20 missed fires beyond the first 100" in n for n in events.notes())
    row = schedule_row(db_path, s.id)
    assert row["run_count"] == 100
    assert parse_iso(row["next_run_at"]) == FIXED_NOW + timedelta(hours=20, minutes=10)


async def test_missed_fires_do_not_use_up_max_runs(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "limited", cron=EVERY_TEN, max_runs=3)
    clock.now = FIXED_NOW + timedelta(hours=1, minutes=5)  # 6 fires missed, 1 run
    await run_once(db_path, clock)
    row = schedule_row(db_path, s.id)
    assert row["run_count"] == 1
    assert row["active"] == 1, row["status_reason"]
    assert parse_iso(row["next_run_at"]) == FIXED_NOW + timedelta(hours=1, minutes=10)
    for minutes in (10, 20):  # 13:10 and 13:20 run on time: 3 runs, done
        clock.now = FIXED_NOW + timedelta(hours=1, minutes=minutes, seconds=5)
        await run_once(db_path, clock)
    row = schedule_row(db_path, s.id)
    assert (row["run_count"], row["active"]) == (3, 0)
    assert row["status_reason"] == "max_runs reached (3 runs)"
    assert row["next_run_at"] is None
    statuses = [r["status"] for r in runs_of(db_path, s.id)]
    assert statuses.count("succeeded") == 3 and statuses.count("missed") == 5


@pytest.mark.parametrize("policy", ["latest", "skip", "all"])
async def test_fires_late_by_less_than_the_grace_all_run_whatever_the_policy(
    db_path: Path, store: Store, clock: FakeClock, policy: str
) -> None:
    """A busy or briefly stalled runner is late, not down: nothing within 60 s is missed."""
    s = add(store, "every10s", every="10s", catchup=policy)
    clock.now = FIXED_NOW + timedelta(seconds=35)  # 12:00:10, :20, :30 are due, all on time
    await run_once(db_path, clock)
    runs = runs_of(db_path, s.id)
    assert [r["scheduled_for"] for r in runs] == [
        FIXED_NOW + timedelta(seconds=n) for n in (10, 20, 30)
    ]
    assert {(r["status"], r["trigger"]) for r in runs} == {("succeeded", "schedule")}
    assert schedule_row(db_path, s.id)["run_count"] == 3
