"""Claim-ahead's store protocol on both backends (store.preclaims): fires pre-claimed a moment
before their instant are this runner's alone, start exactly once through the flip, go back to
the usual claim when withdrawn (a pause, an edit, a delete, a start from the waiting list) or
when their runner's lease expired (released, never `abandoned`: they never ran)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.conftest import FakeClock
from tests.runner.conftest import add
from tickwork.domain.runs import RunnerLease
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import iso
from tickwork.store import Store, preclaims
from tickwork.store.claims import LeaseLost, claim_batch
from tickwork.store.location import Target
from tickwork.store.outcomes import abandon_dead
from tickwork.store.preclaims import advance, flip, owned, preclaim, withdraw_own
from tickwork.store.waiting import claim_pending

LEAD = timedelta(seconds=2)


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


@pytest.fixture
def other(target: Target, clock: FakeClock, any_store: Store) -> Iterator[Store]:
    """A second store on the same database: another runner's connection."""
    s = Store.open(target, clock=clock)
    yield s
    s.close()


def lease(store: Store, name: str, clock: FakeClock) -> RunnerLease:
    mine = RunnerLease(
        name, f"host-{name}", 1, "headless", "active", clock.now, clock.now, clock.now
    )
    return store.leases.beat(mine, clock.now, 3600, "active")


def herd(store: Store, count: int, at: datetime, **fields: object) -> list[str]:
    ids = [add(store, f"herd-{i:03}", cron="* * * * *", **fields).id for i in range(count)]
    with store.write() as conn:
        conn.execute("UPDATE schedules SET next_run_at = ?", (iso(at),))
    return ids


def expire(store: Store, runner_id: str) -> None:
    """The runner's lease ran out (it died): far in the past on either clock."""
    with store.write() as conn:
        conn.execute(
            "UPDATE runners SET expires_at = ? WHERE id = ?",
            ("2000-01-01T00:00:00+00:00", runner_id),
        )


def instant_of(clock: FakeClock) -> datetime:
    return clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def runs_at(store: Store, at: datetime) -> list[tuple[str, str, str | None]]:
    rows = store.query(
        "SELECT schedule_id, status, runner_id FROM runs WHERE scheduled_for = ? ORDER BY 1",
        (iso(at),),
    )
    return [(str(a), str(b), None if c is None else str(c)) for a, b, c in rows]


def test_preclaimed_fires_are_owned_flipped_once_and_moved_on(
    store: Store, other: Store, clock: FakeClock
) -> None:
    at = instant_of(clock)
    ids = herd(store, 30, at)
    a, b = lease(store, "rnr_a", clock), lease(other, "rnr_b", clock)
    before = at - LEAD
    plans = preclaim(store, before, a, until=at)
    assert sorted(p.schedule.id for p in plans) == sorted(ids)
    assert all(p.run.status == RunStatus.PENDING and p.run.not_before == at for p in plans)
    # What the UI shows as the next run stays the instant until the fire starts.
    assert {store.get(i).next_run_at for i in ids} == {at}
    assert {store.get(i).run_count for i in ids} == {1}
    # Nobody else takes them: not another pre-claim, not a claim at the instant, not the
    # waiting list (a pre-claim is pending, but owned).
    assert preclaim(other, before, b, until=at) == []
    assert claim_batch(other, at, b)[0] == []
    assert claim_pending(other, at, b, 100) == []
    started = flip(store, at, a, [p.run.id for p in plans])
    assert started == {p.run.id for p in plans}
    assert flip(store, at, a, [p.run.id for p in plans]) == set()  # a flip happens once
    assert claim_batch(other, at, b)[0] == []  # started, not moved on yet: still owned
    advance(store, plans)
    nxt = at + timedelta(minutes=1)
    assert {store.get(i).next_run_at for i in ids} == {nxt}
    assert {store.get(i).last_run_at for i in ids} == {at}
    assert claim_batch(other, at, b)[0] == []  # the next fire is not due yet
    assert [s for _, s, _ in runs_at(store, at)] == ["running"] * 30
    assert owned(store, "rnr_a") == []


@pytest.mark.parametrize("change", ["pause", "edit", "delete"])
def test_a_change_between_preclaim_and_instant_is_honoured(
    store: Store, other: Store, clock: FakeClock, change: str
) -> None:
    at = instant_of(clock)
    [sid] = herd(store, 1, at)
    a, b = lease(store, "rnr_a", clock), lease(other, "rnr_b", clock)
    [plan] = preclaim(store, at - LEAD, a, until=at)
    if change == "pause":
        other.set_active(sid, False)
    elif change == "edit":  # another expression: the instant is no longer a fire of it
        other.update(sid, {"cron": "30 4 * * *"})
    else:
        other.delete(sid)
    assert flip(store, at, a, [plan.run.id]) == set()  # the old plan does not start
    assert owned(store, "rnr_a") == []
    claimed = claim_batch(other, at, b)[0]
    assert claimed == []  # nothing of the old plan at the instant, by anyone
    assert runs_at(store, at) == []
    if change != "delete":
        s = store.get(sid)
        assert s.run_count == 0
        assert change == "pause" or (s.next_run_at is not None and s.next_run_at.hour == 4)


def test_a_flip_with_a_withdrawn_fire_starts_exactly_the_others(
    store: Store, other: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flip counts what each chunk changed; one withdrawn pre-claim (in its last chunk,
    after earlier chunks were changed) rolls the count's try back and flips again returning
    the ids: every other fire flipped once, the withdrawn one not at all."""
    monkeypatch.setattr(preclaims, "_CHUNK", 3)
    at = instant_of(clock)
    ids = herd(store, 8, at)
    a = lease(store, "rnr_a", clock)
    plans = preclaim(store, at - LEAD, a, until=at)
    by_schedule = {p.schedule.id: p.run.id for p in plans}
    paused = sorted(ids)[-1]
    other.set_active(paused, False)  # withdrawn: its run is deleted
    order = sorted(by_schedule, key=lambda sid: sid == paused)  # the withdrawn one last
    mine = flip(store, at, a, [by_schedule[sid] for sid in order])
    assert mine == {by_schedule[sid] for sid in ids if sid != paused}
    assert [(sid, s) for sid, s, _ in runs_at(store, at)] == [
        (sid, "running") for sid in sorted(ids) if sid != paused
    ]
    assert flip(store, at, a, sorted(mine)) == set()  # and once only


def test_an_edit_that_keeps_the_instant_fires_as_edited(
    store: Store, other: Store, clock: FakeClock
) -> None:
    at = instant_of(clock)
    [sid] = herd(store, 1, at)
    a, b = lease(store, "rnr_a", clock), lease(other, "rnr_b", clock)
    [plan] = preclaim(store, at - LEAD, a, until=at)
    other.update(sid, {"name": "renamed"})
    assert flip(store, at, a, [plan.run.id]) == set()
    [claim] = claim_batch(other, at, b)[0]  # the usual claim, with the new definition
    assert claim.schedule.name == "renamed" and [r.scheduled_for for r in claim.start] == [at]
    assert [(s, r) for _, s, r in runs_at(store, at)] == [("running", "rnr_b")]
    assert store.get(sid).run_count == 1


def test_a_dead_runners_preclaims_go_back_not_abandoned(
    store: Store, other: Store, clock: FakeClock
) -> None:
    at = instant_of(clock)
    ids = herd(store, 20, at)
    dead, b = lease(store, "rnr_dead", clock), lease(other, "rnr_b", clock)
    assert len(preclaim(store, at - LEAD, dead, until=at)) == 20
    sweep = abandon_dead(other, at - LEAD, exclude_runner="rnr_b")
    assert sweep.released == 0  # its lease holds: its fires stay its own
    expire(store, "rnr_dead")  # it was killed before the instant
    sweep = abandon_dead(other, at, exclude_runner="rnr_b")
    assert sweep.released == 20 and sweep.abandoned == []
    assert {store.get(i).run_count for i in ids} == {0}
    claimed, _ = claim_batch(other, at, b)
    assert sorted(c.schedule.id for c in claimed) == sorted(ids)
    assert [(s, r) for _, s, r in runs_at(store, at)] == [("running", "rnr_b")] * 20
    statuses = store.query("SELECT DISTINCT status FROM runs")
    assert [tuple(r) for r in statuses] == [("running",)]  # nothing abandoned, nothing twice


def test_a_lapsed_lease_flips_nothing(store: Store, clock: FakeClock) -> None:
    at = instant_of(clock)
    herd(store, 3, at)
    a = lease(store, "rnr_a", clock)
    plans = preclaim(store, at - LEAD, a, until=at)
    expire(store, "rnr_a")
    with pytest.raises(LeaseLost):
        flip(store, at, a, [p.run.id for p in plans])
    with pytest.raises(LeaseLost):
        preclaim(store, at - LEAD, a, until=at)
    assert [s for _, s, _ in runs_at(store, at)] == ["pending"] * 3


def test_given_back_preclaims_are_claimed_as_usual(
    store: Store, other: Store, clock: FakeClock
) -> None:
    at = instant_of(clock)
    herd(store, 10, at)
    a, b = lease(store, "rnr_a", clock), lease(other, "rnr_b", clock)
    plans = preclaim(store, at - LEAD, a, until=at)
    keep = [p.run.id for p in plans[:4]]
    assert withdraw_own(store, "rnr_b") == 0  # only the owner's
    assert withdraw_own(store, "rnr_a", keep=keep) == 6
    assert sorted(owned(store, "rnr_a")) == sorted(keep)
    assert len(claim_batch(other, at, b)[0]) == 6
    assert flip(store, at, a, keep) == set(keep)
    assert len(runs_at(store, at)) == 10


def test_a_start_from_the_waiting_list_withdraws_the_preclaim(
    store: Store, other: Store, clock: FakeClock
) -> None:
    """A manual run started in the window: the fire at the instant goes through the usual claim,
    which applies the overlap policy (skip: not started beside it)."""
    from tickwork.store.claims import enqueue_manual

    at = instant_of(clock)
    [sid] = herd(store, 1, at, overlap="skip")
    a, b = lease(store, "rnr_a", clock), lease(other, "rnr_b", clock)
    [plan] = preclaim(store, at - LEAD, a, until=at)
    enqueue_manual(other, sid, at - LEAD)
    [manual] = claim_pending(other, at - LEAD, b, 10)
    assert flip(store, at, a, [plan.run.id]) == set()
    claimed, _ = claim_batch(other, at, b)
    assert [list(c.start) for c in claimed] == [[]]  # skipped: the manual run is still running
    assert store.runs.get(manual.id) is not None


def test_racing_preclaims_and_claims_take_each_fire_once(
    store: Store, other: Store, clock: FakeClock
) -> None:
    """Two runners pre-claim and claim the same herd at once: every fire once, none lost."""
    at = instant_of(clock)
    ids = herd(store, 120, at)
    leases = {"a": lease(store, "rnr_a", clock), "b": lease(other, "rnr_b", clock)}
    errors: list[BaseException] = []
    flipped: dict[str, set[str]] = {"a": set(), "b": set()}

    def race(s: Store, name: str) -> None:
        try:
            mine = leases[name]
            for _ in range(6):
                plans = preclaim(s, at - LEAD, mine, until=at, limit=25)
                flipped[name] |= flip(s, at, mine, [p.run.id for p in plans])
                claim_batch(s, at, mine, limit=10)
        except BaseException as exc:  # collected: asserted below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(s, n)) for s, n in ((store, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    claim_batch(store, at, leases["a"])  # whatever is left
    rows = runs_at(store, at)
    assert sorted(sid for sid, _, _ in rows) == sorted(ids)  # each once, none lost
    assert {s for _, s, _ in rows} == {"running"}
