"""UI fixtures: real SQLite files in tmp dirs, a frozen clock, no runner unless a test asks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import FakeClock
from tickwork.store import Store
from tickwork.ui.app import TickworkApp, create_app

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
    """Let workers (store reads in threads) finish and the screen repaint."""
    for _ in range(3):
        await pilot.pause()
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
