"""A runner's lease (who, where: host and pid) and whether a runner of this host is still alive.

A runner that missed its lease may be dead (kill -9, a crash) or only stopped (SIGSTOP, a
debugger, a frozen container): on the same host the two are told apart by its process, before
anything of it is killed or run again. Linux (/proc); elsewhere a missed lease means dead.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickwork.domain import spec
from tickwork.domain.runs import RunnerLease

PROC = Path("/proc")
START_SLACK = timedelta(seconds=5)  # the process start (from /proc) vs the lease's start
HOSTNAME_ENV = "TICKWORK_HOSTNAME"


def this_host() -> str:
    """The name this runner's lease and runs carry: $TICKWORK_HOSTNAME, else the machine's.
    Runners of one host judge each other by their processes; of other hosts, by leases alone
    (the override lets containers that share a hostname, or a test, be hosts of their own)."""
    return os.environ.get(HOSTNAME_ENV, "").strip() or socket.gethostname()


def new_lease(mode: str, now: datetime, state: str) -> RunnerLease:
    return RunnerLease(
        id=spec.new_id("rnr_"),
        host=this_host(),
        pid=os.getpid(),
        mode=mode,
        state=state,
        started_at=now,
        heartbeat_at=now,
        expires_at=now,
    )


def _boot_time() -> float | None:
    try:
        for line in (PROC / "stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def _process(pid: int) -> tuple[str, float] | None:
    """(state letter, start time as a Unix time) of a process, or None if there is none."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # "pid (comm) state ppid ..."; comm may hold ")"
    boot = _boot_time()
    if len(fields) < 20 or boot is None:
        return None
    return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def runner_alive(lease: RunnerLease) -> bool:
    """Whether the process of `lease` (a runner of this host) still exists, stopped or not, and
    is the one that took the lease (not a later process that reused its pid)."""
    if lease.pid == os.getpid() or not PROC.is_dir():
        return lease.pid == os.getpid()
    found = _process(lease.pid)
    if found is None:
        return False
    state, started = found
    if state in ("Z", "X"):  # a zombie: dead, waiting for its parent
        return False
    started_at = datetime.fromtimestamp(started, UTC)
    return started_at <= lease.started_at + START_SLACK
