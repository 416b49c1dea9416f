"""Any terminal size and one way of doing things: columns that drop in order, a footer that fits,
one clock for every time shown (z), the same list keys everywhere, the palette listing each
action once, and messages that say what happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import cmd
from tests.ui.conftest import AppFactory, record_notifications, settle
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.store import Store
from tickwork.store.runs import insert_run
from tickwork.ui.screens.runs import RunsScreen
from tickwork.ui.times import TimeShown
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.runs.table import RunsTable, columns_for
from tickwork.ui.widgets.schedules import columns
from tickwork.ui.widgets.schedules.detail import DetailPane


def test_schedule_columns_drop_in_order_and_always_fit() -> None:
    wide = columns.layout(248)
    assert wide.keys == tuple(c.key for c in columns.COLUMNS)
    assert dict(zip(wide.keys, wide.widths, strict=True))["timezone"] == 19  # full names
    narrow = columns.layout(79)
    assert "runs" not in narrow.keys and {"name", "next", "last", "timezone"} <= set(narrow.keys)
    tiny = columns.layout(50)
    assert "countdown" not in tiny.keys and "timezone" not in tiny.keys
    for width in range(50, 251):
        shape = columns.layout(width)
        used = sum(shape.widths) + columns.GAP * (len(shape.widths) + 1)
        assert used == width or (used > width and width < 60), width  # fills, never overflows
    assert columns.zone_text("America/Los_Angeles", 12) == "Los_Angeles"


def test_run_columns_drop_in_order() -> None:
    assert [c.key for c in columns_for(250)] == [c.key for c in columns_for(200)]
    narrow = [c.key for c in columns_for(80)]
    assert narrow == ["status", "schedule", "scheduled", "duration", "error"]


def screen_text(pilot: Pilot[Any]) -> str:
    return "\n".join(str(w.render()) for w in pilot.app.screen.query("Static, Label"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (250, 70)])
async def test_the_footer_never_runs_into_the_palette_key(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(FittingFooter)
        shown = [w for w in footer.children if w.display and not w.has_class("-command-palette")]
        right = max(w.region.right for w in shown)
        palette = next(w for w in footer.children if w.has_class("-command-palette"))
        assert right <= palette.region.x
        assert any(getattr(w, "key", None) == "question_mark" for w in shown)  # `?` is kept
        if size[0] >= 120:
            assert all(w.display for w in footer.children)


async def test_z_switches_every_time_to_one_clock(make_app: AppFactory, other_store: Store) -> None:
    other_store.create(
        {"name": "paris", "cron": "0 9 * * *", "timezone": "Europe/Paris", "action": cmd()}
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        detail = app.screen.query_one(DetailPane)
        fields = str(detail.query_one("#detail-fields-text").render())
        assert "next run     2026-03-03 09:00 CET" in fields  # the schedule's zone, named
        assert "zone" in app.status.times
        await pilot.press("z")
        await settle(pilot)
        shown: TimeShown = app.time_shown
        assert shown == TimeShown.LOCAL and app.status.times == "local (UTC)"
        fields = str(detail.query_one("#detail-fields-text").render())
        assert "next run     2026-03-03 08:00 UTC" in fields
        await pilot.press("z", "H")
        await settle(pilot)
        shown = app.time_shown
        assert shown == TimeShown.UTC
        assert isinstance(app.screen, RunsScreen)
        titles = [str(c.label) for c in app.screen.query_one(RunsTable).columns.values()]
        assert "Scheduled for (UTC)" in titles


async def test_the_palette_lists_each_action_once(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)), titles
        assert {"Keys", "Quit", "Times", "Calendar", "New"} <= set(titles)
        await pilot.press("H")
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)) and "Outcome" in titles


async def test_history_moves_with_the_same_keys_as_the_schedules(
    make_app: AppFactory, other_store: Store
) -> None:
    s = other_store.create({"name": "job", "cron": "* * * * *", "action": cmd()}).schedule
    now = other_store.clock()
    with other_store.write() as conn:
        for k in range(5):
            at = now - timedelta(minutes=k + 1)
            insert_run(
                conn, Run(f"run_{k}", s.id, at, 1, Trigger.SCHEDULE, RunStatus.SUCCEEDED, at)
            )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        table = app.screen.query_one(RunsTable)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 4
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 4


async def test_pausing_a_declarative_schedule_says_paused_and_names_the_file(
    make_app: AppFactory, other_store: Store
) -> None:
    other_store.create(
        {"name": "from-file", "cron": "0 6 * * *", "action": cmd()},
        type="DECLARATIVE",
        declared_in="ops/jobs.toml",
    )
    app = make_app()
    notes = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        said = " ".join(notes)
        assert "ops/jobs.toml" in said and "paused" in said and "deactivated" not in said


async def test_last_run_says_running_while_the_first_run_is_under_way(
    make_app: AppFactory, other_store: Store
) -> None:
    """Not 'never run · 1s ago' (a manual run of a paused schedule in flight)."""
    s = other_store.create(
        {"name": "manual", "cron": "0 0 1 1 *", "action": cmd(), "active": False}
    ).schedule
    from tickwork.store.claims import enqueue_manual
    from tickwork.store.waiting import claim_pending

    enqueue_manual(other_store, s.id, other_store.clock())
    lease = other_store.leases.beat(_lease(other_store), other_store.clock(), 10, "active")
    claim_pending(other_store, other_store.clock(), lease, 1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        fields = str(app.screen.query_one("#detail-fields-text").render())
        assert "never" not in fields.split("last run", 1)[1].splitlines()[0]
        assert "running" in fields.split("last run", 1)[1].splitlines()[0]


def _lease(store: Store) -> Any:
    import os
    import socket

    from tickwork.domain.runs import RunnerLease

    now = store.clock()
    return RunnerLease(
        "rnr_test", socket.gethostname(), os.getpid(), "headless", "active", now, now, now
    )
