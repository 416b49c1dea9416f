"""The claim protocol's contract on both backends: a due fire is claimed once, whoever races for
it (two stores, as two hosts' runners would be), a manual run starts once, a paused schedule is
not claimed, and what a claim wrote is all there or not at all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.conftest import FakeClock, cmd
from tickwork.domain.runs import RunnerLease
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import iso, parse_iso
from tickwork.store import Store
from tickwork.store.claims import claim_due, enqueue_manual
from tickwork.store.location import Target
from tickwork.store.waiting import claim_pending

MINUTE = timedelta(minutes=1)


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


@pytest.fixture
def other(target: Target, clock: FakeClock, any_store: Store) -> Iterator[Store]:
    """A second store on the same database: another process, or another host."""
    s = Store.open(target, clock=clock)
    yield s
    s.close()


def lease(store: Store, name: str, now: datetime) -> RunnerLease:
    mine = RunnerLease(f"rnr_{name}", f"host-{name}", 1, "headless", "active", now, now, now)
    return store.leases.beat(mine, now, 3600, "active")


def due_ids(store: Store, now: datetime) -> list[tuple[str, datetime | None]]:
    """(id, next_run_at) of the schedules due by `now`, oldest first."""
    rows = store.query(
        "SELECT id, next_run_at FROM schedules WHERE active = 1 AND next_run_at <= ? "
        "ORDER BY next_run_at, id",
        (iso(now),),
    )
    return [(sid, parse_iso(text)) for sid, text in rows]


def test_a_due_fire_is_claimed_once(store: Store, clock: FakeClock) -> None:
    s = store.create({"name": "m", "every": "1m", "action": cmd()}).schedule
    assert s.next_run_at is not None
    now = s.next_run_at
    mine = lease(store, "a", clock.now)
    claim = claim_due(store, s.id, s.next_run_at, now, mine)
    assert claim is not None and [r.scheduled_for for r in claim.start] == [now]
    assert claim.schedule.next_run_at == now + MINUTE and claim.schedule.run_count == 1
    assert claim_due(store, s.id, s.next_run_at, now, mine) is None  # the CAS: already moved
    assert store.runs.count(s.id) == 1
    assert store.get(s.id).next_run_at == now + MINUTE


def test_racing_stores_claim_each_fire_once(store: Store, other: Store, clock: FakeClock) -> None:
    """Two stores (two runners' connections) race over 40 due schedules in the same order."""
    for i in range(40):
        store.create({"name": f"s{i}", "every": "1m", "action": cmd()})
    now = clock.now + MINUTE
    won: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    due = due_ids(store, now)
    assert len(due) == 40

    def race(s: Store, name: str, order: list[tuple[str, datetime | None]]) -> None:
        try:
            mine = lease(s, name, clock.now)
            for schedule_id, expected in order:
                assert expected is not None
                if claim_due(s, schedule_id, expected, now, mine) is not None:
                    won[name].append(schedule_id)
        except BaseException as exc:  # collected: asserted below
            errors.append(exc)

    threads = [
        threading.Thread(target=race, args=(store, "a", due)),
        threading.Thread(target=race, args=(other, "b", due)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(won["a"] + won["b"]) == sorted(i for i, _ in due)  # each once, none lost
    rows = store.query("SELECT schedule_id, scheduled_for, attempt FROM runs")
    assert len(rows) == 40 == len(set(rows))


def test_a_manual_run_starts_once(store: Store, other: Store, clock: FakeClock) -> None:
    s = store.create({"name": "m", "cron": "0 0 1 1 *", "action": cmd()}).schedule
    run = enqueue_manual(store, s.id, clock.now)
    a, b = lease(store, "a", clock.now), lease(other, "b", clock.now)
    started = claim_pending(store, clock.now, a, 10) + claim_pending(other, clock.now, b, 10)
    assert [r.id for r in started] == [run.id]
    got = store.runs.get(run.id)
    assert got is not None and got.status == "running" and got.runner_id == started[0].runner_id
    assert store.get(s.id).run_count == 1


def test_a_paused_schedule_is_not_claimed(store: Store, other: Store, clock: FakeClock) -> None:
    s = store.create({"name": "p", "every": "1m", "action": cmd()}).schedule
    assert s.next_run_at is not None
    other.set_active(s.id, False)  # paused from another host between the look and the claim
    assert (
        claim_due(store, s.id, s.next_run_at, s.next_run_at, lease(store, "a", clock.now)) is None
    )
    assert store.runs.count(s.id) == 0


def test_a_claim_moves_the_content_version(store: Store, clock: FakeClock) -> None:
    s = store.create({"name": "v", "every": "1m", "action": cmd()}).schedule
    assert s.next_run_at is not None
    before = store.content_version()
    claim_due(store, s.id, s.next_run_at, s.next_run_at, lease(store, "a", clock.now))
    assert store.content_version() > before


def test_a_dead_runners_run_is_abandoned_once(store: Store, other: Store, clock: FakeClock) -> None:
    """Two runners sweep at once: the dead one's run is abandoned once, retried once; its own
    late outcome is recorded without a second retry, and leaves the schedule's last status."""
    from tickwork.store.outcomes import abandon_dead, finish

    s = store.create({"name": "r", "every": "1m", "action": cmd(), "retries": 1}).schedule
    assert s.next_run_at is not None
    dead = RunnerLease("rnr_dead", "gone", 1, "headless", "active", clock.now, clock.now, clock.now)
    dead = store.leases.beat(dead, clock.now, 3600, "active")
    claim = claim_due(store, s.id, s.next_run_at, s.next_run_at, dead)
    assert claim is not None and len(claim.start) == 1
    store.leases.beat(dead, clock.now, 0.001, "active")  # then it dies: its lease runs out
    later = clock.now + MINUTE
    results: list[int] = []
    errors: list[BaseException] = []

    def sweep(st: Store, me: str) -> None:
        try:
            results.append(len(abandon_dead(st, later, exclude_runner=me).abandoned))
        except BaseException as exc:  # collected: asserted below
            errors.append(exc)

    threads = [
        threading.Thread(target=sweep, args=(st, me)) for st, me in ((store, "a"), (other, "b"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and sorted(results) == [0, 1]
    runs = store.runs.list(s.id)
    assert sorted((r.attempt, r.status) for r in runs) == [(1, "abandoned"), (2, "pending")]

    class Done:
        status, duration, output, exit_code, http_status, error = (
            RunStatus.SUCCEEDED,
            1.0,
            "",
            0,
            None,
            None,
        )

    assert finish(store, claim.start[0], Done(), later) is None  # the retry already stands
    assert store.runs.count(s.id) == 2
    # The late outcome is the run's, not the schedule's last word: its retry may have ended
    # since (a fenced runner recorded "cancelled" over a retry's success).
    assert store.get(s.id).last_status == "abandoned"
    late = store.runs.get(claim.start[0].id)
    assert late is not None and late.status == "succeeded"
    assert late.error is not None and "judged dead" in late.error  # the history says why
