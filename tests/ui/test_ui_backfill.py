"""Backfill from the schedules screen: the dialog shows the count, refuses bad windows, queues."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, record_notifications, settle
from tickwork.store import Store
from tickwork.ui.screens.backfill import BackfillScreen
from tickwork.ui.screens.schedules import SchedulesScreen


def plan_text(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#bf-plan", Static).content)


async def set_window(pilot: Pilot[Any], start: str, end: str, check: Callable[[str], bool]) -> str:
    """Type a window, then the plan line once `check` accepts it (the plan is computed in a
    thread after a debounce: waited for, with a generous deadline)."""
    pilot.app.screen.query_one("#bf-from", Input).value = start
    pilot.app.screen.query_one("#bf-to", Input).value = end
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not check(plan_text(pilot)) and loop.time() < deadline:
        await pilot.pause(0.05)
    assert check(plan_text(pilot)), plan_text(pilot)
    return plan_text(pilot)


async def test_backfill_dialog_counts_refuses_and_queues(
    make_app: AppFactory, other_store: Store
) -> None:
    # the frozen clock is 2026-03-02 12:00 UTC
    s = other_store.create(
        {"name": "nightly", "cron": "30 2 * * *", "timezone": "Europe/Paris", "action": cmd()}
    ).schedule
    app = make_app()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BackfillScreen)
        three = "3 fires, first 2026-02-01 02:30 CET, last 2026-02-03 02:30 CET."
        await set_window(pilot, "2026-02-01T00:00Z", "2026-02-03T12:00Z", three.__eq__)
        backwards = "From: 2026-02-03T00:00:00+00:00 is after --to"
        await set_window(
            pilot, "2026-02-03T00:00Z", "2026-02-01T00:00Z", lambda t: t.startswith(backwards)
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BackfillScreen)  # nothing to queue
        assert other_store.runs.list(schedule_id=s.id) == []
        await set_window(
            pilot, "2026-02-01T00:00Z", "2099-01-01T00:00Z", lambda t: "is in the future" in t
        )
        await set_window(pilot, "2026-02-01T00:00Z", "2026-02-03T12:00Z", three.__eq__)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
    runs = other_store.runs.list(schedule_id=s.id)
    assert sorted((r.trigger, r.status, r.scheduled_for.day) for r in runs) == [
        ("backfill", "pending", 1),
        ("backfill", "pending", 2),
        ("backfill", "pending", 3),
    ]
    assert any(n.startswith("Queued 3 backfill runs: they start when a runner") for n in notes)
