"""Snapshots (pytest-textual-snapshot) of the demo database under a frozen clock.

Regenerate after an intended change: `uv run pytest tests/ui/test_ui_snapshots.py --snapshot-update`
and look at the SVGs in tests/ui/__snapshots__/test_ui_snapshots/ before committing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.conftest import FakeClock
from tests.ui.conftest import settle
from tickwork.store import Store
from tickwork.ui.app import TickworkApp, create_app
from tickwork.ui.screens.edit import EditScreen

TERMINAL = (120, 36)


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TickworkApp:
    monkeypatch.chdir(tmp_path)  # the status bar shows the path: keep it the same every run
    return create_app(Path("demo.db"), clock=FakeClock(), runner=False, demo=True)


def test_home_screen(snap_compare: Any, demo_app: TickworkApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # "flaky export": a failing one in the detail pane
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=TERMINAL, run_before=run_before)


def test_edit_form_new(snap_compare: Any, demo_app: TickworkApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=TERMINAL, run_before=run_before)


def test_edit_form_with_an_error(snap_compare: Any, demo_app: TickworkApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, EditScreen)
        screen.query_one("#f-name", Input).value = "hourly report"
        screen.query_one("#f-cron", Input).value = "0 25 * * *"
        screen.query_one("#f-command", Input).value = "echo report"
        await pilot.pause(0.2)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=TERMINAL, run_before=run_before)


def test_keys_help(snap_compare: Any, demo_app: TickworkApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=TERMINAL, run_before=run_before)


def test_declarative_schedule_opens_read_only(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)


def test_delete_asks_first(snap_compare: Any, demo_app: TickworkApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j", "d")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=TERMINAL, run_before=run_before)
