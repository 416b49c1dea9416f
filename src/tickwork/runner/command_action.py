"""Command actions: ``/bin/sh -c`` in its own process group, cron's minimal environment, the
output captured and capped, the whole group stopped on timeout or cancellation."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

from tickwork.domain.model import CommandAction
from tickwork.domain.status import RunStatus
from tickwork.runner.outcome import Outcome, Status, one_line, secs
from tickwork.runner.output import CappedOutput
from tickwork.runner.payload import RunContext, base_env, command_env
from tickwork.runner.process_group import (
    CommandProtocol,
    stop_group,
    stop_group_on_cancel,
    stop_once_started,
    wait_all,
)

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
    loop = asyncio.get_running_loop()
    starting = asyncio.ensure_future(
        loop.subprocess_exec(
            lambda: CommandProtocol(output, loop),
            "/bin/sh",
            "-c",
            action.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
            env=env,
        )
    )
    try:
        # Shielded: cancelled while the pipes are being connected, asyncio would kill the shell
        # alone, and what the shell started meanwhile (a busy machine lets it run ahead) would
        # live on.
        transport, proto = await asyncio.shield(starting)
    except asyncio.CancelledError:
        await stop_once_started(starting, grace)
        raise
    except OSError as exc:
        return done(RunStatus.FAILED, error=one_line(f"cannot start command: {exc}"))
    pgid = transport.get_pid()  # start_new_session: the child leads its own group
    try:
        if on_start is not None:  # the runner records the pid, to find orphans after a crash
            on_start(pgid)  # (on the loop: it must not block)
        if not await wait_all((proto.exited,), timeout):
            await stop_group(pgid, proto, grace)
            return done(
                RunStatus.TIMED_OUT,
                output=output.text(),
                exit_code=transport.get_returncode(),
                error=f"timed out after {secs(timeout)}",
            )
        note = ""
        if not await wait_all((proto.eof,), EOF_WAIT):
            await stop_group(pgid, proto, grace)
            note = "\n[tickwork: stopped background processes still holding the output open]\n"
        code = transport.get_returncode()
        error = _exit_error(code)
        status: Status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED
        return done(status, output=output.text() + note, exit_code=code, error=error)
    except asyncio.CancelledError:
        await stop_group_on_cancel(pgid, proto, grace)
        raise
    finally:
        transport.close()
