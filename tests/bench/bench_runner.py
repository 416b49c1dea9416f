"""Sustained fires/second of headless runners sharing one SQLite file, and claim latency.

Run: ``uv run python tests/bench/bench_runner.py [--schedules 200] [--seconds 10]`` (not a pytest
test). For one and then two ``tickwork run`` processes: 200 ``@every 1s`` schedules with a Python
action, measured over a window after the runners are up. Latency is started_at - scheduled_for.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickwork.domain.timeutil import iso, parse_iso
from tickwork.store import Store

ROOT = Path(__file__).resolve().parents[2]
ACTION = {"kind": "python", "target": "builtins:len"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench(runners: int, schedules: int, seconds: float, concurrency: int) -> dict[str, float | str]:
    tmp = Path(tempfile.mkdtemp(prefix="tickwork-bench-"))
    db = tmp / "bench.db"
    with Store.open(db) as store:
        for i in range(schedules):
            store.create({"name": f"b{i:04}", "every": "1s", "catchup": "all", "action": ACTION})
    env = {**os.environ, "TICKWORK_DB": str(db)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tickwork", "run", "--max-concurrency", str(concurrency)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(runners)
    ]
    conn = sqlite3.connect(db, timeout=30)
    try:
        while conn.execute("SELECT count(*) FROM runners").fetchone()[0] < runners:
            time.sleep(0.05)
        time.sleep(2.0)  # past the start-up backlog
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        end = start + timedelta(seconds=seconds)
        time.sleep((end - datetime.now(UTC)).total_seconds() + 1.5)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(60) for p in procs]
    rows = conn.execute(
        "SELECT scheduled_for, started_at, status, runner_id FROM runs "
        "WHERE scheduled_for >= ? AND scheduled_for < ?",
        (iso(start), iso(end)),
    ).fetchall()
    conn.close()
    latencies = []
    for scheduled, began, _status, _runner in rows:
        s, b = parse_iso(scheduled), parse_iso(began)
        if s is not None and b is not None:
            latencies.append((b - s).total_seconds() * 1000)
    statuses = Counter(r[2] for r in rows)
    split = sorted(Counter(r[3] for r in rows).values(), reverse=True)
    expected = schedules * seconds
    return {
        "runners": runners,
        "fires_per_s": len(rows) / seconds,
        "complete": len(rows) / expected,
        "succeeded": statuses.get("succeeded", 0) / max(1, len(rows)),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": percentile(latencies, 0.95) if latencies else float("nan"),
        "max_ms": max(latencies) if latencies else float("nan"),
        "split": "/".join(str(n) for n in split) or "-",
        "exit": ",".join(str(c) for c in codes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-concurrency", type=int, default=8)
    args = parser.parse_args()
    print(
        f"{args.schedules} x @every 1s python action, {args.seconds:g} s window, "
        f"--max-concurrency {args.max_concurrency}"
    )
    print(
        f"{'runners':>7} {'fires/s':>8} {'complete':>9} {'ok':>6} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  claims split  exit"
    )
    for n in (1, 2):
        r = bench(n, args.schedules, args.seconds, args.max_concurrency)
        print(
            f"{r['runners']:>7} {r['fires_per_s']:>8.1f} {r['complete']:>8.1%} "
            f"{r['succeeded']:>6.1%} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['max_ms']:>7.1f}  {r['split']:<12}  {r['exit']}"
        )


if __name__ == "__main__":
    main()
