"""Wall-clock jumps under a running runner (fake clock, real event loop and actions)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from tickwork.domain.timeutil import parse_iso
from tickwork.store import Store

from ..conftest import FIXED_NOW, FakeClock
from .conftest import add, async_wait_until, command, in_process, query, runs_of, schedule_row

EVERY_TEN = "*/10 * * * *"


def settled(db: Path, count: int) -> bool:
    rows = query(db, "SELECT count(*), sum(status IN ('running', 'pending')) FROM runs")
    return bool(rows[0][0] == count and not rows[0][1])


async def test_backward_jump_fires_nothing_twice(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "every-ten", cron=EVERY_TEN)
    async with in_process(db_path, clock=clock, tick=0.05):
        clock.now = FIXED_NOW + timedelta(minutes=10, seconds=1)
        assert await async_wait_until(lambda: settled(db_path, 1), 5)
        # Back by 70 minutes, then live through the same hour again, minute by minute.
        start = FIXED_NOW - timedelta(hours=1)
        for minute in range(0, 71):
            clock.now = start + timedelta(minutes=minute, seconds=1)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert settled(db_path, 1), runs_of(db_path, s.id)
        clock.now = FIXED_NOW + timedelta(minutes=20, seconds=1)
        assert await async_wait_until(lambda: settled(db_path, 2), 5)
    runs = runs_of(db_path, s.id)
    assert [r["scheduled_for"] for r in runs] == [
        FIXED_NOW + timedelta(minutes=10),
        FIXED_NOW + timedelta(minutes=20),
    ]
    assert {(r["status"], r["trigger"]) for r in runs} == {("succeeded", "schedule")}


async def test_forward_jump_catches_up_per_policy(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    ids = {p: add(store, p, cron=EVERY_TEN, catchup=p).id for p in ("latest", "skip", "all")}
    async with in_process(db_path, clock=clock, tick=0.05):
        clock.now = FIXED_NOW + timedelta(minutes=10, seconds=1)
        assert await async_wait_until(lambda: settled(db_path, 3), 5)
        clock.now = FIXED_NOW + timedelta(hours=3, minutes=5)  # 12:20 .. 15:00 passed
        assert await async_wait_until(lambda: settled(db_path, 3 + 3 * 17), 10)
    jumped = [FIXED_NOW + timedelta(minutes=20 + 10 * k) for k in range(17)]
    for policy, schedule_id in ids.items():
        runs = runs_of(db_path, schedule_id)
        assert runs[0]["status"] == "succeeded" and runs[0]["trigger"] == "schedule"
        after = {r["scheduled_for"]: r["status"] for r in runs[1:]}
        assert sorted(after) == jumped, policy
        expected = {
            "latest": ["missed"] * 16 + ["succeeded"],
            "skip": ["missed"] * 17,
            "all": ["succeeded"] * 17,
        }[policy]
        assert [after[t] for t in jumped] == expected, policy
        next_run = parse_iso(schedule_row(db_path, schedule_id)["next_run_at"])
        assert next_run == FIXED_NOW + timedelta(hours=3, minutes=10)


async def test_forward_jump_does_not_abandon_the_runners_own_run(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    """A suspended laptop wakes up hours later: its own running action is not 'dead'."""
    s = add(store, "long", cron=EVERY_TEN, max_runs=1, action=command("sleep 2.6"))
    clock.now = FIXED_NOW + timedelta(minutes=10, seconds=1)
    async with in_process(db_path, clock=clock, tick=0.05, heartbeat=1.5, lease_ttl=2.0) as (
        _runner,
        events,
    ):
        started = time.monotonic()
        assert await async_wait_until(lambda: runs_of(db_path, s.id) != [], 2)
        # Beats at +0, +1.5, +3.0 s and sweeps at +0, +1, +2, +3 s (monotonic): jump in between.
        await asyncio.sleep(max(0.0, 1.7 - (time.monotonic() - started)))
        clock.now += timedelta(hours=5)
        assert await async_wait_until(lambda: settled(db_path, 1), 6)
    [run] = runs_of(db_path, s.id)
    assert run["status"] == "succeeded", run["error"]
    assert "abandoned" not in events.kinds()
