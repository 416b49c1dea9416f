"""The embedded runner inside the UI: live updates, failure notifications, stop on quit."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, record_notifications, settle
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store
from tickwork.ui.widgets.schedules.table import ScheduleTable


async def test_runs_show_live_failures_notify_and_quit_stops_the_runner(
    make_app: AppFactory, other_store: Store
) -> None:
    other_store.clock = utcnow
    ok = other_store.create({"name": "ok", "every": "1s", "action": cmd("echo hi")}).schedule
    bad = other_store.create({"name": "bad", "every": "1s", "action": cmd("exit 3")}).schedule
    app = make_app(clock=utcnow, runner=True)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ScheduleTable)
        statuses: dict[str, Any] = {}
        for _ in range(60):  # up to ~6 s
            await pilot.pause(0.1)
            rows = [table.pager.row(i) for i in range(table.pager.total)]
            statuses = {r.name: r.last_status for r in rows if r is not None}
            noted = any(n.startswith("bad failed: exit") for n in notes)
            if statuses.get("ok") == "succeeded" and statuses.get("bad") == "failed" and noted:
                break  # the table reads the store; the notification comes from runner events
        assert statuses == {"ok": "succeeded", "bad": "failed"}
        assert app.status.runner_kind == "active"
        assert any(n.startswith("bad failed: exit") for n in notes), notes
        await pilot.press("q")
        for _ in range(50):
            await asyncio.sleep(0.1)
            if app.bridge.state == "stopped":
                break
        assert app.bridge.state == "stopped"
    assert other_store.leases.alive(utcnow()) == []
    assert other_store.get(ok.id).run_count >= 1
    assert other_store.get(bad.id).last_status == "failed"


async def test_run_now_queues_a_manual_run(make_app: AppFactory, other_store: Store) -> None:
    sid = other_store.create({"name": "manual", "cron": "0 0 1 1 *", "action": cmd()}).schedule.id
    app = make_app()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        runs = other_store.runs.list(schedule_id=sid)
        assert [r.trigger for r in runs] == ["manual"]
        assert any("starts when a runner is alive" in n for n in notes)  # --no-runner
