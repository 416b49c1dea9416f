"""The UI never fails on a stored value (issue 11): an @every so long its second fire is past
year 9999 (accepted before validation had a bound) made the UI exit with WorkerFailed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, settle
from tickwork.domain.model import Generator
from tickwork.store import Store
from tickwork.ui.screens.schedules import SchedulesScreen
from tickwork.ui.screens.timeline import TimelineScreen


@pytest.mark.parametrize("expression", ["@every 1250000d", "@every 999999999d"])
async def test_far_stored_intervals_show_and_the_ui_stays_up(
    make_app: AppFactory, other_store: Store, expression: str
) -> None:
    s = other_store.create({"name": "far", "every": "30s", "action": cmd()}).schedule
    other_store.save(replace(s, generator=Generator("INTERVAL", expression, expression)))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        await pilot.press("t")  # the timeline asks for every fire in its window
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        assert app.is_running
