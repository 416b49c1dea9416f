"""Finding and killing the processes of a run whose runner died (kill -9, power cut).

Every process a command starts inherits TICKWORK_RUN_ID, so scanning /proc for that variable finds
the whole tree even after its process group leader is gone. Linux only; elsewhere it does nothing.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tickwork.domain.runs import Run
from tickwork.runner.liveness import this_host

PROC = Path("/proc")


def _pids_of_run(run_id: str) -> list[int]:
    needle = f"TICKWORK_RUN_ID={run_id}".encode()
    found: list[int] = []
    for entry in PROC.iterdir() if PROC.is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_run_processes(run: Run) -> int:
    """SIGKILL every process still carrying this run's id, on this host. Returns how many."""
    if run.host not in (None, this_host()) or run.id == "-":
        return 0
    killed = 0
    for pid in _pids_of_run(run.id):
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            continue
        except PermissionError:
            continue
    return killed
