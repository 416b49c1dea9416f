"""How a command starts (runner/spawn.py): posix_spawn in a new session, the exit seen through a
pidfd, and the fallbacks (subprocess.Popen for a working directory, a thread without pidfds)
giving the same process, group, pipe and exit status. Real /bin/sh children throughout."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from tickwork.domain.model import CommandAction
from tickwork.domain.status import RunStatus
from tickwork.runner import spawn
from tickwork.runner.actions import Outcome, execute

from .actions_support import make_ctx

ROOT = Path(__file__).resolve().parents[1]

# (how it starts, how its exit is seen)
# posix_spawn: libc's, from a worker thread (runner/libc_spawn.py); here: os.posix_spawn on the
# loop's thread (TICKWORK_SPAWN_THREADS=0, or where libc_spawn cannot be used)
WAYS = [
    ("posix_spawn", "pidfd"),
    ("posix_spawn-here", "pidfd"),
    ("popen", "pidfd"),
    ("posix_spawn", "thread"),
]


@pytest.fixture(params=WAYS, ids=["-".join(w) for w in WAYS])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    start, exit_seen = request.param
    if start == "posix_spawn-here":
        monkeypatch.setenv(spawn.IN_THREADS, "0")
    if start == "popen":  # as where posix_spawn cannot make a session
        monkeypatch.setattr(spawn, "_posix_spawn_sessions", False)
    if exit_seen == "thread":  # as on a kernel without pidfd_open (< 5.3)

        def no_pidfd(pid: int, flags: int = 0) -> int:
            raise OSError(errno.ENOSYS, "Function not implemented")

        monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    return start, exit_seen


async def run(command: str, **kwargs: Any) -> tuple[Outcome, list[int]]:
    pids: list[int] = []
    kwargs.setdefault("timeout", 30)
    cwd = kwargs.pop("cwd", None)
    out = await execute(CommandAction(command, cwd=cwd), make_ctx(), on_start=pids.append, **kwargs)
    return out, pids


def reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


async def group_gone(pgid: int, within: float = 30.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while group_members(pgid):
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_each_way_starts_the_same_process(way: tuple[str, str], tmp_path: Path) -> None:
    cwd = str(tmp_path) if way[0] == "popen" else None
    # pid, process group and session of the shell; its ignored signals; its stdin
    probe = (
        'set -- $(cut -d")" -f2 /proc/$$/stat); echo "$$ $3 $4"; '
        "grep SigIgn /proc/$$/status; "
        "readlink /proc/$$/fd/0; echo out; echo err >&2"
    )
    out, pids = await run(probe, cwd=cwd)
    assert out.status == RunStatus.SUCCEEDED and out.exit_code == 0, out
    ids, ignored, stdin, *rest = out.output.splitlines()
    pid, pgrp, session = map(int, ids.split())
    assert pids == [pid] and pgrp == pid and session == pid  # a new session, leading its group
    mask = int(ignored.split()[1], 16)
    assert not mask & (1 << (signal.SIGPIPE - 1)), "SIGPIPE must be back to its default"
    assert stdin == "/dev/null" and rest == ["out", "err"]
    assert reaped(pid)  # no zombie left behind

    three, pids = await run("echo partial; exit 3", cwd=cwd)
    assert (three.status, three.exit_code, three.error) == (RunStatus.FAILED, 3, "exit code 3")
    assert three.output == "partial\n" and reaped(pids[0])
    killed, pids = await run("kill -TERM $$", cwd=cwd)
    assert (killed.exit_code, killed.error) == (-15, "killed by signal SIGTERM")
    assert reaped(pids[0])

    late, pids = await run("sleep 100 & echo $!; sleep 100", cwd=cwd, timeout=0.5, kill_grace=1)
    assert late.status == RunStatus.TIMED_OUT and late.error == "timed out after 0.5s"
    assert await group_gone(pids[0]) and reaped(pids[0])


async def test_a_shell_that_cannot_start_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spawn, "SHELL", "/nonexistent/tickwork-sh")
    out, pids = await run("true")
    assert out.status == RunStatus.FAILED and pids == []
    assert out.error is not None and out.error.startswith("cannot start command: ")
    assert "No such file or directory" in out.error


async def test_no_thread_per_command() -> None:
    """A herd of commands runs on the loop: the exits come through pidfds, not watcher threads
    (the starts: a few worker threads, however many commands)."""
    before = threading.active_count()
    counts: list[int] = []

    async def one() -> Outcome:
        out = await execute(
            CommandAction("sleep 0.3"),
            make_ctx(),
            timeout=60,
            on_start=lambda pid: counts.append(threading.active_count()),
        )
        return out

    outs = await asyncio.gather(*(one() for _ in range(30)))
    assert all(o.status == RunStatus.SUCCEEDED for o in outs)
    assert len(counts) == 30 and max(counts) <= before + spawn.SPAWN_WORKERS


@pytest.mark.parametrize("attempt", range(4))
async def test_cancelled_the_moment_it_started_leaves_no_process(attempt: int) -> None:
    """Cancelled before the shell ran a single command: the group is the session the spawn made,
    so what the shell goes on to start (a busy machine lets it run ahead) is stopped with it."""
    pids: list[int] = []

    async def command() -> Outcome:
        def started(pid: int) -> None:
            pids.append(pid)
            task.cancel()  # lands at the action's first await: it has just started

        return await execute(
            CommandAction("sleep 100 & sleep 100 & sleep 100"),
            make_ctx(),
            timeout=60,
            kill_grace=0.5,
            on_start=started,
        )

    task = asyncio.create_task(command())
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 60)
    assert len(pids) == 1
    assert await group_gone(pids[0]) and reaped(pids[0])


SEALED = textwrap.dedent(
    """
    import asyncio, json, sys
    from datetime import UTC, datetime
    from tickwork.domain.model import CommandAction
    from tickwork.runner.actions import execute
    from tickwork.runner.payload import RunContext

    fd, cwd = int(sys.argv[1]), sys.argv[2] or None
    ctx = RunContext("s", "s", "r", datetime.now(UTC), 1, "UTC")
    probe = f"[ -e /proc/$$/fd/{fd} ] && echo inherited || echo closed"

    async def main():
        outs = [await execute(CommandAction(probe, cwd=cwd), ctx, timeout=30) for _ in "ab"]
        print(json.dumps([o.output.strip() for o in outs]))

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("with_cwd", [False, True], ids=["posix_spawn", "popen"])
def test_descriptors_the_runner_holds_do_not_reach_commands(with_cwd: bool, tmp_path: Path) -> None:
    """A descriptor the runner was started with (inheritable) is not passed on to commands, as
    subprocess's close_fds would have it."""
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    try:
        done = subprocess.run(
            [sys.executable, "-c", SEALED, str(write_end), str(tmp_path) if with_cwd else ""],
            pass_fds=(write_end,),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(read_end)
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["closed", "closed"]
