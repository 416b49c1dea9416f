"""The edit form's failure policies: pause_after_failures and max_duration_warning, validated
like the CLI, saved, edited and cleared."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, settle
from tickwork.store import Store
from tickwork.ui.screens.edit import EditScreen
from tickwork.ui.screens.schedules import SchedulesScreen


def field(pilot: Pilot[Any], key: str) -> Input:
    return pilot.app.screen.query_one(f"#f-{key}", Input)


def error_text(pilot: Pilot[Any], key: str) -> str:
    """The message under a field ("" when it has none: the line is made on first use)."""
    line = next(pilot.app.screen.query(f"#err-{key}").results(Static), None)
    return str(line.content) if line is not None and line.has_class("-shown") else ""


async def fill(pilot: Pilot[Any], **values: str) -> None:
    for key, text in values.items():
        field(pilot, key).value = text


async def shows(pilot: Pilot[Any], key: str, check: Callable[[str], bool]) -> str:
    """The field's error line once `check` accepts it (validation is debounced; the machine
    may be slow): fails after a generous deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not check(error_text(pilot, key)) and loop.time() < deadline:
        await pilot.pause(0.05)
    text = error_text(pilot, key)
    assert check(text), text
    return text


async def test_policies_are_validated_saved_and_cleared(
    make_app: AppFactory, other_store: Store
) -> None:
    sid = other_store.create({"name": "job", "cron": "0 9 * * *", "action": cmd()}).schedule.id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)  # the form builds in steps: a busy machine had not built it yet
        assert isinstance(app.screen, EditScreen)
        assert field(pilot, "pause_after_failures").value == ""
        await fill(pilot, pause_after_failures="0", max_duration_warning="7200")
        await shows(pilot, "pause_after_failures", lambda t: t.startswith("0 is out of range 1-"))
        await shows(pilot, "max_duration_warning", lambda t: "not below the timeout (3600s)" in t)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)  # blocked, nothing written
        assert other_store.get(sid).policies.pause_after_failures is None
        await fill(pilot, pause_after_failures="3", max_duration_warning="90")
        await shows(pilot, "pause_after_failures", lambda t: t == "")
        await shows(pilot, "max_duration_warning", lambda t: t == "")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        p = other_store.get(sid).policies
        assert (p.pause_after_failures, p.max_duration_warning) == (3, 90)
        # reopened, the form shows them; emptied, they are off again
        await pilot.press("enter")
        await settle(pilot)
        assert field(pilot, "pause_after_failures").value == "3"
        assert field(pilot, "max_duration_warning").value == "90"
        await fill(pilot, pause_after_failures="", max_duration_warning="")
        await pilot.press("ctrl+s")  # saving validates what the form holds now
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
    p = other_store.get(sid).policies
    assert (p.pause_after_failures, p.max_duration_warning) == (None, None)
