"""A lone fire among many waiting schedules starts on time (runner.ahead): the python calls
flipped for an instant are handed to their workers a moment before it and each waits for the
instant itself; the cycle does no database work from then until a moment past it; and a fire
claimed at its instant while its schedule's previous run is still open does not make every
later fire of that schedule be claimed at its instant too (its next fire is pre-claimed once the
run is recorded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from tickwork.domain.model import PythonAction
from tickwork.domain.timeutil import iso
from tickwork.runner import Runner
from tickwork.runner.ahead import AFTER, PRECISE, SPIN, WAKE, _until
from tickwork.runner.python_action import launch_python
from tickwork.store import Store

from ..actions_support import make_ctx
from ..conftest import FakeClock
from .conftest import add, async_wait_until, cycled, in_process, runs_of
from .test_claim_ahead import PRECLAIMED, count, herd
from .test_flip_ahead import FLIPPED, preclaim_then_flip

SUCCEEDED = "SELECT count(*) FROM runs WHERE status = 'succeeded'"


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1]))
    import actions_helpers

    actions_helpers.release.clear()
    yield actions_helpers
    actions_helpers.release.set()


async def test_a_call_handed_over_ahead_runs_only_once_its_wait_returned(
    helpers: ModuleType,
) -> None:
    entered, gate = threading.Event(), threading.Event()

    def wait() -> None:  # the runner's: until the instant
        entered.set()
        assert gate.wait(30)

    helpers.received.clear()
    launched = launch_python(PythonAction("actions_helpers:nothing"), make_ctx(), wait)
    assert launched is not None
    assert await async_wait_until(entered.is_set, 30)  # on its worker, waiting
    assert helpers.received == [] and not launched.done()
    gate.set()
    assert await launched == (None, None)  # (its result, no error)
    assert [p["run_id"] for p in helpers.received] == ["run_abc"]


@pytest.mark.parametrize("spin", [0.0, SPIN])
def test_the_wait_for_an_instant_never_ends_before_it(spin: float) -> None:
    began = time.monotonic()
    wait = _until(SPIN * 1.5, spin)  # slept, its last `spin` seconds spun
    wait()
    assert time.monotonic() >= began + SPIN * 1.5
    wait()  # past it: returns at once
    _until(-1.0, spin)()  # (an instant already past: no wait)


class DataVersions:
    """Counts the cycle's look at the database (every cycle that does database work makes one)."""

    def __init__(self, runner: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen = 0
        real = runner.store.data_version

        def counted() -> int:
            self.seen += 1
            return real()

        monkeypatch.setattr(runner.store, "data_version", counted)


async def test_fires_are_handed_over_a_moment_before_their_instant_with_no_database_work(
    db_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert WAKE < PRECISE
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    with Store.open(db_path, clock=clock) as store:
        ids = herd(store, 3, at)
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=50) as (
        runner,
        events,
    ):
        await preclaim_then_flip(runner, db_path, clock, 3)
        looks = DataVersions(runner, monkeypatch)
        clock.advance((at - clock.now).total_seconds() - WAKE)  # the loop's timer for it
        await cycled(runner, 4)
        assert runner._handed == at and not runner._ready  # handed over: tasks made
        assert runner.planned == 0 and count(db_path, FLIPPED) + count(db_path, SUCCEEDED) == 3
        assert looks.seen == 0  # before the instant: no database work at all
        clock.advance(WAKE + AFTER / 2)  # just past the instant: still none
        await cycled(runner, 3)
        assert looks.seen == 0
        clock.advance(AFTER)  # then the cycle goes on as usual
        await cycled(runner, 3)
        assert looks.seen > 0
        assert await async_wait_until(lambda: count(db_path, SUCCEEDED) == 3, 30)
        await cycled(runner, 2)
    assert count(db_path, FLIPPED) == 0
    for sid in ids:
        (run,) = [r for r in runs_of(db_path, sid) if r["scheduled_for"] == at]
        assert run["status"] == "succeeded" and run["started_at"] == at  # once, at the instant
    for run_id in {e.run.id for e in events.items if e.run.id != "-"}:
        kinds = [e.kind for e in events.items if e.run.id == run_id]
        assert kinds == ["claimed", "started", "succeeded"], kinds


async def test_an_every_second_fire_claimed_at_its_instant_lets_the_next_be_preclaimed(
    db_path: Path, clock: FakeClock, helpers: ModuleType
) -> None:
    with Store.open(db_path, clock=clock) as store:
        sid = add(store, "lone", action={"kind": "python", "target": "actions_helpers:slow"}).id
        first = store.get(sid).next_run_at
        assert first is not None
    clock.advance((first - clock.now).total_seconds())  # due when the runner starts
    async with in_process(db_path, clock=clock, claim_ahead=True, max_concurrency=50) as (
        runner,
        _,
    ):
        # Claimed at its instant; the next fire's pre-claim passes over the schedule while
        # this run is open (overlap: skip).
        running = "SELECT count(*) FROM runs WHERE status = 'running'"
        assert await async_wait_until(lambda: count(db_path, running) == 1, 30)
        await cycled(runner, 3)
        assert count(db_path, PRECLAIMED) == 0
        helpers.release.set()
        assert await async_wait_until(lambda: count(db_path, SUCCEEDED) == 1, 30)
        await cycled(runner, 3)  # the clock stands still: the next fire is 1 s ahead
        assert await async_wait_until(lambda: count(db_path, PRECLAIMED) == 1, 30)
        nxt = first + timedelta(seconds=1)
        pre = [r for r in runs_of(db_path, sid) if r["status"] == "pending"]
        assert [iso(r["scheduled_for"]) for r in pre] == [iso(nxt)]
