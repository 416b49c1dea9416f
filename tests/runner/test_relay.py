"""The relay (runner.relay): a held herd's python calls are started by the worker whose call
just ended, not by a round trip through the loop; the slot passes on, so no more run at once
than there are slots. A link is either started by a worker or given back, never both: what a
stopping runner holds goes back and the next runner fires it once. The clocks are the test's;
the calls wait for an event the test sets."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tickwork.domain.timeutil import iso
from tickwork.runner import held
from tickwork.runner import relay as relay_module
from tickwork.runner.ahead import FLIP_AHEAD
from tickwork.runner.relay import Link, Relay
from tickwork.runner.threads import Call, DaemonPool, in_daemon_thread, start_calls
from tickwork.store import Store

from ..conftest import FakeClock
from .conftest import add, async_wait_until, cycled, in_process
from .test_claim_ahead import PRECLAIMED, count, fires_at
from .test_held_fires import DONE, FLIPPED, to_instant

GATED = {"kind": "python", "target": "actions_helpers:gated"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1]))
    import actions_helpers

    actions_helpers.reset_gated()
    yield actions_helpers
    actions_helpers.gate.set()  # no call is left waiting


def link(at: datetime, key: str) -> Link[str]:
    return Link(at, key, key, None)


def test_links_go_out_by_instant_while_allowed_and_once_only() -> None:
    allowed = {"open": True}
    relay: Relay[str] = Relay(lambda at: allowed["open"] and at <= T0, lambda lk, at: None)
    later, now = T0 + timedelta(seconds=1), T0
    relay.put([link(later, "c"), link(now, "a")])
    relay.put([link(now, "b")])
    assert relay.ids() == {"a", "b", "c"} and relay.earliest() == now and relay.held() == 3
    first = relay.next()
    assert first is not None and first.key == "a"  # earliest first, in the order put
    assert relay.in_flight() == 1 and "a" in relay.ids()  # in flight: still known
    relay.started(first, 0.0)
    assert relay.in_flight() == 0 and "a" not in relay.ids()
    allowed["open"] = False  # a stopped, fenced or standby runner: no worker takes one
    assert relay.next() is None and relay.first() is None
    allowed["open"] = True
    second = relay.first()
    assert second is not None and second.key == "b" and relay.in_flight() == 0
    assert relay.next() is None  # "c": its instant has not come
    taken = relay.take(lambda at: at > now)
    assert [lk.key for lk in taken] == ["c"] and len(relay) == 0 and relay.take() == []


@pytest.mark.parametrize("then", ["links put", "none coming", "released", "taken"])
async def test_a_worker_waits_for_a_flip_under_way_with_its_slot(
    then: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that finds the relay empty while the runner flips more for it waits for them
    (the loop is not woken, its slot stays the worker's), and stops waiting when they are put,
    when none are coming any more, when the loop takes the hold back or the links."""
    monkeypatch.setattr(relay_module, "REFILL_WAIT", 120.0)  # (only the events end the wait)
    relay: Relay[str] = Relay(lambda at: True, lambda lk, at: None)
    relay.holding = True
    relay.expect(True)
    got: list[Link[str] | None] = []
    worker = threading.Thread(target=lambda: got.append(relay.next()))
    worker.start()
    assert await async_wait_until(lambda: relay.waiting == 1, 30)
    if then == "links put":
        relay.put([link(T0, "a")])
    elif then == "none coming":
        relay.expect(False)
    elif then == "released":
        relay.release()
    else:
        relay.take()
    await asyncio.to_thread(worker.join, 30)
    assert not worker.is_alive() and relay.waiting == 0
    if then == "links put":
        assert [lk.key if lk else None for lk in got] == ["a"] and relay.holding
    else:  # the caller's result wakes the loop, as when the relay ran dry
        assert got == [None] and not relay.holding
    relay.expect(False)
    assert relay.next() is None  # empty, nothing coming: no wait at all


async def test_a_worker_starts_the_relays_next_calls_itself_and_tells_the_loop_first() -> None:
    pool = DaemonPool("test-relay")
    heard: list[tuple[str, str]] = []  # what the loop heard, in order
    ran: dict[str, int] = {}  # the thread each call ran in

    def fn(key: str) -> str:
        ran[key] = threading.get_ident()
        return key

    relay: Relay[str] = Relay(lambda at: True, lambda lk, at: heard.append(("started", lk.key)))
    calls = {key: Call(lambda key=key: fn(key), pool) for key in "abc"}  # type: ignore[misc]
    for call in calls.values():
        call.relay = relay
        call.future.add_done_callback(lambda f: heard.append(("ended", str(f.result()[0]))))
    relay.put([Link(T0, key, key, calls[key]) for key in "bc"])
    start_calls([calls["a"]])
    results = await asyncio.wait_for(asyncio.gather(*(c.future for c in calls.values())), 30)
    assert [value for value, _ in results] == ["a", "b", "c"]
    assert len(set(ran.values())) == 1  # all three in the worker that ran the first
    assert sorted(heard) == sorted(
        [("started", "b"), ("started", "c"), ("ended", "a"), ("ended", "b"), ("ended", "c")]
    )
    # each start is heard before the result of the call whose slot it took (the loop never
    # sees that slot free)
    assert heard.index(("started", "b")) < heard.index(("ended", "a"))
    assert heard.index(("started", "c")) < heard.index(("ended", "b"))
    assert relay.in_flight() == 0 and len(relay) == 0


async def test_a_cancelled_call_passes_no_slot_on() -> None:
    pool = DaemonPool("test-relay-cancel", soft_cap=1)  # one worker: calls run one after another
    go, ran = threading.Event(), threading.Event()
    relay: Relay[str] = Relay(lambda at: True, lambda lk, at: None)
    first = Call(lambda: go.wait(30), pool)
    first.relay = relay
    nxt = Call(ran.set, pool)
    relay.put([Link(T0, "next", "next", nxt)])
    start_calls([first])
    first.future.cancel()  # its run timed out or was stopped: its slot was freed by the loop
    go.set()
    await asyncio.wait_for(in_daemon_thread(lambda: None, pool), 30)  # after the first's job
    assert not ran.is_set() and relay.ids() == {"next"}  # held: the loop decides the slot


def gated_herd(store: Store, n: int, at: datetime) -> list[str]:
    ids = [add(store, f"relay-{i:02}", cron="* * * * *", action=GATED).id for i in range(n)]
    with store.write() as conn:
        conn.execute("UPDATE schedules SET next_run_at = ?", (iso(at),))
    return ids


async def test_a_held_herd_of_python_calls_passes_its_slots_on_in_the_workers(
    db_path: Path, clock: FakeClock, helpers: ModuleType
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = gated_herd(store, 12, at)
    switch = sys.getswitchinterval()
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        runner,
        _,
    ):
        await to_instant(runner, db_path, clock, at, 12)
        assert await async_wait_until(lambda: len(helpers.gated_threads) == 2, 30)
        await cycled(runner, 3)
        assert len(helpers.gated_threads) == 2 and runner.planned == 10  # held for the slots
        helpers.gate.set()
        assert await async_wait_until(lambda: count(db_path, DONE) == 12, 60)
        await cycled(runner, 2)
        relayed = runner.relayed
    assert helpers.gated_most == 2  # never more at once than there are slots
    assert relayed == 10  # each held one started by the worker whose call ended
    assert sys.getswitchinterval() == switch  # (quicker hand-overs while relaying only)
    fired = fires_at(db_path, at)
    assert Counter(sid for sid, _, _ in fired) == Counter(ids)  # each once
    assert {status for _, status, _ in fired} == {"succeeded"}


@pytest.mark.parametrize("gate_opens", ["after the stop", "with the stop"])
async def test_a_stopping_runner_gives_back_what_the_workers_did_not_start(
    db_path: Path, clock: FakeClock, helpers: ModuleType, gate_opens: str
) -> None:
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = gated_herd(store, 12, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2, grace=0.5) as (
        runner,
        _,
    ):
        await to_instant(runner, db_path, clock, at, 12)
        assert await async_wait_until(lambda: len(helpers.gated_threads) == 2, 30)
        await cycled(runner, 3)
        if gate_opens == "with the stop":  # the workers pass slots on while the runner stops
            helpers.gate.set()
    started = len(helpers.gated_threads)
    left: dict[str, Any] = Counter(status for _, status, _ in fires_at(db_path, at))
    assert "running" not in left and "abandoned" not in left and "pending" not in left
    assert sum(left.values()) == started  # what started is recorded; the rest went back
    assert helpers.gated_most <= 2
    helpers.gate.set()
    clock.advance(1.0)
    async with in_process(db_path, clock=clock, claim_ahead=True) as (after, _):
        await cycled(after, 3)
        assert await async_wait_until(lambda: len(fires_at(db_path, at)) == 12, 60)
        assert await async_wait_until(
            lambda: count(db_path, "SELECT count(*) FROM runs WHERE status = 'running'") == 0, 60
        )
        await cycled(after, 2)
    assert Counter(sid for sid, _, _ in fires_at(db_path, at)) == Counter(ids)  # each once


async def test_a_relayed_herd_is_flipped_a_refill_further_ahead_of_its_instant(
    db_path: Path, clock: FakeClock, helpers: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay's workers start held fires faster than a flip under way: at the instant as
    many are flipped as the relay keeps at hand (the slots, BUFFER and a refill), not only the
    slots and BUFFER (a herd of commands: test_held_fires), so it does not run dry at once."""
    monkeypatch.setattr(held, "REFILL", (2, 4))
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = gated_herd(store, 12, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        runner,
        _,
    ):
        runner.buffer = 1
        clock.advance((at - clock.now).total_seconds() - 1.5)
        await cycled(runner)
        assert await async_wait_until(lambda: count(db_path, PRECLAIMED) == 12, 30)
        clock.advance((at - clock.now).total_seconds() - FLIP_AHEAD / 2)
        await cycled(runner)
        assert await async_wait_until(lambda: count(db_path, FLIPPED) > 0, 30)
        assert count(db_path, FLIPPED) == 2 + 1 + 4 and count(db_path, PRECLAIMED) == 5
        clock.advance((at - clock.now).total_seconds())
        await cycled(runner, 3)
        assert await async_wait_until(lambda: len(helpers.gated_threads) == 2, 30)
        helpers.gate.set()
        assert await async_wait_until(lambda: count(db_path, DONE) == 12, 60)
        await cycled(runner, 2)
    assert helpers.gated_most == 2
    fired = fires_at(db_path, at)
    assert Counter(sid for sid, _, _ in fired) == Counter(ids)  # each once
    assert {status for _, status, _ in fired} == {"succeeded"}


async def test_workers_wait_for_the_refills_of_a_herd_and_start_every_held_fire(
    db_path: Path, clock: FakeClock, helpers: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls that end at once drain the relay long before the next refill's flip lands: the
    workers wait for it with their slots (more of the herd is to be flipped), so every held
    fire is started by a worker whose call ended, none by the loop, and still never more than
    the slots at once, each fire once."""
    monkeypatch.setattr(held, "REFILL", (2, 4))
    monkeypatch.setattr(held, "RELAY_HOLD", 120.0)  # (only the herd's end ends the hold)
    monkeypatch.setattr(relay_module, "REFILL_WAIT", 120.0)
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = gated_herd(store, 20, at)
    helpers.gate.set()  # every call ends at once
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        runner,
        _,
    ):
        runner.buffer = 1  # 7 flipped ahead of the instant, 13 flipped by refills
        await to_instant(runner, db_path, clock, at, 20)
        assert await async_wait_until(lambda: count(db_path, DONE) == 20, 60)
        await cycled(runner, 2)
        relayed = runner.relayed
    assert relayed == 18  # all but the two the instant started: no chain broke off
    assert helpers.gated_most <= 2
    assert Counter(sid for sid, _, _ in fires_at(db_path, at)) == Counter(ids)  # each once


async def test_a_workers_start_of_a_held_fire_counts_as_its_last_start_for_the_hold_wait(
    db_path: Path, clock: FakeClock, helpers: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held fires go back when none of them started for HOLD_WAIT (3 s): a start by a worker
    counts, though the loop, stepping aside, hears of it only later. 2.5 s after the instant a
    worker starts one; 4 s after it the rest are still held (not given back to the usual claim)
    and every held fire is started by a worker."""
    monkeypatch.setattr(held, "RELAY_HOLD", 120.0)  # (the loop hears of no start meanwhile)
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = gated_herd(store, 6, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=2) as (
        runner,
        _,
    ):
        await to_instant(runner, db_path, clock, at, 6)
        assert await async_wait_until(lambda: len(helpers.gated_threads) == 2, 30)
        clock.advance(2.5)  # within the hold wait of the instant
        helpers.passes.release()  # one call ends: its worker starts the next held fire now
        assert await async_wait_until(lambda: len(helpers.gated_threads) == 3, 30)
        clock.advance(1.5)  # past the hold wait of the instant, within that of the start
        await cycled(runner, 3)
        helpers.gate.set()
        assert await async_wait_until(lambda: count(db_path, DONE) == 6, 60)
        await cycled(runner, 2)
        relayed = runner.relayed
    assert relayed == 4  # none given back: each held fire started by a worker
    assert Counter(sid for sid, _, _ in fires_at(db_path, at)) == Counter(ids)  # each once
