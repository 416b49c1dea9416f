"""Claim-ahead in the runner (runner.ahead, store.preclaims): fires pre-claimed a moment before
their instant start from memory at it, exactly once, also with two runners on one file; a
pause, an edit or a delete that lands between the pre-claim and the instant is honoured; a
runner killed after pre-claiming loses nothing: another one fires them (released, not
abandoned, not twice); a runner that stops gives its pre-claims back."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tickwork.domain.timeutil import iso, utcnow
from tickwork.store import Store

from ..conftest import FakeClock
from .conftest import add, async_wait_until, cycled, in_process, query, wait_until

PRECLAIMED = "SELECT count(*) FROM runs WHERE status = 'pending' AND runner_id IS NOT NULL"


def herd(store: Store, count: int, at: datetime, prefix: str = "herd") -> list[str]:
    """`count` `* * * * *` schedules whose next run is `at` (set as a bench sets it)."""
    ids = [add(store, f"{prefix}-{i:03}", cron="* * * * *").id for i in range(count)]
    with store.write() as conn:
        conn.execute("UPDATE schedules SET next_run_at = ?", (iso(at),))
    return ids


def count(db: Path, sql: str, params: tuple[Any, ...] = ()) -> int:
    return int(query(db, sql, params)[0][0])


def fires_at(db: Path, at: datetime) -> list[tuple[str, str, str | None]]:
    rows = query(
        db,
        "SELECT schedule_id, status, runner_id FROM runs WHERE scheduled_for = ? ORDER BY 1",
        (iso(at),),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_preclaimed_fires_start_at_their_instant_and_changes_are_honoured(
    db_path: Path, clock: FakeClock
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = herd(store, 12, at)
    paused, edited, deleted, renamed = ids[:4]
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=50) as (
        runner,
        events,
    ):
        clock.advance((at - clock.now).total_seconds() - 1.5)  # within the lead: pre-claimed
        await cycled(runner)
        assert await async_wait_until(lambda: count(db_path, PRECLAIMED) == 12, 30)
        assert runner.planned == 12
        with Store.open(db_path, clock=clock) as other:  # another process edits meanwhile
            # What the UI and the CLI show as the next run is still the instant.
            assert {other.get(i).next_run_at for i in ids} == {at}
            other.set_active(paused, False)
            other.update(edited, {"cron": "30 4 * * *"})  # the instant is no fire of it now
            other.delete(deleted)
            other.update(renamed, {"name": "renamed"})  # still due at the instant: fires as such
        clock.advance((at - clock.now).total_seconds())
        await cycled(runner, 3)
        assert await async_wait_until(
            lambda: count(db_path, "SELECT count(*) FROM runs WHERE status = 'succeeded'") == 9, 30
        )
        await cycled(runner, 2)
        fired = Counter(sid for sid, _, _ in fires_at(db_path, at))
        assert fired == Counter(ids[3:])  # each once; the paused, edited, deleted ones not
        assert count(db_path, PRECLAIMED) == 0
        with Store.open(db_path, clock=clock) as other:
            assert other.get(paused).run_count == 0 and other.get(edited).run_count == 0
            assert other.get(edited).next_run_at != at
            assert {other.get(i).next_run_at for i in ids[3:]} == {at + timedelta(minutes=1)}
        started = [e.run.schedule_name for e in events.items if e.kind == "started"]
        assert "renamed" in started  # the edited definition, not the pre-claimed one


async def test_a_stopping_runner_gives_its_preclaims_back(db_path: Path, clock: FakeClock) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        herd(store, 5, at)
    async with in_process(db_path, clock=clock, claim_ahead=True) as (runner, _):
        clock.advance((at - clock.now).total_seconds() - 1)
        await cycled(runner)
        assert await async_wait_until(lambda: count(db_path, PRECLAIMED) == 5, 30)
    assert count(db_path, "SELECT count(*) FROM runs") == 0  # given back: nothing left owned
    assert count(db_path, "SELECT sum(run_count) FROM schedules") == 0


def test_two_runners_share_preclaimed_fires_exactly_once(db_path: Path, spawn: Any) -> None:
    with Store.open(db_path) as store:
        ids = [add(store, f"s{i:02}").id for i in range(20)]  # @every 1s, fast python action
    runners = [spawn(db_path, "--max-concurrency", "50", "--lease-ttl", "4") for _ in range(2)]
    # Fires pre-claimed ahead (created before their instant) and run: at least 200.
    ahead = (
        "SELECT count(*) FROM runs WHERE status = 'succeeded' AND created_at < scheduled_for "
        "AND trigger = 'schedule'"
    )
    assert wait_until(lambda: count(db_path, ahead) >= 200, 120)
    for r in runners:
        assert r.stop() == 0
    rows = query(db_path, "SELECT schedule_id, scheduled_for, attempt, runner_id FROM runs")
    keys = Counter((r[0], r[1], r[2]) for r in rows)
    assert keys and max(keys.values()) == 1  # no fire twice
    assert {r[0] for r in rows} == set(ids)
    # Which runner takes a fire is a race (the first to pre-claim an instant takes its herd):
    # the outcome asserted is once each, whoever fired it.
    statuses = Counter(str(r[0]) for r in query(db_path, "SELECT status FROM runs"))
    assert set(statuses) <= {"succeeded", "missed", "skipped"}, (
        statuses
    )  # nothing abandoned or stuck
    assert count(db_path, PRECLAIMED) == 0  # both stopped: pre-claims given back


def test_a_runner_killed_after_preclaiming_loses_nothing(db_path: Path, spawn: Any) -> None:
    at = (utcnow() + timedelta(seconds=20)).replace(microsecond=0)
    with Store.open(db_path) as store:
        ids = herd(store, 30, at)
    first = spawn(db_path, "--lease-ttl", "3", "--max-concurrency", "100")
    assert wait_until(lambda: count(db_path, PRECLAIMED) == 30, 60)
    first.proc.send_signal(signal.SIGKILL)  # before the instant: nothing started
    first.proc.wait(10)
    killed_at = utcnow()
    owner = {r[2] for r in fires_at(db_path, at)}
    assert killed_at < at and len(owner) == 1 and None not in owner
    second = spawn(db_path, "--lease-ttl", "3", "--max-concurrency", "100")
    done = "SELECT count(*) FROM runs WHERE scheduled_for = ? AND status = 'succeeded'"
    assert wait_until(lambda: count(db_path, done, (iso(at),)) == 30, 120)
    assert second.stop() == 0
    fired = fires_at(db_path, at)
    assert Counter(sid for sid, _, _ in fired) == Counter(ids)  # each once: not lost, not twice
    assert {status for _, status, _ in fired} == {"succeeded"}  # never abandoned: never ran
    assert {runner for _, _, runner in fired}.isdisjoint(owner)  # the other runner fired them
    assert count(db_path, "SELECT count(*) FROM runs WHERE status = 'abandoned'") == 0
