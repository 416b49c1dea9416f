"""Group commit: the outcomes that end together are written in one transaction, each as a
lone one would be (its retry, its schedule's last status), pids with them; a batch that fails
is written again one by one. On both backends."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from tests.conftest import FakeClock
from tests.runner.conftest import add, command
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus
from tickwork.runner.actions import Outcome
from tickwork.runner.recorder import Recorder
from tickwork.runner.storecalls import StoreCalls
from tickwork.store import Store, StoreError, outcomes
from tickwork.store.claims import claim_batch


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


def started(store: Store, clock: FakeClock, count: int, **fields: object) -> list[Run]:
    """`count` schedules due now, claimed: their runs are running."""
    for i in range(count):
        add(store, f"s{i:02}", action=command("true"), **fields)
    clock.advance(1)
    lease = RunnerLease("rnr_rec", "h", 1, "headless", "active", clock.now, clock.now, clock.now)
    lease = store.leases.beat(lease, clock.now, 3600, "active")
    claimed, _ = claim_batch(store, clock.now, lease)
    return [run for c in claimed for run in c.start]


def calls(notes: list[str]) -> StoreCalls:
    return StoreCalls(notes.append, time.monotonic, asyncio.sleep, lambda: False)


async def test_outcomes_that_end_together_are_one_transaction(
    store: Store, clock: FakeClock
) -> None:
    runs = started(store, clock, 20, retries=1)
    notes: list[str] = []
    recorder = Recorder(calls(notes), store)
    ok, bad = (
        Outcome(RunStatus.SUCCEEDED, 0.1, exit_code=0),
        Outcome(RunStatus.FAILED, 0.1, exit_code=3),
    )
    recorder.pid(runs[0].id, 4242)
    futures = [recorder.finish(run, bad if i % 2 else ok, clock.now) for i, run in enumerate(runs)]
    retries = await asyncio.gather(*futures)
    assert recorder.transactions == 1 and notes == []
    assert [r is not None for r in retries] == [i % 2 == 1 for i in range(20)]  # in order
    for run, retry in zip(runs, retries, strict=True):
        got = store.runs.get(run.id)
        assert got is not None and got.status == ("failed" if retry else "succeeded")
        if retry is not None:  # the retry a lone finish would have queued
            assert retry.attempt == 2 and retry.schedule_id == run.schedule_id
            assert store.runs.get(retry.id) is not None
    assert store.runs.get(runs[0].id).pid == 4242  # type: ignore[union-attr]
    last = dict(store.query("SELECT id, last_status FROM schedules"))
    assert sorted(last.values()) == ["failed"] * 10 + ["succeeded"] * 10


async def test_a_lone_outcome_is_written_at_once(store: Store, clock: FakeClock) -> None:
    [run] = started(store, clock, 1)
    recorder = Recorder(calls([]), store)
    assert await recorder.finish(run, Outcome(RunStatus.SUCCEEDED, 0.1), clock.now) is None
    got = store.runs.get(run.id)
    assert got is not None and got.status == RunStatus.SUCCEEDED and recorder.transactions == 1


async def test_a_failed_batch_is_written_one_by_one(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault of the batch's transaction (injected: a refusal that is not a lock): each
    outcome is still recorded, on its own."""
    runs = started(store, clock, 5)

    def refuse(*_: object, **__: object) -> list[Run | None]:
        raise StoreError("injected: the batch could not be written", "io")

    monkeypatch.setattr(outcomes, "finish_many", refuse)
    notes: list[str] = []
    recorder = Recorder(calls(notes), store)
    recorder.pid(runs[1].id, 777)
    done = await asyncio.gather(
        *(recorder.finish(run, Outcome(RunStatus.SUCCEEDED, 0.1), clock.now) for run in runs)
    )
    assert done == [None] * 5 and recorder.transactions == 0
    statuses = [store.runs.get(run.id).status for run in runs]  # type: ignore[union-attr]
    assert statuses == ["succeeded"] * 5
    assert store.runs.get(runs[1].id).pid == 777, notes  # type: ignore[union-attr]


def test_finish_many_keeps_a_deleted_schedules_outcome_out(store: Store, clock: FakeClock) -> None:
    runs = started(store, clock, 3)
    store.delete(runs[1].schedule_id)
    later = clock.now + timedelta(seconds=5)
    ended = [(run, Outcome(RunStatus.SUCCEEDED, 5.0), later) for run in runs]
    assert outcomes.finish_many(store, ended) == [None, None, None]
    assert [store.runs.get(run.id) is not None for run in runs] == [True, False, True]
