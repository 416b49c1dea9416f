"""History reads leave out fires a runner pre-claimed and has not started (store.preclaims): the
run history, the timeline and `tickwork runs` show a pre-claimed fire once it starts, never as
a run waiting before its instant. A waiting run nobody owns (queued, a retry's backoff, a manual
run) is still listed as pending. On both backends."""

from __future__ import annotations

from datetime import timedelta

from tests.cli_helpers import run_cli
from tests.conftest import FakeClock
from tests.runner.conftest import add
from tests.store.test_preclaims import herd, instant_of, lease
from tickwork.domain.status import RunStatus
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual
from tickwork.store.location import Target
from tickwork.store.preclaims import flip, preclaim


def test_a_preclaimed_fire_is_listed_once_it_starts(
    any_store: Store, target: Target, clock: FakeClock
) -> None:
    store = any_store
    at = instant_of(clock)
    [sid, other] = herd(store, 2, at)
    manual = add(store, "manual", cron="0 0 1 1 *").id
    waiting = enqueue_manual(store, manual, clock.now)  # pending, nobody's
    runner = lease(store, "rnr_ahead", clock)
    clock.now = at - timedelta(seconds=2)
    plans = preclaim(store, clock.now, runner, until=at)
    assert len(plans) == 2
    # In the database: two pre-claims (pending, owned) and the waiting manual run.
    assert store.query("SELECT count(*) FROM runs WHERE status = 'pending'")[0][0] == 3

    listed = store.runs.list()
    assert [(r.id, r.status) for r in listed] == [(waiting.id, RunStatus.PENDING)]
    assert store.runs.list(sid) == []
    assert store.runs.list(status=RunStatus.PENDING) == listed
    assert store.runs.count() == 1 and store.runs.count(status=RunStatus.PENDING) == 1
    assert store.runs.count(sid) == 0 and store.runs.count(other) == 0
    assert store.runs.count(manual) == 1
    assert store.runs.count(sid, RunStatus.PENDING) == 0
    assert [r.id for r in store.runs.since(at - timedelta(minutes=5))] == [waiting.id]
    code, out, _ = run_cli(target, "runs", "--json")
    assert code == 0 and waiting.id in out and plans[0].run.id not in out
    assert plans[1].run.id not in out

    clock.now = at
    mine = next(p for p in plans if p.schedule.id == sid)
    assert flip(store, at, runner, [mine.run.id]) == {mine.run.id}
    [started] = store.runs.list(sid)
    assert (started.id, started.status) == (mine.run.id, RunStatus.RUNNING)
    assert store.runs.count(sid) == 1 and store.runs.count() == 2
    assert {r.id for r in store.runs.since(at - timedelta(minutes=5))} == {
        waiting.id,
        mine.run.id,
    }


def test_pending_runs_nobody_owns_are_still_listed(any_store: Store, clock: FakeClock) -> None:
    s = add(any_store, "manual", cron="0 0 1 1 *")
    run = enqueue_manual(any_store, s.id, clock.now)
    assert [r.id for r in any_store.runs.list(status=RunStatus.PENDING)] == [run.id]
    assert any_store.runs.count(s.id, RunStatus.PENDING) == 1
