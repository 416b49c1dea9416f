"""Flip-ahead (runner.ahead): pre-claimed fires become running a moment before their instant
(FLIP_AHEAD plus twice the measured flip time) and start at it from memory, so nothing but the
starts happens at the instant. A pause landing after the flip applies from the next fire (the
README says so); a runner that stops between the flip and the instant gives the fires back (as
if never claimed, not abandoned); each run still tells "claimed", "started", then its outcome."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from tickwork.runner import Runner
from tickwork.runner.ahead import FLIP_AHEAD
from tickwork.store import Store

from ..conftest import FakeClock
from .conftest import async_wait_until, cycled, in_process
from .test_claim_ahead import PRECLAIMED, count, fires_at, herd

FLIPPED = "SELECT count(*) FROM runs WHERE status = 'running' AND runner_id IS NOT NULL"


async def preclaim_then_flip(runner: Runner, db: Path, clock: FakeClock, n: int) -> None:
    """Move the clock to 1.5 s before the instant (`n` fires pre-claimed, not flipped), then
    within the flip lead (flipped, running since the instant, not started)."""
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    clock.advance((at - clock.now).total_seconds() - 1.5)
    await cycled(runner)
    assert await async_wait_until(lambda: count(db, PRECLAIMED) == n, 30)
    assert count(db, FLIPPED) == 0  # 1.5 s ahead: pre-claimed, not flipped yet
    clock.advance((at - clock.now).total_seconds() - FLIP_AHEAD / 2)
    await cycled(runner)
    assert await async_wait_until(lambda: count(db, FLIPPED) == n, 30)


async def test_fires_flip_just_before_their_instant_and_start_at_it(
    db_path: Path, clock: FakeClock
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = herd(store, 6, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=50) as (
        runner,
        events,
    ):
        await preclaim_then_flip(runner, db_path, clock, 6)
        assert {s for _, s, _ in fires_at(db_path, at)} == {"running"}
        assert not [e for e in events.items if e.kind == "started"]  # not started before it
        with Store.open(db_path, clock=clock) as other:  # too late for this fire: it runs
            other.set_active(ids[0], False)
        clock.advance((at - clock.now).total_seconds())
        await cycled(runner, 3)
        done = "SELECT count(*) FROM runs WHERE status = 'succeeded'"
        assert await async_wait_until(lambda: count(db_path, done) == 6, 30)
        await cycled(runner, 2)
    assert Counter(sid for sid, _, _ in fires_at(db_path, at)) == Counter(ids)  # each once
    for run_id in {e.run.id for e in events.items if e.run.id != "-"}:
        kinds = [e.kind for e in events.items if e.run.id == run_id]
        assert kinds == ["claimed", "started", "succeeded"], kinds
    with Store.open(db_path, clock=clock) as other:
        assert other.get(ids[1]).next_run_at == at + timedelta(minutes=1)  # moved on
        assert other.get(ids[0]).next_run_at is None or not other.get(ids[0]).active


async def test_a_runner_stopping_after_the_flip_gives_the_fires_back(
    db_path: Path, clock: FakeClock
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = herd(store, 5, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=50) as (
        runner,
        events,
    ):
        await preclaim_then_flip(runner, db_path, clock, 5)
    # Stopped before the instant: nothing ran, nothing is left claimed or counted, and the
    # fires are still due at the instant for whoever claims next.
    assert count(db_path, "SELECT count(*) FROM runs") == 0
    assert count(db_path, "SELECT sum(run_count) FROM schedules") == 0
    with Store.open(db_path, clock=clock) as other:
        assert {other.get(i).next_run_at for i in ids} == {at}
    assert not [e for e in events.items if e.kind == "started"]


async def test_a_big_herd_is_preclaimed_earlier_than_the_usual_lead(
    db_path: Path, clock: FakeClock
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        herd(store, 40, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=50) as (
        runner,
        _,
    ):
        runner._preclaim_rate = 0.1  # as measured on a slow host: 40 fires take 4 s
        clock.advance((at - clock.now).total_seconds() - 10)
        await cycled(runner, 3)  # it counts the herd, then waits for its lead (twice 4 s)
        assert count(db_path, PRECLAIMED) == 0  # 10 s ahead: not yet
        clock.advance(3)  # 7 s ahead: beyond the usual 2 s lead, within this herd's 8 s
        await cycled(runner, 3)
        assert await async_wait_until(lambda: count(db_path, PRECLAIMED) == 40, 30)
