"""The runner never stalls silently: failures to record are retried and said, every task's end
is looked at, --once finishes what it claims, manual runs are told the previous run's time,
old runs and dead leases are swept in the background."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tickwork.domain.runs import RunnerLease
from tickwork.domain.timeutil import iso, iso_ms
from tickwork.runner import RunEvent, Runner
from tickwork.store import Store, claims
from tickwork.store.claims import enqueue_manual
from tickwork.store.waiting import claim_pending

from ..conftest import FIXED_NOW, FakeClock
from .conftest import (
    add,
    async_wait_until,
    command,
    cycled,
    in_process,
    query,
    runs_of,
    schedule_row,
    step,
    wait_until,
)

OPEN = "SELECT count(*) FROM runs WHERE status IN ('running', 'pending')"


def opened(db: Path) -> int:
    return int(query(db, OPEN)[0][0])


async def test_a_failing_record_is_retried_said_and_never_leaves_a_run_running(
    db_path: Path, clock: FakeClock
) -> None:
    """Recording a run's outcome fails for a while (here: a trigger refuses it; a full disk
    does the same): the runner retries until it is written, says so loudly, and the schedule
    (overlap=skip) fires normally again afterwards, without a restart."""
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "steady", action=command("true"))
    refuse = sqlite3.connect(db_path, isolation_level=None)
    refuse.execute(
        "CREATE TRIGGER tw_refuse BEFORE UPDATE OF status ON runs WHEN NEW.status != 'running' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    async with in_process(db_path, clock=clock) as (runner, events):
        await step(runner, clock)
        assert await async_wait_until(
            lambda: any("could not record the outcome" in n for n in events.notes()), 30
        ), events.notes()
        await step(runner, clock)  # while F1 is unrecorded, F2 is skipped (overlap=skip)
        refuse.execute("DROP TRIGGER tw_refuse")
        assert await async_wait_until(lambda: opened(db_path) == 0, 30)
        for _ in range(3):  # each fire ends before the next (overlap=skip would skip it)
            await step(runner, clock)
            assert await async_wait_until(lambda: opened(db_path) == 0, 30)
        assert await async_wait_until(lambda: len(runs_of(db_path, s.id)) == 5, 30)
        assert await async_wait_until(lambda: opened(db_path) == 0, 30)
    refuse.close()
    statuses = [r["status"] for r in runs_of(db_path, s.id)]
    assert statuses == ["succeeded", "skipped", "succeeded", "succeeded", "succeeded"]
    notes = events.notes()
    assert sum("could not record the outcome" in n for n in notes) == 1  # once, not per retry
    assert any("works again" in n for n in notes)


async def test_a_failing_listener_is_logged_and_the_runner_goes_on(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception after the action ended (here: the event listener, as a closed log pipe)
    is looked at and logged; the run is recorded, later fires happen."""
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "steady")

    def listener(event: RunEvent) -> None:
        if event.kind == "succeeded":
            raise BrokenPipeError("the log reader went away")

    with Store.open(db_path, clock=clock) as store, caplog.at_level(logging.ERROR):
        runner = Runner(
            store, mode="headless", clock=clock, monotonic=clock.monotonic, on_event=listener
        )
        task = asyncio.create_task(runner.run())
        for _ in range(3):
            await step(runner, clock)
            assert await async_wait_until(lambda: opened(db_path) == 0, 30)
        await runner.stop()
        await asyncio.wait_for(task, 60)
    assert [r["status"] for r in runs_of(db_path, s.id)] == ["succeeded"] * 3
    assert "the event listener failed" in caplog.text and "BrokenPipeError" in caplog.text


async def test_run_once_finishes_everything_it_claimed(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    """Two fires due at once (a backlog, catchup=all): --once runs both, in order, and leaves
    nothing pending behind for the next runner to run out of order."""
    s = add(store, "backlog", catchup="all", action=command("true"))
    clock.advance(2)  # 12:00:01 and 12:00:02 are due
    await Runner(store, mode="headless", clock=clock, monotonic=clock.monotonic).run(once=True)
    runs = runs_of(db_path, s.id)
    assert [(r["scheduled_for"], r["status"]) for r in runs] == [
        (FIXED_NOW + timedelta(seconds=1), "succeeded"),
        (FIXED_NOW + timedelta(seconds=2), "succeeded"),
    ]
    assert runs[0]["finished_at"] <= runs[1]["started_at"]


async def test_a_manual_run_is_told_the_previous_runs_time(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "told", action=command('printf "%s" "$TICKWORK_LAST_RUN_AT"'), every="1h")
    clock.advance(3600)
    await Runner(store, mode="headless", clock=clock, monotonic=clock.monotonic).run(once=True)
    clock.advance(60)
    enqueue_manual(store, s.id, clock.now)
    await Runner(store, mode="headless", clock=clock, monotonic=clock.monotonic).run(once=True)
    clock.advance(60)
    manual = enqueue_manual(store, s.id, clock.now)
    await Runner(store, mode="manual", clock=clock, monotonic=clock.monotonic).run_one(manual.id)
    outputs = [r["output"] for r in runs_of(db_path, s.id)]
    first = iso(FIXED_NOW + timedelta(hours=1))
    second = iso(FIXED_NOW + timedelta(hours=1, minutes=1))
    # The first fire had none before it; the first manual run is told the scheduled fire's
    # time, the second the first manual run's (each the previous run's, never its own).
    assert outputs == ["", first, second]


async def test_old_runs_are_pruned_in_small_batches(store: Store, clock: FakeClock) -> None:
    s = add(store, "chatty", cron="0 0 1 1 *")
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO runs (id, schedule_id, scheduled_for, attempt, trigger, status, "
            "created_at) VALUES (?, ?, ?, 1, 'manual', 'succeeded', ?)",
            [
                (
                    f"run_{i:05}",
                    s.id,
                    iso_ms(FIXED_NOW + timedelta(seconds=i)),
                    iso_ms(FIXED_NOW + timedelta(seconds=i)),
                )
                for i in range(1300)
            ],
        )
    assert store.runs.prune_targets(100) == [s.id]
    assert store.runs.prune_batch(s.id, 100) == 500  # one short transaction each
    assert store.runs.prune_batch(s.id, 100) == 500
    assert store.runs.prune_batch(s.id, 100) == 200
    assert store.runs.prune_batch(s.id, 100) == 0
    kept = [r.id for r in store.runs.list(s.id, limit=1000)]
    assert kept == [f"run_{i:05}" for i in range(1299, 1199, -1)]  # the newest 100


async def test_expired_leases_are_swept(db_path: Path, clock: FakeClock) -> None:
    with Store.open(db_path, clock=clock) as store:
        long_gone = RunnerLease(
            "rnr_gone", "elsewhere", 1, "headless", "active", clock.now, clock.now, clock.now
        )
        store.leases.beat(long_gone, clock.now - timedelta(hours=1), 10, "active")
    async with in_process(db_path, clock=clock) as (runner, _events):
        await cycled(runner)
        assert await async_wait_until(
            lambda: (
                [r[0] for r in query(db_path, "SELECT id FROM runners")]
                == [runner.lease.id if runner.lease else ""]
            ),
            30,
        )


async def test_a_claim_with_a_lost_lease_claims_nothing(store: Store, clock: FakeClock) -> None:
    """Fencing: a runner whose lease expired (stopped, suspended) claims nothing until it has
    renewed it, whatever it had in flight."""
    s = add(store, "due")
    lease = RunnerLease("rnr_late", "h", 1, "headless", "active", clock.now, clock.now, clock.now)
    store.leases.beat(lease, clock.now, 2, "active")
    clock.advance(5)  # the lease expired 3 s ago
    assert s.next_run_at is not None
    with pytest.raises(claims.LeaseLost):
        claims.claim_due(store, s.id, s.next_run_at, clock.now, lease)
    with pytest.raises(claims.LeaseLost):
        claims.claim_batch(store, clock.now, lease)
    manual = enqueue_manual(store, s.id, clock.now)
    with pytest.raises(claims.LeaseLost):
        claim_pending(store, clock.now, lease, 5)
    assert [(r["id"], r["status"]) for r in runs_of(store.path, s.id)] == [(manual.id, "pending")]
    assert schedule_row(store.path, s.id)["next_run_at"] == iso(s.next_run_at)
    renewed, lost = store.leases.renew(lease, clock.now, 2, "active")
    assert lost
    assert claims.claim_due(store, s.id, s.next_run_at, clock.now, renewed) is not None


def test_a_runner_of_this_host_is_told_alive_stopped_dead_or_reborn() -> None:
    """The lease records host and pid: a process that exists (stopped or not) and started
    before its lease is alive; a gone one, a zombie, or a later process with the same pid is not."""
    from tickwork.domain.timeutil import utcnow
    from tickwork.runner.liveness import new_lease, runner_alive

    child = subprocess.Popen(["sleep", "60"])
    try:
        lease = replace(new_lease("headless", utcnow(), "active"), pid=child.pid)
        assert runner_alive(lease)
        child.send_signal(signal.SIGSTOP)  # stopped is alive
        assert runner_alive(lease)
        child.send_signal(signal.SIGCONT)
        reborn = replace(lease, started_at=lease.started_at - timedelta(hours=1))
        assert not runner_alive(reborn)  # the pid belongs to a process started after the lease
        child.kill()
        assert wait_until(lambda: not runner_alive(lease), 30)  # a zombie, then gone
    finally:
        child.kill()
        child.wait(30)
    assert not runner_alive(lease)
