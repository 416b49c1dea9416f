"""Held fires (runner.held): a herd larger than the free slots is pre-claimed whole; as many as
there are slots start at the instant, the rest are held and start from memory as slots free
(each with its real start as started_at); what found no slot within the hold wait, or is held
when the runner stops or finds its lease lost, goes back (never abandoned: it never ran) and
the usual claim, this runner's or another's, fires it once. A pause landing between the
pre-claim and the flip is honoured. Slots are held by commands that wait for a file the test
makes; the clocks are the test's."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from tickwork.domain.timeutil import iso, parse_iso
from tickwork.runner import Runner
from tickwork.runner.ahead import FLIP_AHEAD
from tickwork.runner.held import HOLD_WAIT
from tickwork.store import Store

from ..conftest import FakeClock
from .conftest import Events, add, async_wait_until, command, cycled, in_process, query
from .test_claim_ahead import PRECLAIMED, count, fires_at, herd

FLIPPED = "SELECT count(*) FROM runs WHERE status = 'running' AND runner_id IS NOT NULL"
DONE = "SELECT count(*) FROM runs WHERE status = 'succeeded'"


def blocked_herd(store: Store, n: int, at: datetime, go: Path) -> list[str]:
    """`n` `* * * * *` schedules due at `at` whose command runs until `go` exists."""
    action = command(f"until [ -e '{go}' ]; do sleep 0.02; done")
    ids = [add(store, f"held-{i:02}", cron="* * * * *", action=action).id for i in range(n)]
    with store.write() as conn:
        conn.execute("UPDATE schedules SET next_run_at = ?", (iso(at),))
    return ids


def started(events: Events) -> list[str]:
    return [e.run.id for e in events.items if e.kind == "started"]


async def to_instant(runner: Runner, db: Path, clock: FakeClock, at: datetime, n: int) -> None:
    """Pre-claim (1.5 s ahead: `n` fires), flip (just ahead), then the instant."""
    clock.advance((at - clock.now).total_seconds() - 1.5)
    await cycled(runner)
    assert await async_wait_until(lambda: count(db, PRECLAIMED) == n, 30)
    clock.advance((at - clock.now).total_seconds() - FLIP_AHEAD / 2)
    await cycled(runner)
    assert await async_wait_until(lambda: count(db, FLIPPED) > 0, 30)
    clock.advance((at - clock.now).total_seconds())
    await cycled(runner, 3)


def created_ahead(db: Path, at: datetime) -> bool:
    rows = query(db, "SELECT created_at FROM runs WHERE scheduled_for = ?", (iso(at),))
    return all((t := parse_iso(r[0])) is not None and t < at for r in rows)


async def test_held_fires_start_as_slots_free_and_a_paused_one_is_honoured(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    go = tmp_path / "go"
    with Store.open(db_path, clock=clock) as store:
        ids = blocked_herd(store, 6, at, go)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        runner,
        events,
    ):
        runner.buffer = 1  # flipped ahead: 2 slots + 1; the other 3 stay pre-claimed
        await to_instant(runner, db_path, clock, at, 6)
        assert await async_wait_until(lambda: len(started(events)) == 2, 30)
        assert count(db_path, FLIPPED) == 3 and count(db_path, PRECLAIMED) == 3
        held = query(db_path, PRECLAIMED.replace("count(*)", "schedule_id"))
        paused = str(held[0][0])
        with Store.open(db_path, clock=clock) as other:  # between the pre-claim and the flip
            other.set_active(paused, False)
        clock.advance(1.0)  # the held fires wait for slots meanwhile
        await cycled(runner, 3)
        assert len(started(events)) == 2  # no slot: nothing else started
        go.touch()
        assert await async_wait_until(lambda: count(db_path, DONE) == 5, 60)
        await cycled(runner, 2)
    fired = Counter(sid for sid, _, _ in fires_at(db_path, at))
    assert fired == Counter(i for i in ids if i != paused)  # each once; the paused one not
    assert created_ahead(db_path, at)  # every fire pre-claimed before the instant: none claimed
    starts = Counter(
        parse_iso(r[0]) for r in query(db_path, "SELECT started_at FROM runs WHERE status != ''")
    )
    assert starts == Counter({at: 2, at + timedelta(seconds=1): 3})  # when each really started
    with Store.open(db_path, clock=clock) as other:
        assert {other.get(i).next_run_at for i in ids if i != paused} == {at + timedelta(minutes=1)}
        assert other.get(paused).run_count == 0


async def test_held_fires_go_back_after_the_wait_and_another_runner_fires_them(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    go = tmp_path / "go"
    with Store.open(db_path, clock=clock) as store:
        ids = blocked_herd(store, 5, at, go)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        first,
        events,
    ):
        await to_instant(first, db_path, clock, at, 5)
        assert await async_wait_until(lambda: len(started(events)) == 2, 30)
        async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=10) as (
            second,
            _,
        ):
            await cycled(second, 3)
            assert count(db_path, "SELECT count(*) FROM runs") == 5  # held: nobody else's
            clock.advance(HOLD_WAIT + 1)  # no slot freed within the hold wait: given back
            await cycled(first, 3)
            await cycled(second, 3)
            go.touch()
            assert await async_wait_until(lambda: count(db_path, DONE) == 5, 60)
            await cycled(second, 2)
            taker = second.lease.id if second.lease else None
    fired = fires_at(db_path, at)
    assert Counter(sid for sid, _, _ in fired) == Counter(ids)  # each once
    assert {status for _, status, _ in fired} == {"succeeded"}  # none abandoned: never ran
    owners = Counter(runner for _, _, runner in fired)
    assert owners[taker] == 3  # the three given back, fired by the other runner


async def test_a_stopping_runner_gives_its_held_fires_back_to_the_next(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    go = tmp_path / "go"
    with Store.open(db_path, clock=clock) as store:
        ids = blocked_herd(store, 5, at, go)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2, grace=0.5) as (
        runner,
        events,
    ):
        runner.buffer = 1  # held: one flipped, two pre-claimed
        await to_instant(runner, db_path, clock, at, 5)
        assert await async_wait_until(lambda: len(started(events)) == 2, 30)
    # The two started were stopped (cancelled); the three held went back: no run, not counted.
    assert Counter(s for _, s, _ in fires_at(db_path, at)) == Counter({"cancelled": 2})
    assert count(db_path, "SELECT sum(run_count) FROM schedules") == 2
    go.touch()
    clock.advance(1.0)
    async with in_process(db_path, clock=clock, claim_ahead=True) as (after, _):
        await cycled(after, 3)
        assert await async_wait_until(lambda: count(db_path, DONE) == 3, 60)
    assert Counter(sid for sid, _, _ in fires_at(db_path, at)) == Counter(ids)  # each once


async def test_held_fires_go_back_when_the_lease_was_lost(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    go = tmp_path / "go"
    with Store.open(db_path, clock=clock) as store:
        ids = blocked_herd(store, 5, at, go)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        runner,
        events,
    ):
        await to_instant(runner, db_path, clock, at, 5)
        assert await async_wait_until(lambda: len(started(events)) == 2, 30)
        with Store.open(db_path, clock=clock) as other, other.write() as conn:  # it lapsed
            conn.execute("UPDATE runners SET expires_at = ?", (iso(at - timedelta(hours=1)),))
        clock.advance(2.0)  # the next heartbeat finds it lost: the held fires go back first
        await cycled(runner, 3)
        assert await async_wait_until(lambda: count(db_path, "SELECT count(*) FROM runs") == 2, 30)
        assert len(started(events)) == 2
        go.touch()
        assert await async_wait_until(lambda: count(db_path, DONE) == 5, 60)
        await cycled(runner, 2)
    fired = fires_at(db_path, at)
    assert Counter(sid for sid, _, _ in fired) == Counter(ids)  # each once
    assert {status for _, status, _ in fired} == {"succeeded"}


async def test_two_runners_split_a_herd_larger_than_their_slots(
    db_path: Path, clock: FakeClock
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = herd(store, 12, at)
    async with (
        in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (first, _),
        in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (second, _),
    ):
        clock.advance((at - clock.now).total_seconds() - 5)  # before the lead
        await cycled(first, 2)
        await cycled(second, 2)  # both hold an active lease
        clock.advance(3.5)
        await cycled(first, 3)  # each pre-claims its part: half the herd, not all of it
        await cycled(second, 3)
        assert await async_wait_until(lambda: count(db_path, PRECLAIMED) == 12, 30)
        owners = "SELECT count(DISTINCT runner_id) FROM runs WHERE status = 'pending'"
        assert count(db_path, owners) == 2
        clock.advance((at - clock.now).total_seconds())
        await cycled(first, 3)
        await cycled(second, 3)
        assert await async_wait_until(lambda: count(db_path, DONE) == 12, 60)
        leases = {r.lease.id for r in (first, second) if r.lease is not None}
    fired = fires_at(db_path, at)
    assert Counter(sid for sid, _, _ in fired) == Counter(ids)  # each once
    assert Counter(runner for _, _, runner in fired) == Counter(dict.fromkeys(leases, 6))
