"""A real `tickwork serve` in a subprocess on a free port of 127.0.0.1, for the serve tests."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

URL_LINE = re.compile(r"tickwork UI on (\S+) \(listening on \S+:(\d+),")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str  # as printed (with ?token=...)
    port: int  # where it listens
    stderr_path: Path

    @property
    def base(self) -> str:
        return self.url.split("?", 1)[0]

    @property
    def token(self) -> str:
        return self.url.split("?token=", 1)[1]

    @property
    def local(self) -> str:
        """http://127.0.0.1:PORT/ whatever host name was printed."""
        return f"http://127.0.0.1:{self.port}/"

    def stderr(self) -> str:
        return self.stderr_path.read_text()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # its UI sessions
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def serving(
    db: Path, *args: str, env: dict[str, str] | None = None, deadline: float = 60.0
) -> Iterator[Served]:
    """Start `tickwork --db DB serve --port 0 ARGS`, wait for its URL line, stop it after."""
    stderr_path = db.parent / f"serve-{os.getpid()}-{time.monotonic_ns()}.err"
    full_env = {**os.environ, **(env or {})}
    with stderr_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "tickwork", "--db", str(db), "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=full_env,
            start_new_session=True,
        )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:  # readline blocks: a thread keeps the deadline honest
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    try:
        limit = time.monotonic() + deadline
        url, port = None, 0
        while url is None:
            try:
                line = lines.get(timeout=max(0.1, limit - time.monotonic()))
            except queue.Empty:
                raise AssertionError("serve printed no URL in time") from None
            if not line:
                raise AssertionError(
                    f"serve exited {process.wait()} before printing its URL: "
                    + stderr_path.read_text()
                )
            match = URL_LINE.search(line)
            if match:
                url, port = match.group(1), int(match.group(2))
        yield Served(process, url, port, stderr_path)
    finally:
        _stop(process)


def descendants(pid: int) -> list[int]:
    """The pids of a process's children, grandchildren, ... (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def environ_of(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}
