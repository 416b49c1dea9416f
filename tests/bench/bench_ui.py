"""UI latency with 100,000 schedules. A script, not a pytest test:

    uv run python tests/bench/bench_ui.py [--rows 100000] [--keep PATH]

Builds the database fast (rows from tickwork.store.rows.to_row, one executemany), then drives the
real app with Pilot and prints:
  * first screen: app start -> the table has painted its first rows;
  * cursor moves (down, pagedown, end): key -> table repainted, and -> the row's data shown;
  * filter keystrokes: key sent -> the input repainted, and -> the filtered rows shown.
Targets: first screen <= 1 s; cursor / filter repaint <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tickwork.domain import spec
from tickwork.domain.model import CommandAction
from tickwork.domain.status import RunStatus
from tickwork.store import Store
from tickwork.store.rows import SCHEDULE_COLUMNS, to_row
from tickwork.ui.app import create_app
from tickwork.ui.widgets.schedules.pager import PageCache
from tickwork.ui.widgets.schedules.table import ScheduleTable

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TARGET_START = 1.0
TARGET_REPAINT = 0.050
TEMPLATES = [
    ("*/5 * * * *", "UTC"),
    ("0 9 * * 1-5", "Europe/London"),
    ("30 2 * * *", "America/New_York"),
    ("@every 30s", "UTC"),
    ("15 */2 * * *", "Asia/Tokyo"),
    ("0 0 1 * *", "Europe/Berlin"),
    ("@every 1h30m", "Australia/Sydney"),
    ("*/15 8-18 * * *", "America/Los_Angeles"),
]


def build_database(path: Path, rows: int) -> float:
    """Insert `rows` schedules in one transaction; returns seconds taken."""
    started = time.perf_counter()
    store = Store.open(path, clock=lambda: NOW)
    templates = []
    for expr, tz in TEMPLATES:
        key = "every" if expr.startswith("@every") else "cron"
        value = expr.removeprefix("@every ") if key == "every" else expr
        data = {
            "name": "t",
            key: value,
            "timezone": tz,
            "action": {"kind": "command", "command": "echo hi"},
        }
        templates.append(spec.build(data, NOW))
    cols = ", ".join(SCHEDULE_COLUMNS)
    marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
    batch: list[list[Any]] = []
    for i in range(rows):
        t = templates[i % len(templates)]
        s = replace(
            t,
            id=f"sched_{i:07d}",
            name=f"job-{(i * 7919) % rows:06d}",
            external_id=f"ext-{i}" if i % 10 == 0 else None,
            next_run_at=(t.next_run_at or NOW) + timedelta(seconds=(i * 37) % 86400),
            active=i % 20 != 0,
            last_status=RunStatus.FAILED
            if i % 500 == 0
            else (RunStatus.SUCCEEDED if i % 3 else None),
            action=CommandAction(command=f"echo {i}"),
        )
        if not s.active:
            s = replace(s, next_run_at=None, status_reason="paused")
        row = to_row(s)
        batch.append([row[c] for c in SCHEDULE_COLUMNS])
    with store.write() as conn:
        conn.executemany(f"INSERT INTO schedules ({cols}) VALUES ({marks})", batch)
    store.close()
    return time.perf_counter() - started


class Stamps:
    """Moments something happened (a wrapped method was called), to find the first after t."""

    def __init__(self, cls: type[Any], method: str) -> None:
        self.times: deque[float] = deque(maxlen=5000)
        original: Callable[..., Any] = getattr(cls, method)

        def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
            self.times.append(time.perf_counter())
            return original(obj, *args, **kwargs)

        setattr(cls, method, wrapper)

    def first_after(self, t: float) -> float | None:
        return next((x for x in self.times if x > t), None)

    async def wait_after(self, t: float, timeout: float = 10.0) -> float:
        await wait_for(lambda: self.first_after(t) is not None, timeout)
        found = self.first_after(t)
        assert found is not None
        return found


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    """Poll until condition() holds; returns perf_counter() at that moment."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.001)
    return time.perf_counter()


def summary(name: str, samples: list[float], target: float | None = None) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    verdict = ""
    if target is not None:
        verdict = "  OK" if p95 <= target * 1000 else f"  OVER target {target * 1000:.0f} ms"
    return (
        f"{name:<34} n={len(ms):<3} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {ms[-1]:7.1f} ms{verdict}"
    )


TABLE_PAINT = Stamps(ScheduleTable, "render_line")
INPUT_PAINT = Stamps(Input, "render_line")
PAGE_LANDED = Stamps(PageCache, "put")
RESULT_LANDED = Stamps(PageCache, "reset")


async def measure_cursor(
    pilot: Pilot[Any], table: ScheduleTable, key: str, n: int
) -> tuple[list[float], list[float]]:
    """(key -> first repaint, key -> the highlighted row's data painted) for n presses."""
    repaint, data = [], []
    for _ in range(n):
        sent = time.perf_counter()
        await pilot.press(key)
        repaint.append(await TABLE_PAINT.wait_after(sent) - sent)
        await wait_for(lambda: table.current is not None)
        landed = PAGE_LANDED.first_after(sent) or sent  # None: its page was cached already
        data.append(await TABLE_PAINT.wait_after(landed) - sent)
    return repaint, data


async def run(path: Path) -> None:
    started = time.perf_counter()
    app = create_app(path, clock=lambda: NOW, runner=False)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(ScheduleTable)
        await wait_for(lambda: table.pager.loaded and table.pager.row(0) is not None)
        landed = RESULT_LANDED.first_after(started)
        assert landed is not None
        first = await TABLE_PAINT.wait_after(landed)
        print(
            f"{'first screen (start -> rows painted)':<34} {(first - started) * 1000:7.1f} ms"
            f"{'  OK' if first - started <= TARGET_START else '  OVER target 1000 ms'}"
        )
        print(f"{'rows':<34} {table.pager.total:,}")
        await pilot.pause(0.3)

        for key, n in (("down", 60), ("pagedown", 30), ("up", 30), ("pageup", 10)):
            repaint, data = await measure_cursor(pilot, table, key, n)
            print(summary(f"cursor {key}: repaint", repaint, TARGET_REPAINT))
            print(summary(f"cursor {key}: row data shown", data))
        repaint, data = await measure_cursor(pilot, table, "end", 1)
        print(summary("cursor end (deep page): repaint", repaint, TARGET_REPAINT))
        print(summary("cursor end (deep page): data shown", data))
        await pilot.press("home")
        await pilot.pause(0.5)

        await pilot.press("slash")
        await pilot.pause(0.2)
        key_paint: list[float] = []
        results: list[float] = []
        typed = ""
        for ch in "job-01":
            typed += ch
            sent = time.perf_counter()
            await pilot.press(ch)
            key_paint.append(await INPUT_PAINT.wait_after(sent) - sent)
            await wait_for(lambda t=typed: table.shown_query.search == t)  # type: ignore[misc]
            landed = RESULT_LANDED.first_after(sent)
            assert landed is not None
            results.append(await TABLE_PAINT.wait_after(landed) - sent)
        print(summary("filter key: input repaint", key_paint, TARGET_REPAINT))
        print(summary("filter key: results shown", results))
        print(f"{'filter result':<34} {table.pager.total:,} rows match {typed!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        if not path.exists():
            took = build_database(path, args.rows)
            print(f"{'built database':<34} {args.rows:,} rows in {took:.1f} s")
        asyncio.run(run(path))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
