"""Run one action once: a shell command, an HTTP request or a Python callable.

:func:`execute` never raises for a failing action; it returns an :class:`Outcome`. The only
exception it lets through is :class:`asyncio.CancelledError` (after killing what it started).
Each kind lives in its own module: :mod:`command_action`, :mod:`http_action`,
:mod:`python_action`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from tickwork.domain.model import Action, CommandAction, HttpAction, PythonAction
from tickwork.domain.status import RunStatus
from tickwork.runner.command_action import run_command
from tickwork.runner.http_action import run_http
from tickwork.runner.outcome import DEFAULT_OUTPUT_CAP, Outcome, Status, one_line
from tickwork.runner.payload import RunContext
from tickwork.runner.python_action import (
    Launched,
    import_python,
    launch_python,
    ready_python,
    run_python,
)
from tickwork.runner.threads import Call, start_calls, wait_started

__all__ = [
    "DEFAULT_OUTPUT_CAP",
    "Call",
    "Launched",
    "Outcome",
    "Status",
    "execute",
    "launch",
    "prepare",
    "ready",
    "start_calls",
    "wait_started",
]


async def prepare(action: Action) -> None:
    """Make the action ready to start (a python target's module imported), ahead of a herd."""
    if isinstance(action, PythonAction):
        await import_python(action)


def launch(
    action: Action, ctx: RunContext, wait: Callable[[], None] | None = None
) -> Launched | None:
    """Start the action now, when it can start without awaiting (a python call whose target
    is imported): a herd's runner starts every fire so before their tasks run, and hands the
    result to execute(). None: execute() starts it. `wait`: called first, where the action
    runs (until its instant: see python_action.launch_python)."""
    return launch_python(action, ctx, wait) if isinstance(action, PythonAction) else None


def ready(action: Action, ctx: RunContext) -> Call[Any] | None:
    """The action made ready to start without awaiting (a python call whose target is
    imported), not started; None: launch() or execute() starts it. A herd's runner makes its
    fires ready at the flip and starts them together at the instant (start_calls)."""
    return ready_python(action, ctx) if isinstance(action, PythonAction) else None


async def execute(
    action: Action,
    ctx: RunContext,
    *,
    timeout: float,
    kill_grace: float = 5.0,
    output_cap: int = DEFAULT_OUTPUT_CAP,
    http_client: httpx.AsyncClient | None = None,
    on_start: Callable[[int], None] | None = None,
    launched: Launched | None = None,
) -> Outcome:
    """Run ``action`` once for ``ctx`` and report how it went.

    ``output_cap`` bytes are kept from the start and as many from the end of the output.
    Cancelling the call stops what it started (a command's whole process group: SIGTERM,
    ``kill_grace`` seconds, SIGKILL) and then lets the CancelledError through.
    """
    start = time.monotonic()
    try:
        if isinstance(action, CommandAction):
            return await run_command(action, ctx, timeout, kill_grace, output_cap, on_start)
        if isinstance(action, HttpAction):
            return await run_http(action, ctx, timeout, output_cap, http_client)
        if isinstance(action, PythonAction):
            return await run_python(action, ctx, timeout, output_cap, launched)
        kind = getattr(action, "kind", "?")
        return Outcome(RunStatus.FAILED, 0.0, error=f"unknown action kind {kind!r}")
    except Exception as exc:  # a bug here must not take the runner down
        error = one_line(f"internal error: {type(exc).__name__}: {exc}")
        return Outcome(RunStatus.FAILED, time.monotonic() - start, error=error)
