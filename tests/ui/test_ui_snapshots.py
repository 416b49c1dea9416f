"""Snapshots (pytest-textual-snapshot) of every screen at 80x24 and at 200x60: the demo database
under a frozen clock, the machine's zone pinned to UTC, text cursors that do not blink.

Regenerate after an intended change: `uv run pytest tests/ui/test_ui_snapshots.py --snapshot-update`
and look at the SVGs in tests/ui/__snapshots__/test_ui_snapshots/ before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from tests.conftest import FakeClock
from tests.ui.conftest import SnapCompare, eventually, settle
from tickwork.store import Store
from tickwork.ui.app import TickworkApp, create_app
from tickwork.ui.screens.edit import EditScreen
from tickwork.ui.screens.schedules import SchedulesScreen
from tickwork.ui.screens.secret import SecretScreen
from tickwork.ui.widgets.schedules.detail import DetailPane
from tickwork.ui.widgets.schedules.table import ScheduleTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 60), id="200x60")]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TickworkApp:
    monkeypatch.chdir(tmp_path)  # the status bar shows the path: keep it the same every run
    return create_app(Path("demo.db"), clock=FakeClock(), runner=False, demo=True)


def keys(*pressed: str) -> Steps:
    async def steps(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return steps


async def form_with_an_error(pilot: Pilot[Any]) -> None:
    await keys("n")(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen)
    screen.query_one("#f-name", Input).value = "hourly report"
    screen.query_one("#f-cron", Input).value = "0 25 * * *"
    screen.query_one("#f-command", Input).value = "echo report"
    await pilot.pause(0.2)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def secret_shown_once(pilot: Pilot[Any]) -> None:
    await keys("n")(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen)
    screen.query_one("#f-name", Input).value = "signed hook"
    screen.query_one("#f-cron", Input).value = "0 * * * *"
    screen.query_one("#f-command", Input).value = "echo signed"
    screen.query_one("#f-signing_secret", Input).value = "whsec_" + "A" * 32  # 24 bytes
    await pilot.pause(0.2)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SecretScreen)
    # The schedules screen behind the dialog reloads when it hears of the change, which a busy
    # machine may not have delivered yet: wait for the demo's 12 schedules plus the new one.
    behind = next(s for s in pilot.app.screen_stack if isinstance(s, SchedulesScreen))
    title = behind.query_one("#list-title", Label)
    await eventually(pilot, lambda: str(title.content), lambda text: "13 schedules" in text)
    # ... and for its table to grow by that row (it is as tall as its rows, up to its max-height).
    # A screen behind a dialog lays out on its own update timer, which Pilot's pauses do not run
    # (they flush the top screen's alone): at 200x60 a quiet machine took the picture first,
    # about 1 run in 5, the table a row short and the detail pane below it a line taller.
    table = behind.query_one(ScheduleTable)
    cap = table.styles.max_height
    area = behind.query_one("#main").size
    room = int(cap.resolve(area, pilot.app.size)) if cap else area.height

    def table_height() -> str:
        return f"table {table.size.height} lines tall for {table.virtual_size.height} (room {room})"

    def grown(_: str) -> bool:
        return table.size.height >= min(table.virtual_size.height, room)

    await eventually(pilot, table_height, grown)
    # ... and for the detail pane under the table to list as many runs as it now has lines for
    # (`waiting` until then), laid out by that screen's own timer: each list as tall as its
    # lines, as wide as its scroll leaves it, a scrollbar only beside one that overflows. A
    # pane that heard of its new height late (a busy loop) still showed the lists read for the
    # old one, a line too long, a scrollbar beside each (failed once in CI, .ci/stressed).
    pane = behind.query_one(DetailPane)

    def pane_unsettled() -> str:
        problems = ["loading"] if pane.waiting else []
        for name in ("fields", "next", "last"):
            scroll = pane.query_one(f"#detail-{name}", VerticalScroll)
            text = pane.query_one(f"#detail-{name}-text", Static)
            lines = str(text.content).count("\n") + 1
            width, height = scroll.scrollable_content_region.size
            overflows = scroll.virtual_size.height > height
            if scroll.show_vertical_scrollbar != overflows:
                problems.append(f"{name}: scrollbar {scroll.show_vertical_scrollbar}")
            if text.size != Size(width, lines):
                problems.append(f"{name}: laid out {text.size} for {lines} lines, {width} wide")
        return "; ".join(problems)

    await eventually(pilot, pane_unsettled, lambda problems: not problems)
    await settle(pilot)


SCREENS: dict[str, Steps] = {
    "schedules": keys("j", "j", "j"),  # "flaky export": a failing one in the detail pane
    "schedules-local-time": keys("j", "z"),  # the clock switched to this machine's
    "filter": keys("slash", "r", "e", "p"),
    "form-new": keys("n"),
    "form-error": form_with_an_error,
    "form-existing": keys("j", "j", "e"),
    "secret-shown-once": secret_shown_once,
    "delete-asks": keys("j", "d"),
    "keys-help": keys("question_mark"),
    "palette": keys("ctrl+p"),
    "timeline": keys("t"),
    "history": keys("H"),
    "run-detail": keys("H", "o", "enter"),
    # nightly backup (02:30 in New York): 2026-03-08 has no 02:30, the fire moves to 03:00
    "calendar-month": keys("slash", *"nightly", "enter", "m"),
    "calendar-week": keys("slash", *"nightly", "enter", "m", "w"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    snap_compare: SnapCompare, demo_app: TickworkApp, screen: str, size: tuple[int, int]
) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=SCREENS[screen])


@pytest.mark.parametrize("size", SIZES)
def test_declarative_schedule_opens_read_only(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    clock = FakeClock()
    with Store.open(Path("decl.db"), clock=clock) as store:
        store.create(
            {
                "name": "nightly backup",
                "cron": "30 2 * * *",
                "timezone": "Europe/Paris",
                "action": {"kind": "command", "command": "/usr/local/bin/backup.sh"},
            },
            type="DECLARATIVE",
            declared_in="/srv/tickwork.toml",
        )
    app = create_app(Path("decl.db"), clock=clock, runner=False)
    assert snap_compare(app, terminal_size=size, run_before=keys("e"))
