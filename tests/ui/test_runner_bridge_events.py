"""The embedded runner's events reach the UI loop in order, a burst of them with one wake-up."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from datetime import UTC, datetime
from pathlib import Path

from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import utcnow
from tickwork.runner import RunEvent
from tickwork.ui.runner_bridge import RunnerBridge

AT = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def _event(i: int) -> RunEvent:
    run = Run(f"run_{i}", f"sched_{i}", AT, 1, Trigger.SCHEDULE, RunStatus.RUNNING, AT)
    return RunEvent("started", run, f"job-{i}")


async def test_a_burst_of_events_wakes_the_ui_loop_once_and_keeps_its_order(
    tmp_path: Path,
) -> None:
    loop = asyncio.get_running_loop()
    delivered: list[RunEvent] = []
    bridge = RunnerBridge(
        tmp_path / "t.db", utcnow, delivered.extend, lambda delay, fn: loop.call_later(delay, fn)
    )
    bridge._ui_loop = loop  # what run() sets, without starting a runner
    bridge._ui_context = contextvars.copy_context()
    wakeups = []
    take = bridge._take_inbox

    def counted() -> None:
        wakeups.append(len(bridge._inbox))
        take()

    bridge._take_inbox = counted  # type: ignore[method-assign]
    events = [_event(i) for i in range(500)]

    def send() -> None:  # on another thread, as the runner's
        for e in events:
            bridge._event(e)

    sender = threading.Thread(target=send)
    sender.start()
    sender.join()  # the UI loop is held up meanwhile: every event waits in the inbox
    deadline = loop.time() + 30
    while len(delivered) < len(events) and loop.time() < deadline:
        await asyncio.sleep(0.01)
    assert delivered == events
    assert wakeups == [500]
    bridge._event(_event(500))  # the next event wakes the loop again
    while len(delivered) < 501 and loop.time() < deadline:
        await asyncio.sleep(0.01)
    assert [e.run.id for e in delivered[-1:]] == ["run_500"] and wakeups == [500, 1]
