"""UI fixtures: real SQLite files in tmp dirs, a frozen clock, no runner unless a test asks."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from tests.conftest import FakeClock
from tickwork.store import Store
from tickwork.ui.app import TickworkApp, create_app
from tickwork.ui.widgets.schedules.detail import DetailPane

SIZE = (120, 40)
AppFactory = Callable[..., TickworkApp]


@pytest.fixture(autouse=True)
def _utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local times in the UI (and so the snapshots) do not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None] | None]


def notifications_stay(app: App[Any]) -> None:
    """Notifications stay up until the picture is taken: their timeouts run on the real clock,
    and a busy machine can take longer than one between the notify and the snapshot."""
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        kwargs["timeout"] = 3600
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]


def hold_still(app: App[Any]) -> None:
    """No animation, and text cursors that do not blink (shown steadily where focused): a
    snapshot taken at any instant is the same picture."""
    app.animation_level = "none"
    for screen in app.screen_stack:
        for text_input in screen.query(Input):
            text_input.cursor_blink = False
        for area in screen.query(TextArea):
            area.cursor_blink = False


@pytest.fixture
def snap_compare(snap_compare: SnapCompare) -> SnapCompare:
    """pytest-textual-snapshot's snap_compare, with the app held still (see hold_still) from
    its first frame and again after `run_before`, for widgets mounted meanwhile, and its
    notifications up until the picture is taken."""

    def compare(app: App[Any], *args: Any, run_before: RunBefore | None = None, **kw: Any) -> bool:
        async def still_run_before(pilot: Pilot[Any]) -> None:
            hold_still(pilot.app)
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            hold_still(pilot.app)
            await pilot.pause()

        app.animation_level = "none"
        notifications_stay(app)
        return snap_compare(app, *args, run_before=still_run_before, **kw)

    return compare


@pytest.fixture
def make_app(db_path: Path, clock: FakeClock) -> Iterator[AppFactory]:
    """create_app() on the test database with the frozen clock and no runner by default."""

    def factory(**kwargs: Any) -> TickworkApp:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("runner", False)
        return create_app(db_path, **kwargs)

    yield factory


@pytest.fixture
def other_store(db_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A second connection: what the CLI or a headless runner would do meanwhile."""
    s = Store.open(db_path, clock=clock)
    yield s
    s.close()


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers (store reads in threads) finish, a screen that builds in steps (the form)
    finish building, and the screen repaint."""
    for _ in range(200):
        building = getattr(pilot.app.screen, "keys_on_hold", False)
        loading = any(p.waiting for s in pilot.app.screen_stack for p in s.query(DetailPane))
        if not building and not loading:
            break
        await pilot.pause(0.05)
    for _ in range(3):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # replaced by a newer one (exclusive)
            await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def record_notifications(app: TickworkApp) -> list[str]:
    """The messages of every notification the app (or any widget in it) raises from now on."""
    seen: list[str] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        seen.append(message)
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


async def eventually(
    pilot: Pilot[Any], read: Callable[[], str], check: Callable[[str], bool]
) -> str:
    """What `read` gives once `check` accepts it. For what the app does a moment after an
    edit (validation runs after the last keystroke, off a timer or a worker): a busy machine can
    take longer than any fixed pause, so wait for the outcome; fail after a generous deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not check(read()) and loop.time() < deadline:
        await pilot.pause(0.05)
    text = read()
    assert check(text), text
    return text
