"""Benchmark: wall time of `tickwork list --json` with 1,000 and 100,000 schedules.

Run: uv run python tests/bench/bench_cli.py   (target: <= 300 ms at 1,000 schedules)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickwork.domain import spec
from tickwork.store import Store
from tickwork.store.rows import SCHEDULE_COLUMNS, to_row

EXPRESSIONS = ["0 9 * * 1-5", "*/5 * * * *", "30 2 * * *", "@hourly", "@every 90s", "15 10 1 * *"]
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"]


def build(path: Path, n: int) -> None:
    now = datetime.now(UTC)
    store = Store.open(path)
    rows = []
    for i in range(n):
        base = spec.build(
            {
                "name": f"job-{i:06d}",
                "cron": EXPRESSIONS[i % len(EXPRESSIONS)],
                "timezone": ZONES[i % len(ZONES)],
                "action": {"kind": "command", "command": f"echo {i}"},
                "external_id": f"cust-{i % 977}",
            },
            now - timedelta(seconds=i % 3600),
        )
        row = to_row(replace(base, id=f"sched_bench{i:08d}"))
        rows.append([row[c] for c in SCHEDULE_COLUMNS])
    marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
    with store.write() as conn:
        conn.executemany(
            f"INSERT INTO schedules ({', '.join(SCHEDULE_COLUMNS)}) VALUES ({marks})", rows
        )
    store.close()


def time_list(path: Path, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tickwork", "--db", str(path), "list", "--json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = time_list(Path(tmp) / "empty.db", 3)
        print(
            f"interpreter + CLI start-up (empty db): median {statistics.median(base) * 1000:.0f} ms"
        )
        for n, repeats in ((1_000, 7), (100_000, 3)):
            path = Path(tmp) / f"b{n}.db"
            t0 = time.perf_counter()
            build(path, n)
            print(f"built {n:,} schedules in {time.perf_counter() - t0:.1f} s")
            times = time_list(path, repeats)
            med = statistics.median(times) * 1000
            print(
                f"tickwork list --json, {n:>7,} schedules: median {med:.0f} ms"
                f" (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {repeats} runs)"
            )
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tickwork", "--help"], check=True, stdout=subprocess.DEVNULL
        )
        print(f"tickwork --help: {(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
