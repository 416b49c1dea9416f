"""Changes by other processes reach a running runner within a second; embedded standby."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta
from pathlib import Path

from tickwork.domain.runs import RunnerLease
from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store

from .conftest import (
    SECOND,
    add,
    async_wait_until,
    cli,
    grid_problems,
    in_process,
    query,
    runs_of,
    schedule_row,
)

DUE_QUERY = "next_run_at <= ?"  # the indexed "what is due" read (Store.due)


def settled(db: Path, schedule_id: str, count: int) -> bool:
    """At least `count` runs, all finished."""
    runs = runs_of(db, schedule_id)
    return len(runs) >= count and all(r["finished_at"] for r in runs)


async def test_a_pause_from_the_cli_stops_new_claims_at_once(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "pausable")
        other = add(store, "other")
    async with in_process(db_path):
        assert await async_wait_until(lambda: len(runs_of(db_path, s.id)) >= 1, 5)
        done = await asyncio.to_thread(cli, db_path, "pause", "pausable")
        assert done.returncode == 0, done.stderr
        paused_at = utcnow()
        await asyncio.sleep(2.1)
    runs = runs_of(db_path, s.id)
    assert all(r["created_at"] <= paused_at for r in runs)  # no claim after the pause committed
    row = schedule_row(db_path, s.id)
    assert (row["active"], row["status_reason"], row["next_run_at"]) == (0, "paused", None)
    later = [r for r in runs_of(db_path, other.id) if r["created_at"] > paused_at]
    assert len(later) >= 2  # the runner itself kept going


async def test_an_idle_runner_does_not_rescan_and_sees_an_edit_within_a_second(
    db_path: Path,
) -> None:
    with Store.open(db_path) as store:
        s = add(store, "yearly", cron="0 0 1 1 *")
    statements: list[str] = []
    async with in_process(db_path) as (runner, _events):
        await asyncio.sleep(0.5)
        runner.store.conn.set_trace_callback(statements.append)
        await asyncio.sleep(2.0)
        idle = list(statements)
        # Nothing changed and nothing is due for months: no "what is due" query, ~1 wake-up/s.
        assert not [x for x in idle if DUE_QUERY in x]
        assert 1 <= idle.count("PRAGMA data_version") <= 3, idle

        done = await asyncio.to_thread(cli, db_path, "edit", "yearly", "--every", "1s")
        assert done.returncode == 0, done.stderr
        edited_at = utcnow()
        first = parse_iso(schedule_row(db_path, s.id)["next_run_at"])
        assert first is not None and first - edited_at < 2 * SECOND
        assert await async_wait_until(lambda: settled(db_path, s.id, 1), 4)

        done = await asyncio.to_thread(cli, db_path, "edit", "yearly", "--every", "2s")
        assert done.returncode == 0, done.stderr
        edited_again = utcnow()
        second = parse_iso(schedule_row(db_path, s.id)["next_run_at"])
        assert second is not None
        await asyncio.sleep((second - utcnow()).total_seconds() + 2.3)
    runs = runs_of(db_path, s.id)
    # The first fire of the new expression started within a second of when it was due (or of
    # the edit, if that came later).
    start = runs[0]["started_at"] - max(runs[0]["scheduled_for"], edited_at)
    assert runs[0]["scheduled_for"] == first and start < 1.2 * SECOND, start
    every_two = [r["scheduled_for"] for r in runs if r["created_at"] > edited_again]
    assert every_two[0] == second and len(every_two) >= 2
    assert grid_problems(every_two, 2 * SECOND) == []
    assert all(r["status"] == "succeeded" for r in runs)


async def test_embedded_runner_stands_by_while_a_headless_one_lives(db_path: Path) -> None:
    with Store.open(db_path) as store:
        s = add(store, "tick")
        now = utcnow()
        headless = RunnerLease(
            "rnr_headless", socket.gethostname(), os.getpid(), "headless", "active", now, now, now
        )
        lease = store.leases.beat(headless, now, 2.5, "active")
    async with in_process(db_path, mode="embedded", heartbeat=0.2) as (runner, _events):
        await asyncio.sleep(0.6)
        assert runner.state == "standby"
        states = query(db_path, "SELECT mode, state FROM runners ORDER BY mode")
        assert [tuple(r) for r in states] == [("embedded", "standby"), ("headless", "active")]
        assert runs_of(db_path, s.id) == []  # claims nothing while the headless lease lives
        assert await async_wait_until(lambda: runner.state == "active", 3.0)
        took_over = utcnow()
        assert took_over >= lease.expires_at
        assert took_over - lease.expires_at < timedelta(seconds=0.6)
        assert await async_wait_until(lambda: settled(db_path, s.id, 4), 4)
    runs = runs_of(db_path, s.id)
    assert all(r["created_at"] >= lease.expires_at for r in runs)
    times = [r["scheduled_for"] for r in runs]
    # The fires due while it stood by were late, not lost: the grid is complete from the first.
    assert times[0] == s.next_run_at and grid_problems(times) == []
    assert {r["status"] for r in runs} == {"succeeded"}
