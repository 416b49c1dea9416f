"""The timeline: window geometry, fires from spec.upcoming, runs, cursor, zoom, live updates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.timeline_fixtures import NOW, FrozenClock, HostApp, add_runs, command, make_run
from tests.ui.timeline_fixtures import settle as wait_until
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.store import Store
from tickwork.ui.screens.run_detail import RunDetailScreen
from tickwork.ui.screens.timeline import TimelineScreen
from tickwork.ui.widgets.timeline import (
    HEADER_LINES,
    NAME_WIDTH,
    TimelineSource,
    TimelineView,
    make_window,
)
from tickwork.ui.widgets.timeline.data import DENSE, fire_cells
from tickwork.ui.widgets.timeline.window import axis_ticks

SIZE = (120, 36)  # 100 timeline columns after the 20-column name column


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    s = Store.open(tmp_path / "t.db", clock=clock)
    yield s
    s.close()


@pytest.fixture
def schedules(store: Store) -> dict[str, Schedule]:
    """Three schedules (names sort a < b < c) and a few runs in the last hour."""
    a = store.create(
        {"name": "a-every-10m", "every": "10m", "action": command(), "timezone": "Europe/Paris"}
    ).schedule
    b = store.create({"name": "b-hourly", "cron": "0 * * * *", "action": command()}).schedule
    c = store.create({"name": "c-every-minute", "cron": "* * * * *", "action": command()}).schedule
    add_runs(
        store,
        [
            make_run(a.id, "run_ok", "succeeded", NOW - timedelta(minutes=50), output="fine\n"),
            make_run(a.id, "run_bad", "failed", NOW - timedelta(minutes=30), error="exit 3"),
            make_run(b.id, "run_missed", "missed", NOW - timedelta(minutes=60)),
            make_run(c.id, "run_live", "running", NOW - timedelta(minutes=5)),
        ],
    )
    return {"a": a, "b": b, "c": c}


def host(store: Store, clock: FrozenClock, search: str | None = None) -> HostApp:
    return HostApp(lambda: TimelineScreen(store, clock, search, local_zone=UTC))


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the timeline's data (for the current zoom) to be drawn."""

    def drawn() -> bool:
        views = pilot.app.screen.query(TimelineView)
        if not views:  # another screen (run detail) is on top
            return True
        view = views.first()
        return view.data is not None and view.data.window.cell == view.window.cell

    await wait_until(pilot, drawn)


def view_of(pilot: Pilot[Any]) -> TimelineView:
    return pilot.app.screen.query_one(TimelineView)


def line(view: TimelineView, row: int) -> str:
    return view.render_line(HEADER_LINES + row).text


def detail(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#timeline-detail").render())


# --- geometry and data, no app ---------------------------------------------------------------


def test_window_keeps_now_a_quarter_from_the_left() -> None:
    for span in (timedelta(hours=1), timedelta(hours=6), timedelta(days=7)):
        w = make_window(NOW, span, 100)
        assert w.span == span
        assert w.column(NOW) == 25
        assert w.start <= NOW - span / 4 < w.start + w.cell
    later = make_window(NOW + timedelta(seconds=36), timedelta(hours=1), 100)
    assert later.start_index == make_window(NOW, timedelta(hours=1), 100).start_index + 1


def test_fire_cells_are_spec_upcoming(schedules: dict[str, Schedule]) -> None:
    w = make_window(NOW, timedelta(hours=6), 100)
    a = schedules["a"]
    cells = fire_cells(a, w, NOW)
    expected = [t for t in spec.upcoming(a, NOW, 100) if t < w.end]
    assert sum(c.count for c in cells.values()) == len(expected)
    assert sorted(c.first for c in cells.values()) == expected  # one fire per 3.6 min cell


def test_dense_cells_are_capped(schedules: dict[str, Schedule]) -> None:
    w = make_window(NOW, timedelta(days=7), 100)  # 100.8 minutes per cell
    cells = fire_cells(schedules["c"], w, NOW)
    assert cells and all(c.count == DENSE for i, c in cells.items() if i > w.index(NOW))
    first = spec.upcoming(schedules["c"], NOW, 1)[0]
    assert cells[w.index(first)].first == first


def test_axis_ticks_are_round_local_times() -> None:
    w = make_window(NOW, timedelta(hours=1), 100)
    ticks = axis_ticks(w, UTC)
    assert [t.label for t in ticks][:3] == ["11:50", "12:00", "12:10"]
    assert all(w.column(t.moment) == t.column for t in ticks)
    week = axis_ticks(make_window(NOW, timedelta(days=7), 100), UTC)
    assert "Tue 03" in [t.label for t in week]


def test_source_caps_rows(store: Store, schedules: dict[str, Schedule]) -> None:
    data = TimelineSource(store, max_rows=2).load(make_window(NOW, timedelta(hours=1), 100), NOW)
    assert [r.schedule.name for r in data.rows] == ["a-every-10m", "b-hourly"]
    assert data.total == 3 and data.truncated
    only = TimelineSource(store, search="hourly").load(make_window(NOW, timedelta(hours=1), 9), NOW)
    assert [r.schedule.name for r in only.rows] == ["b-hourly"]


# --- the screen ------------------------------------------------------------------------------


async def test_zoom_changes_the_window(store: Store, clock: FrozenClock, schedules: Any) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.span == timedelta(hours=6)
        assert view.window.span == timedelta(hours=6) and view.window.columns == 100
        await pilot.press("plus")
        assert view.span == timedelta(hours=1)
        await pilot.press("plus")  # already the closest zoom
        assert view.span == timedelta(hours=1)
        await pilot.press("minus", "minus")
        assert view.span == timedelta(hours=24)
        await pilot.press("minus", "minus")
        assert view.span == timedelta(days=7)
        await settle(pilot)
        assert view.data is not None and view.data.window.cell == view.window.cell
        assert "zoom 7d" in view.render_line(0).text


async def test_markers_sit_where_spec_upcoming_says(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule]
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await pilot.press("plus")  # 1 h: 36 s per column, window 11:45 - 12:45
        await settle(pilot)
        view = view_of(pilot)
        assert view.window.start == datetime(2026, 3, 2, 11, 45, tzinfo=UTC)
        fires = spec.upcoming(schedules["a"], NOW, 4)  # anchored at NOW: 12:10, 12:20, ...
        assert fires[0] == datetime(2026, 3, 2, 12, 10, tzinfo=UTC)
        assert view.column_for(fires[0]) == NAME_WIDTH + 41  # 25 min / 36 s = 41.7
        text = line(view, 0)
        for fire in fires:
            assert text[view.column_for(fire)] == "◆"
        drawn = [x for x, ch in enumerate(text) if ch == "◆"]
        assert drawn == [view.column_for(f) for f in fires]
        hourly = line(view, 1)
        assert hourly[view.column_for(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))] == "│"  # now
        assert hourly.count("◆") == 0  # 13:00 is outside the 1 h window
        assert line(view, 2).count("◆") >= 40  # every minute: a fire in most columns


async def test_runs_are_drawn_left_of_now(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule]
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)  # 6 h: 10:30 - 16:30, 3.6 minutes per column
        view = view_of(pilot)
        started = timedelta(milliseconds=120)  # make_run starts runs 120 ms after their time
        a = line(view, 0)
        assert a[view.column_for(NOW - timedelta(minutes=50) + started)] == "✓"
        assert a[view.column_for(NOW - timedelta(minutes=30) + started)] == "✗"
        assert line(view, 1)[view.column_for(NOW - timedelta(minutes=60))] == "◌"  # missed
        c = line(view, 2)
        live_x = view.column_for(NOW - timedelta(minutes=5) + started)
        assert c[live_x] == "▶"
        assert set(c[live_x + 1 : view.column_for(NOW)]) == {"━"}
        assert c[view.column_for(NOW)] == "▃"  # 12:01-12:03 fire in the now column
        assert a[view.column_for(NOW)] == "│"  # the now line, where no marker covers it
        # no fire is drawn left of now: the past shows what ran
        assert not set(a[NAME_WIDTH : view.column_for(NOW)]) & {"◆", "▂", "▃", "█"}


async def test_cursor_shows_the_fire_time_in_zone_and_utc(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule]
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.cursor_row == 0
        assert "a-every-10m fires 2026-03-02 13:10:00 CET · 12:10:00 UTC" in detail(pilot)
        marker = view.cursor_marker
        assert marker is not None and marker.fire is not None
        assert marker.fire.first == datetime(2026, 3, 2, 12, 10, tzinfo=UTC)
        await pilot.press("right")
        assert "13:20:00 CET · 12:20:00 UTC" in detail(pilot)
        await pilot.press("l")
        assert "13:30:00 CET" in detail(pilot)
        await pilot.press("left", "h")
        assert "13:10:00 CET" in detail(pilot)
        await pilot.press("left")  # the failed run of 11:30
        assert "failed" in detail(pilot) and "enter: details" in detail(pilot)
        await pilot.press("down")  # b-hourly: the missed run is the nearest marker
        assert view.cursor_row == 1
        assert "b-hourly: ◌ missed" in detail(pilot)
        await pilot.press("j")
        assert view.cursor_row == 2
        await pilot.press("k", "up", "up")
        assert view.cursor_row == 0


async def test_brackets_jump_to_the_next_fire_of_any_row(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule]
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        await settle(pilot)
        view = view_of(pilot)
        await pilot.press("left_square_bracket")  # before 12:10 (a): a fire of c at 12:09
        marker = view.cursor_marker
        assert marker is not None and marker.schedule.name == "c-every-minute"
        assert marker.fire is not None
        assert marker.fire.first == datetime(2026, 3, 2, 12, 9, tzinfo=UTC)
        await pilot.press("right_square_bracket")
        marker = view.cursor_marker
        assert marker is not None and marker.schedule.name == "a-every-10m"
        await pilot.press("right_square_bracket")
        marker = view.cursor_marker
        assert marker is not None and marker.schedule.name == "c-every-minute"
        assert marker.fire is not None and marker.fire.first.minute == 10


async def test_enter_on_a_run_opens_it(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule]
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left", "left")  # 6 h: the failed run, then the succeeded one
        assert "succeeded" in detail(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RunDetailScreen) and screen.run_id == "run_ok"
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, TimelineScreen)
        await pilot.press("t")
        assert not isinstance(pilot.app.screen, TimelineScreen)


async def test_now_moves_and_markers_slide(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule]
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        await settle(pilot)
        view = view_of(pilot)
        fire = datetime(2026, 3, 2, 12, 10, tzinfo=UTC)
        before = view.column_for(fire)
        clock.now = NOW + timedelta(minutes=3)  # five 36 s columns
        view.tick()
        await settle(pilot)
        assert view.column_for(fire) == before - 5
        assert line(view, 0)[view.column_for(fire)] == "◆"
        assert view.column_for(clock.now) == NAME_WIDTH + 25
        assert "now 12:03:00" in view.render_line(1).text
        assert "in 7m" in detail(pilot)


async def test_changes_in_the_database_show_up(
    store: Store, clock: FrozenClock, schedules: dict[str, Schedule], tmp_path: Path
) -> None:
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert len(view.rows) == 3
        other = Store.open(tmp_path / "t.db", clock=clock)  # another process, say the CLI
        other.create({"name": "d-daily", "cron": "30 12 * * *", "action": command()})
        other.close()
        view.tick()
        await settle(pilot)
        assert [r.schedule.name for r in view.rows][-1] == "d-daily"
        assert line(view, 3)[view.column_for(datetime(2026, 3, 2, 12, 30, tzinfo=UTC))] == "◆"


async def test_search_filters_rows_and_empty_state(store: Store, clock: FrozenClock) -> None:
    async with host(store, clock, search="nothing").run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.rows == []
        assert "no active schedules match 'nothing'" in line(view, 0)
        assert "no active schedules" in detail(pilot)
        await pilot.press("right", "down", "right_square_bracket", "enter")  # nothing breaks


async def test_many_schedules_scroll(store: Store, clock: FrozenClock) -> None:
    for k in range(60):
        store.create({"name": f"job-{k:02d}", "every": f"{k + 5}m", "action": command()})
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert len(view.rows) == 60
        for _ in range(40):
            await pilot.press("down")
        assert view.cursor_row == 40
        assert view.scroll_y > 0
        top = round(view.scroll_y)
        assert line(view, 40 - top).startswith(" job-40")


# --- snapshots -------------------------------------------------------------------------------


def _snapshot_app(tmp_path: Path) -> HostApp:
    clock = FrozenClock()
    store = Store.open(tmp_path / "snap.db", clock=clock)
    made = {}
    for name, data in [
        ("backup-db", {"cron": "0 */2 * * *", "timezone": "Europe/Paris"}),
        ("ping-api", {"every": "15m"}),
        ("poll-queue", {"cron": "* * * * *"}),
        ("report", {"cron": "30 13 * * 1-5", "timezone": "America/New_York"}),
    ]:
        made[name] = store.create({"name": name, "action": command(), **data}).schedule
    add_runs(
        store,
        [
            make_run(made["ping-api"].id, "s1", "succeeded", NOW - timedelta(minutes=75)),
            make_run(made["ping-api"].id, "s2", "failed", NOW - timedelta(minutes=45)),
            make_run(made["ping-api"].id, "s3", "succeeded", NOW - timedelta(minutes=15)),
            make_run(made["backup-db"].id, "s4", "missed", NOW - timedelta(minutes=60)),
            make_run(made["poll-queue"].id, "s5", "running", NOW - timedelta(minutes=20)),
            make_run(made["report"].id, "s6", "skipped", NOW - timedelta(minutes=30)),
        ],
    )
    return host(store, clock)


async def _wait(pilot: Pilot[Any]) -> None:
    await settle(pilot)


def test_snapshot_timeline(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    assert snap_compare(_snapshot_app(tmp_path), terminal_size=SIZE, run_before=_wait)


def test_snapshot_timeline_zoomed_in_on_a_run(
    snap_compare: Callable[..., bool], tmp_path: Path
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        await pilot.press("down", "left", "left")  # ping-api: 12:30, 12:15, the 11:45 run

    assert snap_compare(_snapshot_app(tmp_path), terminal_size=SIZE, run_before=run_before)
