"""Stopping a command's whole process group: SIGTERM, a grace period, SIGKILL; a group counts as
gone when none of its processes runs any more (zombies awaiting a reaper do not count)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

from tickwork.runner.spawn import Child

REAP_WAIT = 2.0  # after SIGKILL, how long to wait for the process and the pipe to go
POLL = 0.02


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


async def stop_group(pgid: int, child: Child, grace: float) -> None:
    """SIGTERM the whole group, give it ``grace`` seconds, then SIGKILL whatever is left."""
    child.signalled(signal.SIGTERM)
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if child.exited.done() and child.eof.done() and not group_alive(pgid):
            break
        await asyncio.sleep(POLL)
    child.signalled(signal.SIGKILL)
    signal_group(pgid, signal.SIGKILL)
    await wait_all((child.exited, child.eof), REAP_WAIT)


async def stop_group_on_cancel(pgid: int, child: Child, grace: float) -> None:
    try:
        await stop_group(pgid, child, grace)
    except asyncio.CancelledError:
        child.signalled(signal.SIGKILL)
        signal_group(pgid, signal.SIGKILL)  # cancelled again: no more grace
        await wait_all((child.exited,), REAP_WAIT)  # reaped before its run is recorded
        raise
