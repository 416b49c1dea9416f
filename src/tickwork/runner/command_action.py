"""Command actions: ``/bin/sh -c`` (started without the shell when it has no shell syntax: the
same process either way, see :mod:`tickwork.runner.direct_exec`) in its own process group,
cron's minimal environment, the output captured and capped, the whole group stopped on timeout
or cancellation."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from tickwork.domain.model import CommandAction
from tickwork.domain.status import RunStatus
from tickwork.runner.outcome import Outcome, Status, one_line, secs
from tickwork.runner.output import CappedOutput
from tickwork.runner.payload import RunContext, base_env, command_env
from tickwork.runner.process_group import stop_group, stop_group_on_cancel, wait_all
from tickwork.runner.spawn import start_command

EOF_WAIT = 1.0  # after the main process exits, how long to wait for its output pipe to close


def _exit_error(code: int | None) -> str | None:
    if code is None or code == 0:
        return None if code == 0 else "exit status unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name}"
    return f"exit code {code}"


async def run_command(
    action: CommandAction,
    ctx: RunContext,
    timeout: float,
    grace: float,
    cap: int,
    on_start: Callable[[int], None] | None = None,
    *,
    shell_only: bool = False,
) -> Outcome:
    start = time.monotonic()

    def done(status: Status, **fields: Any) -> Outcome:
        return Outcome(status, time.monotonic() - start, **fields)

    cwd: str | None = None
    if action.cwd:
        cwd = os.path.expanduser(action.cwd)
        if not os.path.exists(cwd):
            return done(RunStatus.FAILED, error=f"cwd {action.cwd} does not exist")
        if not os.path.isdir(cwd):
            return done(RunStatus.FAILED, error=f"cwd {action.cwd} is not a directory")
    env = {**base_env(ctx.inherit_env), **action.env, **command_env(ctx)}
    output = CappedOutput(cap, cap)
    try:
        child = await start_command(action.command, env, cwd, output.feed, shell_only=shell_only)
    except OSError as exc:
        return done(RunStatus.FAILED, error=one_line(f"cannot start command: {exc}"))
    # The spawn made the session: every process the command starts is in the group from its
    # first instruction, so a cancellation from here on stops all of them.
    pgid = child.pid  # the session leader leads its own group
    try:
        if on_start is not None:  # the runner records the pid, to find orphans after a crash
            on_start(pgid)  # (on the loop: it must not block)
        if not await wait_all((child.exited,), timeout):
            await stop_group(pgid, child, grace)
            return done(
                RunStatus.TIMED_OUT,
                output=output.text(),
                exit_code=child.returncode,
                error=f"timed out after {secs(timeout)}",
            )
        note = ""
        if not await wait_all((child.eof,), EOF_WAIT):
            await stop_group(pgid, child, grace)
            note = "\n[tickwork: stopped background processes still holding the output open]\n"
        code = child.returncode
        error = _exit_error(code)
        status: Status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED
        return done(status, output=output.text() + note, exit_code=code, error=error)
    except asyncio.CancelledError:
        await stop_group_on_cancel(pgid, child, grace)
        raise
    finally:
        child.close()
