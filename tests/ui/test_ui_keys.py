"""No keystroke is lost or misrouted: a burst of keys typed into the form while the embedded runner
works (a Python action that holds its event loop, a command that ignores SIGTERM) lands in the
right fields, in order, with every focus change where it was typed."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widget import Widget

from tests.ui.conftest import SIZE, AppFactory, settle
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store
from tickwork.ui.app import TickworkApp
from tickwork.ui.screens.edit import EditScreen

BUSY_ACTION = '''
import os
import pathlib
import threading
import time


async def busy(payload):
    """Holds the event loop it runs on for 1.5 s without awaiting, and says where it ran (in
    one step: a reader never sees the file empty, as it did between a rewrite's truncate and
    its write)."""
    out = pathlib.Path(__file__).with_name("busy-ran")
    partial = out.with_name(f"busy-ran.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(str(threading.get_ident()))
    os.replace(partial, out)
    end = time.perf_counter() + 1.5
    while time.perf_counter() < end:
        pass
    return "done"
'''

# name, Tab, description, Tab (active), Tab (timing), → → enter (Interval), Tab (every),
# Tab (zone: nothing to complete, moves on), Tab (kind), Tab (command)
BURST: list[str] = [
    *"job",
    "tab",
    *"desc",
    "tab",
    "tab",
    "right",
    "right",
    "enter",
    "tab",
    *"10s",
    "tab",
    "tab",
    "tab",
    *"echo hi",
]
FOCUS_ORDER = [
    "f-name",
    "f-description",
    "f-active",
    "f-timing",
    "f-every",
    "f-timezone",
    "f-kind",
    "f-command",
]
CHARACTERS = {"tab": "\t", "enter": "\r", "right": None, "space": " "}


def key_event(key: str) -> events.Key:
    if key in CHARACTERS:
        return events.Key(key, CHARACTERS[key])
    return events.Key("space" if key == " " else key, key)


async def wait_until(condition: Any, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def send_burst(app: TickworkApp, keys: list[str]) -> None:
    """All keys at once, as a terminal delivers a fast typist's keys after a busy moment; then
    wait until the app has read and handled every one of them."""
    expected = app.keys_received + len(keys)
    for key in keys:
        app.post_message(key_event(key))
    await wait_until(lambda: app.keys_received == expected and app.keys_waiting == 0)


def watch_focus(app: TickworkApp, screen: EditScreen) -> list[str]:
    seen: list[str] = []

    def focused(widget: Widget | None) -> None:
        if widget is not None and widget.id and (not seen or seen[-1] != widget.id):
            seen.append(widget.id)

    app.watch(screen, "focused", focused, init=True)
    return seen


async def test_a_burst_of_keys_lands_in_order_while_the_runner_is_busy(
    make_app: AppFactory, other_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module_dir = tmp_path / "actions"
    module_dir.mkdir()
    (module_dir / "tickwork_busy_action.py").write_text(BUSY_ACTION)
    monkeypatch.syspath_prepend(str(module_dir))
    other_store.clock = utcnow
    other_store.create(
        {
            "name": "busy python",
            "every": "1s",
            "overlap": "allow",
            "action": {"kind": "python", "target": "tickwork_busy_action:busy"},
        }
    )
    stubborn = other_store.create(
        {
            "name": "ignores sigterm",
            "every": "2s",
            "timeout_seconds": 1,
            "action": {"kind": "command", "command": "trap '' TERM; sleep 60"},
        }
    ).schedule
    app = make_app(clock=utcnow, runner=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: (module_dir / "busy-ran").exists())

        def stubborn_past_its_timeout() -> bool:  # SIGTERM sent and ignored: kill grace polling
            runs = other_store.runs.list(schedule_id=stubborn.id, status="running", limit=1)
            started = runs[0].started_at if runs else None
            return started is not None and (utcnow() - started).total_seconds() > 1.3

        await wait_until(stubborn_past_its_timeout)

        await pilot.press("n")
        await wait_until(lambda: isinstance(app.screen, EditScreen) and app.screen.is_mounted)
        screen = app.screen
        assert isinstance(screen, EditScreen)
        focus = watch_focus(app, screen)
        await send_burst(app, BURST)
        await pilot.pause(0.2)  # not settle(): the runner's worker never completes

        values = screen.form.values()
        assert (values.name, values.description, values.timing, values.every) == (
            "job",
            "desc",
            "every",
            "10s",
        )
        assert (values.timezone, values.kind, values.command) == ("UTC", "command", "echo hi")
        assert focus == FOCUS_ORDER
        # The busy action ran on the runner's own thread, not on the UI's.
        ran_on = int((module_dir / "busy-ran").read_text())
        assert ran_on == app.bridge.thread_id
        assert ran_on != threading.get_ident()
        await app.bridge.stop(grace=0.5)


async def test_keys_typed_while_a_screen_opens_reach_it(make_app: AppFactory) -> None:
    """`n` then typing at once: the letters go to the new form's Name field, not to the table
    below (where `c` would clone and `d` delete)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send_burst(app, ["n", *"cd backup"])
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EditScreen)
        assert screen.form.values().name == "cd backup"
