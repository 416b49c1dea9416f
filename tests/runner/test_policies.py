"""Retries, timeouts, max_runs / end_at, jitter and pruning, with a real in-process runner."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tickwork.domain.runs import RunnerLease
from tickwork.domain.timeutil import iso
from tickwork.runner import Runner
from tickwork.store import Store

from ..conftest import FIXED_NOW, FakeClock
from .conftest import (
    add,
    async_wait_until,
    command,
    cycled,
    in_process,
    process_gone,
    query,
    runs_of,
    schedule_row,
    step,
)


def finished(db: Path, schedule_id: str) -> int:
    return sum(r["finished_at"] is not None for r in runs_of(db, schedule_id))


def has_finished(db: Path, schedule_id: str, count: int) -> bool:
    return finished(db, schedule_id) == count


async def test_a_failing_run_is_retried_with_exponential_backoff(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(
            store,
            "flaky",
            max_runs=1,
            retries=2,
            retry_backoff_seconds=20,
            action=command('echo "try $TICKWORK_ATTEMPT of $TICKWORK_SCHEDULED_FOR"; exit 3'),
        )
    async with in_process(db_path, clock=clock) as (runner, events):
        await step(runner, clock)
        for attempt, backoff in ((1, 20), (2, 40)):
            assert await async_wait_until(
                functools.partial(has_finished, db_path, s.id, attempt), 30
            )
            runs = runs_of(db_path, s.id)
            retry = runs[-1]
            assert (retry["attempt"], retry["status"]) == (attempt + 1, "pending")
            delay = (retry["not_before"] - runs[-2]["finished_at"]).total_seconds()
            assert backoff * 0.8 <= delay <= backoff * 1.2  # doubles, with +-20% jitter
            await step(runner, clock, delay * 0.5)  # not yet
            assert runs_of(db_path, s.id)[-1]["status"] == "pending"
            clock.now = retry["not_before"]
            await cycled(runner)
            # Started when due, not a tick later.
            assert await async_wait_until(
                functools.partial(has_finished, db_path, s.id, attempt + 1), 30
            )
            assert runs_of(db_path, s.id)[attempt]["started_at"] == retry["not_before"]
        await step(runner, clock, 3600)  # room for a (wrong) fourth attempt
    runs = runs_of(db_path, s.id)
    assert [r["attempt"] for r in runs] == [1, 2, 3]
    assert [r["trigger"] for r in runs] == ["schedule", "retry", "retry"]
    assert {r["scheduled_for"] for r in runs} == {s.next_run_at}
    assert [(r["status"], r["exit_code"]) for r in runs] == [("failed", 3)] * 3
    for r in runs:
        assert r["output"].strip() == f"try {r['attempt']} of {iso(s.next_run_at)}"
    assert len({r["webhook_id"] for r in runs}) == 1  # receivers can deduplicate the retries
    row = schedule_row(db_path, s.id)
    assert row["run_count"] == 1 and row["last_status"] == "failed"  # retries are not new runs
    assert events.kinds(s.id).count("retrying") == 2


async def test_a_timeout_is_a_failure_and_is_retried(db_path: Path, clock: FakeClock) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(
            store,
            "slow",
            max_runs=1,
            retries=1,
            retry_backoff_seconds=1,
            timeout_seconds=0.5,
            action=command("sleep 60"),
        )
    async with in_process(db_path, clock=clock) as (runner, _events):
        await step(runner, clock)
        assert await async_wait_until(lambda: finished(db_path, s.id) == 1, 30)
        await step(runner, clock, 2)
        assert await async_wait_until(lambda: finished(db_path, s.id) == 2, 30)
    runs = runs_of(db_path, s.id)
    assert [(r["attempt"], r["trigger"], r["status"]) for r in runs] == [
        (1, "schedule", "timed_out"),
        (2, "retry", "timed_out"),
    ]
    for r in runs:
        assert r["error"] == "timed out after 0.5s"
        assert r["duration"] >= 0.5
        assert r["pid"] and process_gone(r["pid"])


@dataclass
class Limits:
    db: Path
    limited: str
    ending: str
    end_at: datetime
    jittery: str
    jitters: list[float] = field(default_factory=list)


async def _drive_limits(db: Path) -> Limits:
    """One runner, three schedules: max_runs=3, an end_at 3 fires ahead, a 0.8 s jitter. The
    jitter's sleep is the test's: it records the delay and lets that much time pass."""
    clock = FakeClock()
    # overlap=allow: the jitter's sleep moves the shared clock up to 0.8 s at once, so a fire
    # can fall due while the previous run of its schedule (started a moment before, in real
    # time) is still recorded as running; the default overlap=skip would then skip it, and a
    # fourth fire take its place (seen under load: "skipped (overlap=skip)")
    with Store.open(db, clock=clock) as store:
        limited = add(store, "three-times", max_runs=3, overlap="allow")
        assert limited.next_run_at is not None
        end_at = limited.next_run_at + timedelta(seconds=2)  # fires 1, 2 and 3 are <= end_at
        ending = add(store, "until", end_at=iso(end_at), overlap="allow")
        jittery = add(store, "jittery", max_runs=3, jitter_seconds=0.8, overlap="allow")
    limits = Limits(db, limited.id, ending.id, end_at, jittery.id)

    async def jitter(seconds: float) -> None:
        limits.jitters.append(seconds)
        clock.advance(seconds)

    async with in_process(db, clock=clock, sleep=jitter) as (runner, _events):
        for _ in range(6):  # three fires each, then three seconds in which nothing may fire
            await step(runner, clock)
            assert await async_wait_until(lambda: not query(db, OPEN), 30)
    assert all(
        schedule_row(db, i)["active"] == 0 and finished(db, i) == 3
        for i in (limited.id, ending.id, jittery.id)
    )
    return limits


OPEN = "SELECT 1 FROM runs WHERE status IN ('running', 'pending')"


@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> Limits:
    return asyncio.run(_drive_limits(tmp_path_factory.mktemp("limits") / "tickwork.db"))


def test_max_runs_deactivates_with_the_reason(limits: Limits) -> None:
    row = schedule_row(limits.db, limits.limited)
    assert row["status_reason"] == "max_runs reached (3 runs)"
    assert (row["active"], row["run_count"], row["next_run_at"]) == (0, 3, None)
    assert [r["status"] for r in runs_of(limits.db, limits.limited)] == ["succeeded"] * 3


def test_end_at_deactivates_with_the_reason(limits: Limits) -> None:
    row = schedule_row(limits.db, limits.ending)
    assert row["status_reason"] == f"ended: end_at {iso(limits.end_at)} reached"
    assert (row["active"], row["next_run_at"]) == (0, None)
    runs = runs_of(limits.db, limits.ending)
    assert [r["scheduled_for"] for r in runs] == [
        limits.end_at - timedelta(seconds=n) for n in (2, 1, 0)
    ]
    assert all(r["status"] == "succeeded" for r in runs)


def test_jitter_delays_each_fire_within_the_bound(limits: Limits) -> None:
    runs = runs_of(limits.db, limits.jittery)
    assert len(runs) == len(limits.jitters) == 3
    for r, delay in zip(runs, limits.jitters, strict=True):
        assert 0 <= delay <= 0.8
        # started_at is the real start, after the delay
        assert (r["started_at"] - r["scheduled_for"]).total_seconds() >= delay - 0.001  # ms
    assert max(limits.jitters) - min(limits.jitters) > 0, limits.jitters  # random, not fixed


async def test_pruning_keeps_the_newest_finished_runs(db_path: Path, clock: FakeClock) -> None:
    with Store.open(db_path, clock=clock) as store:
        ids = [add(store, f"p{i}", cron="*/10 * * * *").id for i in range(2)]
        for step in range(1, 9):  # 8 on-time runs of each, ten minutes apart
            clock.now = FIXED_NOW + timedelta(minutes=10 * step, seconds=1)
            await Runner(store, mode="headless", clock=clock, monotonic=clock.monotonic).run(
                once=True
            )
        lease = RunnerLease("rnr_alive", "h", 1, "headless", "active", clock(), clock(), clock())
        store.leases.beat(lease, clock(), 3600, "active")
        with store.write() as conn:  # an open run of a live runner is never pruned
            conn.execute(
                "UPDATE runs SET status = 'running', runner_id = 'rnr_alive', finished_at = NULL "
                "WHERE schedule_id = ? AND scheduled_for = ?",
                (ids[0], iso(FIXED_NOW + timedelta(minutes=10))),
            )
        assert query(db_path, "SELECT count(*) FROM runs")[0][0] == 16
        await Runner(
            store, mode="headless", clock=clock, monotonic=clock.monotonic, keep_runs=5
        ).run(once=True)
        kept = {i: runs_of(db_path, i) for i in ids}
        newest = [FIXED_NOW + timedelta(minutes=10 * k) for k in range(4, 9)]
        assert [r["scheduled_for"] for r in kept[ids[1]]] == newest
        oldest_open = FIXED_NOW + timedelta(minutes=10)
        assert [r["scheduled_for"] for r in kept[ids[0]]] == [oldest_open, *newest]
        assert kept[ids[0]][0]["status"] == "running"
        assert store.runs.prune(5) == 0
