"""Wall-clock steps under a running runner: both clocks faked and driven by the test, one cycle
of the runner (at least) seen at every time the test sets; real event loop, store and actions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tickwork.domain.runs import RunnerLease
from tickwork.domain.timeutil import iso, iso_ms, parse_iso
from tickwork.runner import Runner
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual
from tickwork.store.clock_steps import rewind

from ..conftest import FIXED_NOW, FakeClock
from .conftest import (
    add,
    async_wait_until,
    command,
    cycled,
    in_process,
    query,
    runs_of,
    schedule_row,
)

EVERY_TEN = "*/10 * * * *"
MINUTE = timedelta(minutes=1)


def settled(db: Path, count: int) -> bool:
    rows = query(db, "SELECT count(*), sum(status IN ('running', 'pending')) FROM runs")
    return bool(rows[0][0] == count and not rows[0][1])


async def live(runner: Runner, clock: FakeClock, until: datetime, every: timedelta) -> None:
    """Live from the clock's time to `until` in steps, the runner seeing each one."""
    while clock.now < until:
        clock.advance(min(every, until - clock.now).total_seconds())
        await cycled(runner)


def opened(db: Path) -> int:
    """Runs still running or waiting."""
    return int(query(db, "SELECT count(*) FROM runs WHERE status IN ('running', 'pending')")[0][0])


def fired(db: Path, schedule_id: str) -> dict[datetime, str]:
    """scheduled_for -> status of each fire's first attempt."""
    return {r["scheduled_for"]: r["status"] for r in runs_of(db, schedule_id) if r["attempt"] == 1}


async def test_a_backward_step_keeps_cron_firing_and_fires_nothing_twice(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    """The clock runs an hour ahead (a VM booted with a wrong clock), then is set right: the
    schedule keeps firing at its times, the fires made meanwhile are not made again."""
    s = add(store, "every-ten", cron=EVERY_TEN)
    async with in_process(db_path, clock=clock) as (runner, events):
        await live(runner, clock, FIXED_NOW + timedelta(minutes=10, seconds=1), MINUTE)
        assert await async_wait_until(lambda: settled(db_path, 1), 30)
        clock.now += timedelta(hours=1)  # 13:10:01: the 12:20 .. 13:00 fires look missed
        await cycled(runner)
        assert await async_wait_until(lambda: settled(db_path, 7), 30)
        clock.now -= timedelta(hours=1)  # set right: 12:10:01 again
        await cycled(runner)
        assert any("stepped back by 1h" in n for n in events.notes()), events.notes()
        next_run = parse_iso(schedule_row(db_path, s.id)["next_run_at"])
        assert next_run == FIXED_NOW + timedelta(minutes=20)  # not 13:20
        await live(runner, clock, FIXED_NOW + timedelta(hours=1, minutes=20, seconds=1), MINUTE)
        assert await async_wait_until(lambda: settled(db_path, 8), 30)
    times = [FIXED_NOW + timedelta(minutes=10 * k) for k in range(1, 9)]  # 12:10 .. 13:20
    assert fired(db_path, s.id) == dict.fromkeys(times, "succeeded")
    assert len(runs_of(db_path, s.id)) == 8  # one run each: the 13:10 fire was not made again


async def test_an_interval_keeps_its_interval_across_a_backward_step(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "every-ten-seconds", every="10s")
    step = timedelta(seconds=1)
    async with in_process(db_path, clock=clock) as (runner, events):
        await live(runner, clock, FIXED_NOW + timedelta(seconds=31), step)
        clock.now += timedelta(hours=1)  # 13:00:31: six fires within the on-time grace run
        await cycled(runner)
        assert await async_wait_until(lambda: opened(db_path) == 0, 30)
        clock.now -= timedelta(hours=1) - timedelta(seconds=2)  # 12:00:33
        await cycled(runner)
        await live(runner, clock, FIXED_NOW + timedelta(seconds=61), step)
        assert await async_wait_until(lambda: opened(db_path) == 0, 30)
    ran = sorted(t for t, status in fired(db_path, s.id).items() if status == "succeeded")
    grid = [FIXED_NOW + timedelta(seconds=10 * k) for k in range(1, 7)]  # 12:00:10 .. 12:01:00
    ahead = [FIXED_NOW + timedelta(minutes=59, seconds=40 + 10 * k) for k in range(6)]
    assert ran == grid + ahead  # the grid goes on every 10 s; what ran ahead is not run again
    assert any("stepped back" in n for n in events.notes())


async def test_a_backward_step_rejudges_what_was_only_judged_ahead(
    store: Store, clock: FakeClock
) -> None:
    """Missed, skipped and queued fires at times that have not come yet are judged again when
    they come; a retry waiting ahead moves back by the step; what ran stays."""
    s = add(store, "every-ten-seconds", every="10s")
    later = FIXED_NOW + timedelta(hours=1)
    lease = RunnerLease("rnr_t", "h", 1, "headless", "active", later, later, later)
    store.leases.beat(lease, later, 60, "active")
    with store.write() as conn:
        for status, at, trigger in (
            ("succeeded", later, "schedule"),
            ("missed", later - timedelta(seconds=10), "catchup"),
            ("skipped", later + timedelta(seconds=10), "schedule"),
            ("pending", later + timedelta(seconds=20), "schedule"),
        ):
            conn.execute(
                "INSERT INTO runs (id, schedule_id, scheduled_for, attempt, trigger, status, "
                "created_at, not_before) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                (f"run_{status}", s.id, iso(at), trigger, status, iso_ms(later), iso_ms(later)),
            )
        conn.execute(
            "INSERT INTO runs (id, schedule_id, scheduled_for, attempt, trigger, status, "
            "created_at, not_before) VALUES ('run_retry', ?, ?, 2, 'retry', 'pending', ?, ?)",
            (s.id, iso(later), iso_ms(later), iso_ms(later + timedelta(seconds=30))),
        )
        conn.execute(
            "UPDATE schedules SET run_count = 2, next_run_at = ? WHERE id = ?",
            (iso(later + timedelta(seconds=30)), s.id),
        )
    now = FIXED_NOW + timedelta(seconds=5)
    moved = rewind(store, now, timedelta(hours=1))
    assert [(m.id, t) for m, t in moved] == [(s.id, FIXED_NOW + timedelta(seconds=10))]
    left = {r["id"]: r for r in runs_of(store.path, s.id)}
    assert sorted(left) == ["run_retry", "run_succeeded"]
    assert left["run_retry"]["not_before"] == now + timedelta(seconds=25)
    assert schedule_row(store.path, s.id)["run_count"] == 1  # the queued fire is not counted


async def test_forward_jump_catches_up_per_policy(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    ids = {p: add(store, p, cron=EVERY_TEN, catchup=p).id for p in ("latest", "skip", "all")}
    async with in_process(db_path, clock=clock) as (runner, events):
        clock.advance(10 * 60 + 1)
        await cycled(runner)
        assert await async_wait_until(lambda: settled(db_path, 3), 30)
        clock.now = FIXED_NOW + timedelta(hours=3, minutes=5)  # 12:20 .. 15:00 passed
        await cycled(runner)
        assert await async_wait_until(lambda: settled(db_path, 3 + 3 * 17), 60)
    assert any("jumped forward" in n for n in events.notes())
    jumped = [FIXED_NOW + timedelta(minutes=20 + 10 * k) for k in range(17)]
    for policy, schedule_id in ids.items():
        runs = runs_of(db_path, schedule_id)
        assert runs[0]["status"] == "succeeded" and runs[0]["trigger"] == "schedule"
        after = {r["scheduled_for"]: r["status"] for r in runs[1:]}
        assert sorted(after) == jumped, policy
        expected = {
            "latest": ["missed"] * 16 + ["succeeded"],
            "skip": ["missed"] * 17,
            "all": ["succeeded"] * 17,
        }[policy]
        assert [after[t] for t in jumped] == expected, policy
        next_run = parse_iso(schedule_row(db_path, schedule_id)["next_run_at"])
        assert next_run == FIXED_NOW + timedelta(hours=3, minutes=10)


async def test_a_suspend_does_not_abandon_the_runners_own_run(
    db_path: Path, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """A laptop sleeps for hours while a job runs (the wall clock moves, the monotonic one does
    not): on waking, the runner's lease has expired, but its own run is not 'dead'."""
    gate = tmp_path / "gate"
    s = add(
        store,
        "long",
        cron=EVERY_TEN,
        max_runs=1,
        action=command(f"until [ -e {gate} ]; do sleep 0.05; done"),
    )
    clock.advance(10 * 60 + 1)
    async with in_process(db_path, clock=clock, heartbeat=1.5, lease_ttl=2.0) as (
        runner,
        events,
    ):
        assert await async_wait_until(lambda: bool(runs_of(db_path, s.id)), 30)
        clock.now += timedelta(hours=5)
        await cycled(runner, 3)
        assert [r["status"] for r in runs_of(db_path, s.id)] == ["running"]
        gate.touch()
        assert await async_wait_until(lambda: settled(db_path, 1), 30)
    [run] = runs_of(db_path, s.id)
    assert run["status"] == "succeeded", run["error"]
    assert "abandoned" not in events.kinds()
    assert any("lease expired" in n for n in events.notes()), events.notes()


async def test_timers_start_as_never_on_a_freshly_booted_machine(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    """The monotonic clock near 0 (a machine up for seconds): the first cycles beat, sweep and
    prune (a timer that started at 0.0 waited 10 minutes for its first prune), and so does
    `run --once`."""
    s = add(store, "chatty", cron="0 0 1 1 *")

    def past_runs(count: int) -> None:
        for _ in range(count):
            enqueue_manual(store, s.id, clock.now)
            clock.now += timedelta(seconds=1)
        with store.write() as conn:
            conn.execute("UPDATE runs SET status = 'succeeded' WHERE status = 'pending'")

    past_runs(3)
    clock.mono = 0.5
    async with in_process(db_path, clock=clock, keep_runs=1) as (runner, _events):
        await cycled(runner)
        assert await async_wait_until(lambda: len(runs_of(db_path, s.id)) == 1, 30)
        assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 1  # it beat
    past_runs(3)
    clock.mono = 0.5
    await Runner(store, mode="headless", clock=clock, monotonic=clock.monotonic, keep_runs=1).run(
        once=True
    )
    assert len(runs_of(db_path, s.id)) == 1
