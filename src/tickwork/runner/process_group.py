"""A command's own process group: its output and exit as they arrive, and stopping the whole
group (SIGTERM, a grace period, SIGKILL), also when cancelled while it is still starting."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

from tickwork.runner.output import CappedOutput

REAP_WAIT = 2.0  # after SIGKILL, how long to wait for the process and the pipe to go
POLL = 0.02


class CommandProtocol(asyncio.SubprocessProtocol):
    """Feeds stdout+stderr into a CappedOutput as it arrives; signals exit and EOF apart.

    ``Process.wait()`` also waits for the pipes to close, so a background grandchild holding
    stdout would hang it: the exit is taken from ``process_exited`` instead.
    """

    def __init__(self, output: CappedOutput, loop: asyncio.AbstractEventLoop) -> None:
        self.output = output
        self.exited: asyncio.Future[None] = loop.create_future()
        self.eof: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        self.output.feed(data.encode() if isinstance(data, str) else data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1 and not self.eof.done():
            self.eof.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in (self.eof, self.exited):
            if not fut.done():
                fut.set_result(None)


async def wait_all(futures: Iterable[asyncio.Future[None]], timeout: float) -> bool:
    """Wait (without cancelling them) until all futures are done; False on timeout."""
    pending = {f for f in futures if not f.done()}
    if pending:
        _, pending = await asyncio.wait(pending, timeout=max(timeout, 0.0))
    return not pending


def signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_alive(pgid: int) -> bool:
    """Whether a process of the group is still running (zombies awaiting a reaper don't count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


async def stop_group(pgid: int, proto: CommandProtocol, grace: float) -> None:
    """SIGTERM the whole group, give it ``grace`` seconds, then SIGKILL whatever is left."""
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proto.exited.done() and proto.eof.done() and not group_alive(pgid):
            break
        await asyncio.sleep(POLL)
    signal_group(pgid, signal.SIGKILL)
    await wait_all((proto.exited, proto.eof), REAP_WAIT)


async def stop_group_on_cancel(pgid: int, proto: CommandProtocol, grace: float) -> None:
    try:
        await stop_group(pgid, proto, grace)
    except asyncio.CancelledError:
        signal_group(pgid, signal.SIGKILL)  # cancelled again: no more grace
        raise


async def stop_once_started(
    starting: asyncio.Future[tuple[asyncio.SubprocessTransport, CommandProtocol]], grace: float
) -> None:
    """Cancelled while the command was starting: stop its whole group once it has started."""
    try:
        transport, proto = await asyncio.shield(starting)
    except OSError:
        return  # it never started
    try:
        await stop_group_on_cancel(transport.get_pid(), proto, grace)
    finally:
        transport.close()
