"""The batched claim: one write transaction claims every due fire up to a limit, oldest first,
with the same compare-and-swap per schedule and unique run rows as a claim of one (on both
backends: SQLite's write lock, PostgreSQL's row locks passing over another runner's batch)."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.runner.conftest import add, command
from tickwork.domain.runs import RunnerLease
from tickwork.domain.timeutil import iso
from tickwork.store import Store
from tickwork.store.claims import claim_batch
from tickwork.store.location import Target


def lease_for(store: Store, clock: FakeClock, name: str = "rnr_batch") -> RunnerLease:
    lease = RunnerLease(name, "h", 1, "headless", "active", clock.now, clock.now, clock.now)
    return store.leases.beat(lease, clock.now, 3600, "active")


def herd(store: Store, count: int, at: datetime) -> list[str]:
    """`count` schedules of one expression, all due at `at` (written as a bench would)."""
    ids = [add(store, f"herd-{i:04}", cron="* * * * *").id for i in range(count)]
    with store.write() as conn:
        conn.execute("UPDATE schedules SET next_run_at = ?", (iso(at),))
    return ids


def commits_seen_by(db: Path) -> sqlite3.Connection:
    """A connection of its own: its PRAGMA data_version moves once per commit of another."""
    conn = sqlite3.connect(db)
    conn.execute("SELECT 1").fetchall()
    return conn


def data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


def rows(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.query(sql, params)]


def test_one_transaction_claims_the_batch_oldest_first(store: Store, clock: FakeClock) -> None:
    instant = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    ids = herd(store, 300, instant)
    early = add(store, "early", cron="* * * * *")
    with store.write() as conn:  # due a minute before the herd: claimed first
        conn.execute(
            "UPDATE schedules SET next_run_at = ? WHERE id = ?",
            (iso(instant - timedelta(minutes=1)), early.id),
        )
    clock.now = instant
    lease = lease_for(store, clock)
    other = commits_seen_by(store.path) if store.dialect.name == "sqlite" else None
    before = data_version(other) if other else 0
    claimed, invalid = claim_batch(store, clock.now, lease, limit=256)
    if other:
        assert data_version(other) == before + 1  # one commit for the whole batch
        other.close()
    assert invalid == [] and len(claimed) == 256
    assert claimed[0].schedule.id == early.id
    more, _ = claim_batch(store, clock.now, lease, limit=256)
    assert len(more) == 45 and claim_batch(store, clock.now, lease)[0] == []
    runs = rows(store, "SELECT schedule_id, status, runner_id FROM runs")
    # `early` is a minute late: that fire starts, the instant's waits its turn behind it.
    assert Counter(r[0] for r in runs) == Counter({**dict.fromkeys(ids, 1), early.id: 2})
    assert Counter(r[1] for r in runs) == Counter(running=301, pending=1)
    assert {r[2] for r in runs if r[1] == "running"} == {lease.id}
    nxt = {r[0] for r in rows(store, "SELECT next_run_at FROM schedules")}
    assert nxt == {iso(instant + timedelta(minutes=1))}
    counts = Counter(r[0] for r in rows(store, "SELECT run_count FROM schedules"))
    assert counts == Counter({1: 300, 2: 1})
    # Each claim carries the payload's next fires, computed once for the herd.
    assert claimed[1].upcoming[0] == instant + timedelta(minutes=1)


def test_an_unreadable_row_is_set_aside_and_the_rest_claimed(
    store: Store, clock: FakeClock
) -> None:
    good = [add(store, f"good-{i}") for i in range(3)]
    bad = add(store, "bad")
    with store.write() as conn:
        conn.execute("UPDATE schedules SET expression = '61 * * * *' WHERE id = ?", (bad.id,))
    clock.advance(1)
    claimed, invalid = claim_batch(store, clock.now, lease_for(store, clock))
    assert sorted(c.schedule.id for c in claimed) == sorted(s.id for s in good)
    assert [i.schedule_id for i in invalid] == [bad.id]
    [row] = rows(store, "SELECT active, status_reason FROM schedules WHERE id = ?", (bad.id,))
    assert row[0] == 0 and row[1].startswith("invalid: ")


def test_overlap_and_catchup_are_decided_per_schedule_in_the_batch(
    store: Store, clock: FakeClock
) -> None:
    skip = add(store, "skip", action=command("true"))
    queue = add(store, "queue", overlap="queue", action=command("true"))
    every = add(store, "all", catchup="all", action=command("true"))
    lease = lease_for(store, clock)
    clock.advance(1)
    first, _ = claim_batch(store, clock.now, lease)
    assert {c.schedule.id for c in first} == {skip.id, queue.id, every.id}
    assert all(len(c.start) == 1 for c in first)
    clock.advance(120)  # the runs still run; 120 fires of each came due meanwhile
    second, _ = claim_batch(store, clock.now, lease)
    by_id = {c.schedule.id: c for c in second}
    assert all(c.start == [] for c in second)  # the first runs still run
    statuses = {sid: Counter(r.status for r in c.recorded) for sid, c in by_id.items()}
    # 59 fires more than a minute late: missed (catchup=latest), or run in order (all)
    assert statuses[skip.id] == Counter(skipped=1, pending=60, missed=59)
    assert statuses[queue.id] == Counter(pending=61, missed=59)
    assert statuses[every.id] == Counter(skipped=1, pending=119)


def test_two_runners_batching_at_once_claim_each_fire_once(target: Target) -> None:
    clock = FakeClock()
    with Store.open(target, clock=clock) as store:
        instant = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        ids = herd(store, 600, instant)
    clock.now = instant
    results: list[int] = []

    def claimer(name: str) -> None:
        with Store.open(target, clock=clock) as mine:
            lease = lease_for(mine, clock, name)
            total = 0
            while True:
                claimed, _ = claim_batch(mine, clock.now, lease, limit=50)
                if not claimed:
                    break
                total += len(claimed)
            results.append(total)

    threads = [threading.Thread(target=claimer, args=(f"rnr_{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(results) == 600 and len(results) == 2
    with Store.open(target, clock=clock) as store:
        runs = rows(store, "SELECT schedule_id FROM runs")
    assert Counter(r[0] for r in runs) == Counter({sid: 1 for sid in ids})


def test_nothing_is_claimed_before_its_time(store: Store, clock: FakeClock) -> None:
    """A `due_by` past the claim's own time (a cycle that read a clock since corrected) claims
    only what is due by the claim's time."""
    soon = add(store, "soon")
    later = add(store, "later", every="30m")
    clock.advance(1)
    claimed, _ = claim_batch(
        store, clock.now, lease_for(store, clock), due_by=clock.now + timedelta(hours=1)
    )
    assert [c.schedule.id for c in claimed] == [soon.id]
    assert store.runs.count(later.id) == 0
