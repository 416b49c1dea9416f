"""Changes by other processes reach a running runner at its next cycle; embedded standby."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from tickwork.domain.runs import RunnerLease
from tickwork.store import Store

from ..conftest import FakeClock
from .conftest import (
    SECOND,
    add,
    async_wait_until,
    cli,
    cycled,
    grid_problems,
    in_process,
    query,
    runs_of,
    schedule_row,
    step,
)

DUE_QUERY = "next_run_at <= ?"  # the indexed "what is due" read (Store.due)


def settled(db: Path, schedule_id: str, count: int) -> bool:
    """At least `count` runs, all finished."""
    runs = runs_of(db, schedule_id)
    return len(runs) >= count and all(r["finished_at"] for r in runs)


async def test_a_pause_from_the_cli_stops_new_claims_at_once(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "pausable")
        other = add(store, "other")
    async with in_process(db_path, clock=clock) as (runner, _events):
        await step(runner, clock)
        assert await async_wait_until(lambda: len(runs_of(db_path, s.id)) == 1, 30)
        done = await asyncio.to_thread(cli, db_path, "pause", "pausable")  # another process
        assert done.returncode == 0, done.stderr
        for _ in range(3):  # the next claims (one a second) see the pause
            await step(runner, clock)
        assert await async_wait_until(lambda: len(runs_of(db_path, other.id)) == 4, 30)
    assert len(runs_of(db_path, s.id)) == 1  # no claim after the pause committed
    row = schedule_row(db_path, s.id)
    assert (row["active"], row["status_reason"], row["next_run_at"]) == (0, "paused", None)


async def test_an_idle_runner_does_not_rescan_and_sees_an_edit_at_once(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "yearly", cron="0 0 1 1 *")
    statements: list[str] = []
    async with in_process(db_path, clock=clock) as (runner, _events):
        await cycled(runner)
        runner.store.conn.set_trace_callback(statements.append)
        await cycled(runner, 3)
        runner.store.conn.set_trace_callback(None)
        # Nothing changed and nothing is due for months: each cycle reads PRAGMA data_version
        # (and beats now and then), never the "what is due" query.
        assert not [x for x in statements if DUE_QUERY in x], statements
        assert 3 <= statements.count("PRAGMA data_version") <= 4, statements

        with Store.open(db_path, clock=clock) as other:  # another connection, as the CLI
            edited = other.update(s.id, {"every": "1s"})
        first = edited.next_run_at
        assert first == clock.now + SECOND
        await step(runner, clock)
        assert await async_wait_until(lambda: settled(db_path, s.id, 1), 30)
        # The first fire of the new expression started when it was due.
        assert runs_of(db_path, s.id)[0]["started_at"] == first

        with Store.open(db_path, clock=clock) as other:
            second = other.update(s.id, {"every": "2s"}).next_run_at
        assert second is not None
        for _ in range(5):
            await step(runner, clock)
        assert await async_wait_until(lambda: settled(db_path, s.id, 3), 30)
    runs = runs_of(db_path, s.id)
    every_two = [r["scheduled_for"] for r in runs[1:]]
    assert every_two[0] == second and len(every_two) >= 2
    assert grid_problems(every_two, 2 * SECOND) == []
    assert all(r["status"] == "succeeded" for r in runs)


async def test_embedded_runner_stands_by_while_a_headless_one_lives(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "tick")
        now = clock.now
        headless = RunnerLease(
            "rnr_headless", socket.gethostname(), os.getpid(), "headless", "active", now, now, now
        )
        lease = store.leases.beat(headless, now, 2.5, "active")
    async with in_process(db_path, clock=clock, mode="embedded", heartbeat=0.2) as (
        runner,
        _events,
    ):
        await step(runner, clock)
        assert runner.state == "standby"
        states = query(db_path, "SELECT mode, state FROM runners ORDER BY mode")
        assert [tuple(r) for r in states] == [("embedded", "standby"), ("headless", "active")]
        await step(runner, clock)
        assert runs_of(db_path, s.id) == []  # claims nothing while the headless lease lives
        clock.now = lease.expires_at  # the headless runner stopped beating at `now`
        await cycled(runner)
        assert runner.state == "active"
        assert await async_wait_until(lambda: settled(db_path, s.id, 2), 30)
        for _ in range(2):
            await step(runner, clock)
        assert await async_wait_until(lambda: settled(db_path, s.id, 4), 30)
    runs = runs_of(db_path, s.id)
    assert all(r["created_at"] >= lease.expires_at for r in runs)
    times = [r["scheduled_for"] for r in runs]
    # The fires due while it stood by were late, not lost: the grid is complete from the first.
    assert times[0] == s.next_run_at and grid_problems(times) == []
    assert {r["status"] for r in runs} == {"succeeded"}
