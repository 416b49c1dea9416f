"""Helpers for the runner tests: real SQLite files, real runners (in-process and subprocesses)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock, parse_iso, utcnow
from tickwork.runner import RunEvent, Runner
from tickwork.store import Store

from ..conftest import FakeClock

ROOT = Path(__file__).resolve().parents[2]
PY_ACTION: dict[str, str] = {"kind": "python", "target": "builtins:len"}  # fast, succeeds
SECOND = timedelta(seconds=1)


def command(text: str) -> dict[str, str]:
    return {"kind": "command", "command": text}


def add(store: Store, name: str, **fields: Any) -> Schedule:
    """Create a schedule (default: @every 1s with the fast python action)."""
    data: dict[str, Any] = {"name": name, "action": PY_ACTION}
    if "cron" not in fields and "every" not in fields:
        data["every"] = "1s"
    data.update(fields)
    return store.create(data).schedule


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """Read the file through a connection of its own (what another process would see)."""
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def runs_of(db: Path, schedule_id: str) -> list[dict[str, Any]]:
    """The runs of one schedule in (scheduled_for, attempt) order, times parsed."""
    rows = query(
        db,
        "SELECT * FROM runs WHERE schedule_id = ? ORDER BY scheduled_for, attempt, created_at",
        (schedule_id,),
    )
    out = []
    for r in rows:
        d = dict(r)
        for key in ("scheduled_for", "created_at", "started_at", "finished_at", "not_before"):
            d[key] = parse_iso(d[key])
        out.append(d)
    return out


def schedule_row(db: Path, schedule_id: str) -> dict[str, Any]:
    rows = query(db, "SELECT * FROM schedules WHERE id = ?", (schedule_id,))
    assert rows, f"schedule {schedule_id} is gone"
    return dict(rows[0])


def grid_problems(times: list[datetime], step: timedelta = SECOND) -> list[str]:
    """What keeps `times` from being the exact grid first, first+step, ..., last."""
    problems = []
    for a, b in itertools.pairwise(times):
        if b - a != step:
            problems.append(f"{a.time()} -> {b.time()} ({(b - a).total_seconds():g}s)")
    return problems


def process_gone(pid: int) -> bool:
    """No such process, or only a zombie waiting for a reaper."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    state = next((line for line in status.splitlines() if line.startswith("State:")), "")
    return "Z" in state.split()[1:2] or "X" in state.split()[1:2]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


async def async_wait_until(
    predicate: Callable[[], bool], timeout: float, interval: float = 0.05
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    return predicate()


def sleep_until(moment: datetime) -> None:
    delay = (moment - utcnow()).total_seconds()
    if delay > 0:
        time.sleep(delay)


async def async_sleep_until(moment: datetime) -> None:
    delay = (moment - utcnow()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


class Events:
    """Collects a runner's events (on_event)."""

    def __init__(self) -> None:
        self.items: list[RunEvent] = []

    def __call__(self, event: RunEvent) -> None:
        self.items.append(event)

    def kinds(self, schedule_id: str | None = None) -> list[str]:
        return [
            e.kind for e in self.items if schedule_id is None or e.run.schedule_id == schedule_id
        ]

    def notes(self) -> list[str]:
        return [e.detail or "" for e in self.items if e.kind == "warning"]


@asynccontextmanager
async def in_process(
    db: Path | str,
    *,
    clock: Clock = utcnow,
    grace: float = 5.0,
    **options: Any,
) -> AsyncIterator[tuple[Runner, Events]]:
    """A headless Runner on its own connection, running as a task until the block ends."""
    store = await asyncio.to_thread(Store.open, db, clock=clock)
    events = Events()
    options.setdefault("mode", "headless")
    if isinstance(clock, FakeClock):  # the test drives both clocks
        options.setdefault("monotonic", clock.monotonic)
    runner = Runner(store, clock=clock, on_event=events, **options)
    task = asyncio.create_task(runner.run())
    try:
        yield runner, events
        assert not task.done(), f"the runner stopped by itself: {task}"
    finally:
        await runner.stop(grace)
        await asyncio.wait_for(task, timeout=grace + 15)
        await asyncio.to_thread(store.close)


async def cycled(runner: Runner, cycles: int = 2, timeout: float = 60) -> None:
    """Wake the runner until it has run `cycles` more loop cycles (after a test moved its clock:
    the first sees the new time; the second starts what the first made ready)."""
    target = runner.cycles + cycles
    deadline = time.monotonic() + timeout
    while runner.cycles < target:
        assert time.monotonic() < deadline, f"the runner did not cycle ({runner.cycles})"
        runner.wake()
        await asyncio.sleep(0.01)


async def step(runner: Runner, clock: FakeClock, seconds: float = 1.0, cycles: int = 2) -> None:
    """Let `seconds` pass (both clocks) and the runner see it."""
    clock.advance(seconds)
    await cycled(runner, cycles)


class RunnerProcess:
    """`python -m tickwork run` in a subprocess, its stdout in a file."""

    def __init__(
        self, db: Path | str, log: Path, *args: str, env: dict[str, str] | None = None
    ) -> None:
        self.log = log
        env = {**os.environ, "TICKWORK_DB": str(db), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tickwork", "run", "--db", str(db), *args],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.out.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self.out.close()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., RunnerProcess]]:
    """Start runner subprocesses; any left running at the end are killed."""
    started: list[RunnerProcess] = []

    def start(db: Path | str, *args: str, **options: Any) -> RunnerProcess:
        p = RunnerProcess(db, tmp_path / f"runner{len(started) + 1}.log", *args, **options)
        started.append(p)
        return p

    yield start
    for p in started:
        if p.proc.poll() is None:
            p.kill()
        p.out.close()


def cli(db: Path | str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m tickwork ARGS` as a real process."""
    env = {**os.environ, "TICKWORK_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "tickwork", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
