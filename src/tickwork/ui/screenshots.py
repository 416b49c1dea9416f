"""Make screenshots/*.svg of every screen from the demo database under a frozen clock, with the
embedded runner running, as a user sees the app (it fires nothing: under a frozen clock nothing
becomes due).

uv run python -m tickwork.ui.screenshots [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from tickwork.ui.app import TickworkApp, create_app

FROZEN = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)
SIZE = (140, 42)

Steps = Callable[[Pilot[Any]], Awaitable[None]]


async def _settle(pilot: Pilot[Any]) -> None:
    """Workers done (all but the runner's, which runs on), a building form built."""
    from tickwork.ui.widgets.schedules.detail import DetailPane

    for _ in range(100):
        building = getattr(pilot.app.screen, "keys_on_hold", False)
        loading = any(p.waiting for s in pilot.app.screen_stack for p in s.query(DetailPane))
        if not building and not loading:
            break
        await pilot.pause(0.05)
    for _ in range(3):
        await pilot.pause()
        for worker in [w for w in pilot.app.workers if w.group != "runner" and w.is_running]:
            with contextlib.suppress(TimeoutError, WorkerCancelled, WorkerFailed):
                await asyncio.wait_for(worker.wait(), 10)
    await pilot.pause(0.3)


def _keys(*keys: str) -> Steps:
    async def steps(pilot: Pilot[Any]) -> None:
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    return steps


async def _form_with_error(pilot: Pilot[Any]) -> None:
    from textual.widgets import Input

    await pilot.press("n")
    await _settle(pilot)
    screen = pilot.app.screen
    screen.query_one("#f-name", Input).value = "hourly report"
    screen.query_one("#f-cron", Input).value = "0 25 * * *"
    screen.query_one("#f-command", Input).value = "echo report"
    await pilot.pause(0.3)
    await pilot.press("ctrl+s")
    await _settle(pilot)


SHOTS: list[tuple[str, str, Steps]] = [
    ("schedules", "Schedules: table, detail pane, status bar", _keys("j", "j", "j")),
    (
        "calendar",  # nightly backup, 02:30 in New York: March 2027 has no 02:30 on the 14th
        "When a schedule fires: a month, DST marked",
        _keys("slash", *"nightly", "enter", "m", *["right_square_bracket"] * 4),
    ),
    ("filter", "Filtering with /", _keys("slash", "r", "e", "p", "o", "r", "t")),
    ("edit-new", "New schedule form with live preview", _keys("n")),
    ("edit-error", "Validation beside the field", _form_with_error),
    ("edit-existing", "Editing a schedule", _keys("j", "j", "e")),
    ("timeline", "Timeline of past runs and next fires", _keys("t")),
    ("timeline-24h", "Timeline zoomed out to 24 h", _keys("t", "minus")),
    ("history", "Run history across schedules", _keys("H")),
    ("run-detail", "One failed run with its error and output", _keys("H", "o", "enter")),
    ("keys", "Keys help", _keys("question_mark")),
    ("palette", "Every action in the command palette", _keys("ctrl+p")),
]


class _Clock:
    def __call__(self) -> datetime:
        return FROZEN


async def _runner_active(app: TickworkApp) -> None:
    for _ in range(300):
        if app.status.runner_kind == "active":
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the embedded runner did not start: {app.status.runner_text}")


async def _shoot(
    db: Path, name: str, steps: Steps, out: Path, size: tuple[int, int] = SIZE
) -> None:
    app: TickworkApp = create_app(db, clock=_Clock(), runner=True, demo=True)
    async with app.run_test(size=size) as pilot:
        await _runner_active(app)
        await _settle(pilot)
        await steps(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(out))
        await app.bridge.stop(grace=1.0)


async def main_async(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path.cwd()
        os.chdir(tmp)  # the status bar shows the database path: keep it short and stable
        try:
            target = out if out.is_absolute() else cwd / out
            for name, _title, steps in SHOTS:
                await _shoot(Path("demo.db"), name, steps, target)
                print(f"wrote {out / (name + '.svg')}")
            await _shoot(Path("demo.db"), "schedules-80x24", _keys("j", "j", "j"), target, (80, 24))
            print(f"wrote {out / 'schedules-80x24.svg'}")
        finally:
            os.chdir(cwd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    args = parser.parse_args()
    os.environ.setdefault("TZ", "UTC")
    asyncio.run(main_async(args.out))


if __name__ == "__main__":
    main()
