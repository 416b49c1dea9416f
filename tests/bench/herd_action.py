"""What a herd fire does in tests/bench/bench_herd.py: record when it started, and for whom.

`stamp(payload)` is the python action (tickwork calls it with its payload; the APScheduler peer
with ``{"schedule_id": ...}``): one line ``<epoch seconds> <schedule id> <scheduled_for or ->``
appended to the file
named by $HERD_OUT with one write(2) on an O_APPEND descriptor, so concurrent writers never mix
lines. herd_stamp.c does the same for command actions, from inside the started process.
"""

from __future__ import annotations

import os
import time
from typing import Any

_fd: int | None = None


def _out() -> int:
    global _fd
    if _fd is None:
        _fd = os.open(os.environ["HERD_OUT"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    return _fd


def stamp(payload: dict[str, Any]) -> None:
    now = time.time()
    sid, due = payload.get("schedule_id", "-"), payload.get("scheduled_for") or "-"
    os.write(_out(), f"{now:.6f} {sid} {due}\n".encode())
