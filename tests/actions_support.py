"""Shared pieces of the action tests: a run context, process checks, a recording HTTP server."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tickwork.runner.payload import RunContext

SCHEDULED = datetime(2026, 4, 21, 23, 0, tzinfo=UTC)
LAST = datetime(2026, 4, 20, 23, 0, tzinfo=UTC)
UPCOMING = (datetime(2026, 4, 22, 23, 0, tzinfo=UTC), datetime(2026, 4, 23, 23, 0, tzinfo=UTC))


def make_ctx(**changes: Any) -> RunContext:
    fields: dict[str, Any] = {
        "schedule_id": "sch_1",
        "schedule_name": "nightly backup",
        "run_id": "run_abc",
        "scheduled_for": SCHEDULED,
        "attempt": 2,
        "timezone": "Europe/Paris",
        "last_run_at": LAST,
        "external_id": "ext-9",
        "upcoming": UPCOMING,
    }
    fields.update(changes)
    return RunContext(**fields)


EXPECTED_PAYLOAD = {
    "schedule_id": "sch_1",
    "run_id": "run_abc",
    "scheduled_for": "2026-04-21T23:00:00+00:00",
    "last_run_at": "2026-04-20T23:00:00+00:00",
    "external_id": "ext-9",
    "timezone": "Europe/Paris",
    "upcoming": ["2026-04-22T23:00:00+00:00", "2026-04-23T23:00:00+00:00"],
    "attempt": 2,
    "schedule_name": "nightly backup",
}


_START_TIMES: dict[int, str] = {}


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # comm may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else None


def gone(pid: int, within: float = 30.0) -> bool:
    """True once the process no longer runs (absent, a zombie nobody reaped yet, or its pid now
    names another process: on a busy machine pids wrap around within seconds)."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        started = _START_TIMES.get(pid)
        if started is not None and _start_time(pid) not in (started, None):
            return True  # the pid was reused: the process we knew is gone
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return True
        state = next((ln for ln in status.splitlines() if ln.startswith("State:")), "State: ?")
        if state.split()[1] in ("Z", "X"):  # dead, waiting for a reaper
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


async def read_pid(path: Path, within: float = 30.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text:
            pid = int(text)
            if (started := _start_time(pid)) is not None:
                _START_TIMES[pid] = started  # so that gone() can tell a reused pid
            return pid
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} was never written")


def independent_signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification written from the spec, without tickwork code."""
    key = base64.b64decode(secret[len("whsec_") :])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(s == f"v1,{expected}" for s in headers["webhook-signature"].split(" "))


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[Recorded] = []
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on /slow are expected


class Handler(BaseHTTPRequestHandler):
    server: RecordingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append(Recorded(self.command, self.path, headers, body))
        if self.path == "/ok":
            self._reply(200, b"hello")
        elif self.path == "/created":
            self._reply(201, b"")
        elif self.path == "/fail":
            self._reply(500, b"boom")
        elif self.path == "/redirect":
            self._reply(302, b"moved", {"Location": "/ok"})
        elif self.path == "/big":
            self._reply(200, b"B" + b"x" * 199_998 + b"E")
        elif self.path == "/slow":
            self.server.stop.wait(5)
            self._reply(200, b"late")
        else:
            self._reply(404, b"no route")

    do_GET = do_POST = do_PUT = do_DELETE = _handle
