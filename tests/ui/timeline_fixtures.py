"""Helpers for the timeline and runs screen tests: a frozen clock, runs, a host app."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerCancelled

from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.store import Store
from tickwork.store.runs import insert_run

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)  # a Monday


class FrozenClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def command(cmd: str = "true") -> dict[str, str]:
    return {"kind": "command", "command": cmd}


def make_run(
    schedule_id: str,
    run_id: str,
    status: str,
    scheduled_for: datetime,
    *,
    duration: float | None = 1.25,
    output: str | None = None,
    error: str | None = None,
    exit_code: int | None = 0,
    **extra: Any,
) -> Run:
    """A run that started on time; open runs (pending/running) have no finish."""
    finished = status not in ("pending", "running", "missed", "skipped")
    never_started = status in ("missed", "skipped", "pending")
    started = None if never_started else scheduled_for + timedelta(milliseconds=120)
    done = finished and started is not None
    return Run(
        id=run_id,
        schedule_id=schedule_id,
        scheduled_for=scheduled_for,
        attempt=extra.pop("attempt", 1),
        trigger=Trigger(extra.pop("trigger", "schedule")),
        status=RunStatus(status),
        created_at=scheduled_for,
        started_at=started,
        finished_at=started + timedelta(seconds=duration)
        if done and started and duration
        else None,
        duration=duration if done else None,
        exit_code=exit_code if done else None,
        output=output,
        error=error,
        **extra,
    )


def add_runs(store: Store, runs: list[Run]) -> None:
    with store.write() as conn:
        for run in runs:
            insert_run(conn, run)


class HostApp(App[None]):
    """A bare app that pushes the screen under test on mount."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


async def settle(pilot: Pilot[Any], ready: Callable[[], bool] | None = None) -> None:
    """Wait until the screen under test is up, its workers are done and `ready()` holds."""
    for _ in range(200):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # replaced by a newer one (exclusive)
            await pilot.app.workers.wait_for_complete()
        pushed = len(pilot.app.screen_stack) > 1
        if pushed and (ready is None or ready()):
            break
    await pilot.pause()
