"""Notification hooks fired by the runner: on_failure, on_success, on_recovery, and their errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tickwork.runner import Runner
from tickwork.store import Store

from ..conftest import FIXED_NOW, FakeClock
from .conftest import Events, add, command, runs_of


async def fire_once(db: Path, clock: FakeClock) -> Events:
    events = Events()
    with Store.open(db, clock=clock) as store:
        await Runner(
            store, mode="headless", clock=clock, monotonic=clock.monotonic, on_event=events
        ).run(once=True)
    return events


def hook_log(path: Path) -> str:
    fields = "$TICKWORK_EVENT $TICKWORK_STATUS $TICKWORK_SCHEDULE_NAME $TICKWORK_RUN_ID"
    return f'echo "{fields}" >> {path}'


async def test_failure_then_recovery_call_their_hooks_once_per_fire(
    db_path: Path, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.txt"
    flag = tmp_path / "fail"
    flag.write_text("x")
    s = add(
        store,
        "flaky",
        every="1m",
        retries=1,
        retry_backoff_seconds=0,
        action=command(f"test ! -e {flag}"),
        on_failure=hook_log(log),
        on_recovery=hook_log(log),
    )
    clock.now = FIXED_NOW + timedelta(minutes=1)
    await fire_once(db_path, clock)
    runs = runs_of(db_path, s.id)
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "failed"), (2, "failed")]
    lines = log.read_text().splitlines()
    assert lines == [f"failure failed flaky {runs[-1]['id']}"]  # only after the final attempt

    flag.unlink()
    clock.now = FIXED_NOW + timedelta(minutes=2)
    await fire_once(db_path, clock)
    last = runs_of(db_path, s.id)[-1]
    assert last["status"] == "succeeded"
    assert log.read_text().splitlines()[1:] == [f"recovery succeeded flaky {last['id']}"]


async def test_a_failing_hook_is_recorded_on_the_run(
    db_path: Path, store: Store, clock: FakeClock
) -> None:
    s = add(store, "loud", every="1m", action=command("exit 4"), on_failure="exit 2")
    clock.now = FIXED_NOW + timedelta(minutes=1)
    events = await fire_once(db_path, clock)
    run = runs_of(db_path, s.id)[-1]
    assert run["status"] == "failed"
    assert run["notify_error"] and "exited 2" in run["notify_error"]
    assert "notify_failed" in events.kinds(s.id)


async def test_success_hook_and_no_hook_for_quiet_schedules(
    db_path: Path, store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "ok.txt"
    s = add(store, "fine", every="1m", action=command("true"), on_success=hook_log(log))
    add(store, "quiet", every="1m", action=command("exit 1"))
    clock.now = FIXED_NOW + timedelta(minutes=1)
    await fire_once(db_path, clock)
    assert log.read_text().split()[:3] == ["success", "succeeded", "fine"]
    assert runs_of(db_path, s.id)[-1]["notify_error"] is None
