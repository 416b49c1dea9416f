"""Operating figures at scale: what a /metrics scrape and `tickwork doctor` cost.

    uv run python tests/bench/bench_ops.py [--rows 100000] [--repeat 7]

Builds a database of `rows` schedules (tests/bench/bench_ui.py's builder), then measures (medians):
  * the schedule gauges' COUNT pass (store query, what a scrape runs at most every 15 s);
  * a whole /metrics scrape over HTTP with the counts cached, with no per-schedule series, and
    with --metrics-per-schedule after every schedule succeeded once;
  * `tickwork doctor --json` as a process (integrity check included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ui import build_database

from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.runner.endpoint import MetricsServer
from tickwork.runner.health import Health
from tickwork.runner.metrics import RunnerMetrics, schedule_counts
from tickwork.runner.service import RunEvent
from tickwork.store import Store

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def median_ms(fn: object, repeat: int) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ops.db"
        build_database(db, args.rows)
        store = Store.open(db)
        print(f"{args.rows} schedules", flush=True)
        ms = median_ms(lambda: schedule_counts(store), args.repeat)
        print(f"schedule gauges (one COUNT pass): median {ms:.1f} ms")
        metrics = RunnerMetrics(
            store, state=lambda: "active", in_flight=lambda: 0, per_schedule=True
        )
        server = MetricsServer("127.0.0.1", 0, metrics, lambda: Health(ok=True, state="active"))
        server.start()
        url = f"http://127.0.0.1:{server.address[1]}/metrics"
        with httpx.Client(timeout=300) as client:
            client.get(url)  # fills the count cache
            ms = median_ms(lambda: client.get(url), args.repeat)
            size = len(client.get(url).content)
            print(f"scrape, no per-schedule series: median {ms:.1f} ms, {size} bytes")
            for i in range(args.rows):
                run = Run(
                    id=f"run_{i}",
                    schedule_id=f"sched_{i:07d}",
                    scheduled_for=NOW,
                    attempt=1,
                    trigger=Trigger.SCHEDULE,
                    status=RunStatus.SUCCEEDED,
                    created_at=NOW,
                    finished_at=NOW,
                    duration=0.1,
                )
                metrics.on_event(RunEvent("succeeded", run, f"job-{i}"))
            ms = median_ms(lambda: client.get(url), args.repeat)
            size = len(client.get(url).content)
            print(f"scrape, a last-success series per schedule: median {ms:.1f} ms, {size} bytes")
        server.stop()
        store.close()
        cmd = [sys.executable, "-m", "tickwork", "--db", str(db), "doctor", "--json"]
        ms = median_ms(lambda: subprocess.run(cmd, capture_output=True, check=False), 3)
        print(f"tickwork doctor --json (process, integrity check included): median {ms:.0f} ms")


if __name__ == "__main__":
    main()
