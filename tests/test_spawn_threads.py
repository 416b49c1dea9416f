"""Commands started from worker threads without the interpreter lock (runner/libc_spawn.py):
the same child as os.posix_spawn on the loop's thread (its signal mask too), a start cancelled
while a worker makes it leaves no process and no descriptor behind, and where libc's
posix_spawn cannot be used the loop's thread starts it as before. Real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from tickwork.domain.model import CommandAction
from tickwork.domain.status import RunStatus
from tickwork.runner import libc_spawn, spawn
from tickwork.runner.actions import Outcome, execute
from tickwork.runner.threads import in_daemon_thread

from .actions_support import make_ctx
from .runner.conftest import wait_until

pytestmark = pytest.mark.skipif(not libc_spawn.available(), reason="needs glibc >= 2.26")


async def run(command: str) -> Outcome:
    return await execute(CommandAction(command), make_ctx(), timeout=60)


def alive_with(word: str) -> list[int]:
    """Processes (zombies too: an unreaped child counts) whose command line holds `word`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            zombie = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if word in cmdline or (zombie and word in (entry / "comm").read_text()):
            found.append(int(entry.name))
    return found


def open_fds() -> set[int]:
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


async def until(predicate: Any, within: float = 60.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


class BusyWorkers:
    """Every spawn worker held by a call that waits for release()."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.holding = threading.Semaphore(0)

        def hold() -> None:
            self.holding.release()
            self.go.wait()

        self.calls = [in_daemon_thread(hold, spawn.SPAWNS) for _ in range(spawn.SPAWN_WORKERS)]

    async def held(self) -> None:
        for _ in self.calls:
            assert await asyncio.to_thread(self.holding.acquire, timeout=60)

    def release(self) -> None:
        self.go.set()


async def start_then_cancel(command: str, busy: BusyWorkers) -> None:
    """Run `command` while every worker is held: cancel it once its start waits in the queue."""
    await busy.held()
    task = asyncio.create_task(run(command))
    assert await until(spawn.SPAWNS.queued)  # its start waits for a worker
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_start_cancelled_while_a_worker_makes_it_leaves_nothing_behind() -> None:
    """Every spawn worker is busy, the command's start waits for one; its run is cancelled
    then. The start still happens (a worker cannot be stopped midway): the process is killed
    with its group and reaped, and the pipe's descriptors are closed."""
    fds = open_fds()
    busy = BusyWorkers()
    await start_then_cancel("sleep 61.4242", busy)
    busy.release()
    await asyncio.gather(*busy.calls)
    assert await until(lambda: not spawn.SPAWNS.queued())
    assert await until(lambda: not alive_with("61.4242")), alive_with("61.4242")
    assert await until(lambda: open_fds() == fds), (open_fds(), fds)


def test_a_start_abandoned_by_a_loop_that_closed_is_cleaned_up_by_its_worker() -> None:
    """The runner's loop ended (it stopped) while a cancelled run's start still waited for a
    worker: the worker itself kills and reaps the process it made, and closes the pipe."""
    fds = open_fds()
    busy: list[BusyWorkers] = []

    async def scenario() -> None:
        busy.append(BusyWorkers())
        await start_then_cancel("sleep 61.5151", busy[0])

    asyncio.run(scenario())  # the loop is closed now; the start still waits for a worker
    busy[0].release()
    assert wait_until(lambda: not alive_with("61.5151"), 60), alive_with("61.5151")
    assert wait_until(lambda: open_fds() == fds, 60), (open_fds(), fds)


@pytest.mark.parametrize("here", [False, True], ids=["worker", "loop-thread"])
async def test_the_child_gets_the_signal_mask_of_the_thread_that_starts_it(
    here: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.posix_spawn leaves the child the calling thread's signal mask; a worker thread's may
    differ, so the start from a worker sets the caller's."""
    if here:
        monkeypatch.setenv(spawn.IN_THREADS, "0")
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    try:
        out = await run("grep SigBlk /proc/self/status")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    assert out.status == RunStatus.SUCCEEDED, out
    blocked = int(out.output.split()[1], 16)
    assert blocked == 1 << (signal.SIGUSR2 - 1)
    unblocked = await run("grep SigBlk /proc/self/status")
    assert int(unblocked.output.split()[1], 16) == 0


async def test_without_libc_spawn_the_loop_thread_starts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here: list[str] = []
    original = spawn._spawn_here

    def spy(program: str, *args: Any) -> Any:
        here.append(program)
        return original(program, *args)

    monkeypatch.setattr(spawn, "_spawn_here", spy)
    direct = await run("/bin/echo via a worker")
    assert (direct.status, direct.output, here) == (RunStatus.SUCCEEDED, "via a worker\n", [])
    monkeypatch.setattr(libc_spawn, "_glibc", lambda: None)  # not glibc, or too old
    out = await run("/bin/echo on the loop")
    assert (out.status, out.output, here) == (RunStatus.SUCCEEDED, "on the loop\n", ["/bin/echo"])


async def test_a_herd_of_starts_from_four_workers_all_run_once(tmp_path: Path) -> None:
    """200 commands at once through 4 workers: each runs exactly once, with its own output."""
    outs = await asyncio.gather(*(run(f"/bin/echo {i}") for i in range(200)))
    assert [o.output for o in outs] == [f"{i}\n" for i in range(200)]
    assert all(o.status == RunStatus.SUCCEEDED for o in outs)
    assert spawn.SPAWNS.workers <= spawn.SPAWN_WORKERS
