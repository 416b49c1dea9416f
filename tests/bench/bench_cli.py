"""Benchmark: wall time of CLI commands on 1,000 and 100,000 schedules, as whole processes.

Run: uv run python tests/bench/bench_cli.py [--repeats 5] [--big 100000]

Each figure is the median of `--repeats` runs of `python -m tickwork ...` (after one warm-up),
beside the interpreter's own start (`python -c pass`). The bytecode of tickwork and of the
environment is compiled first (as an install with its .pyc; where PYTHONDONTWRITEBYTECODE is set
nothing would write it, and every run would compile what it imports). The databases are fresh:
every next_run_at lies ahead, as a runner keeps them; `next` is also timed on a file nobody ran
for an hour (every frequent schedule overdue, so each of those must be looked at).
"""

from __future__ import annotations

import argparse
import compileall
import site
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickwork.domain import spec
from tickwork.domain.model import CommandAction
from tickwork.store import Store
from tickwork.store.rows import SCHEDULE_COLUMNS, to_row

EXPRESSIONS = ["0 9 * * 1-5", "*/5 * * * *", "30 2 * * *", "@hourly", "@every 90s", "15 10 1 * *"]
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"]


def build(path: Path, n: int, created: datetime) -> None:
    bases = {}
    for e in range(len(EXPRESSIONS)):
        for z in range(len(ZONES)):
            bases[e, z] = spec.build(
                {
                    "name": "job",
                    "cron": EXPRESSIONS[e],
                    "timezone": ZONES[z],
                    "action": {"kind": "command", "command": "echo"},
                },
                created,
            )
    rows = []
    for i in range(n):
        base = bases[i % len(EXPRESSIONS), i % len(ZONES)]
        s = replace(
            base,
            id=f"sched_bench{i:08d}",
            name=f"job-{i:06d}",
            external_id=f"cust-{i % 977}",
            action=CommandAction(command=f"echo {i}"),
        )
        row = to_row(s)
        rows.append([row[c] for c in SCHEDULE_COLUMNS])
    marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
    with Store.open(path) as store, store.write() as conn:
        conn.executemany(
            f"INSERT INTO schedules ({', '.join(SCHEDULE_COLUMNS)}) VALUES ({marks})", rows
        )


def timed(argv: list[str], repeats: int, warmup: int = 1) -> float:
    """Median wall seconds of a whole process (after `warmup` runs)."""
    times = []
    for i in range(repeats + warmup):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    tw = [sys.executable, "-m", "tickwork"]
    r = args.repeats
    for folder in [str(Path(__file__).resolve().parents[2] / "src"), *site.getsitepackages()]:
        compileall.compile_dir(folder, quiet=2)
    with tempfile.TemporaryDirectory() as tmp:
        now = datetime.now(UTC)
        small, big, stale = Path(tmp) / "1k.db", Path(tmp) / "big.db", Path(tmp) / "stale.db"
        build(small, 1_000, now)
        build(big, args.big, now)
        build(stale, args.big, now - timedelta(hours=1))
        base = timed([sys.executable, "-c", "pass"], r)
        rows = [
            ("tickwork --help", timed([*tw, "--help"], r)),
            ("tickwork list, 1,000", timed([*tw, "--db", str(small), "list"], r)),
            ("tickwork list --json, 1,000", timed([*tw, "--db", str(small), "list", "--json"], r)),
            (
                "tickwork next --hours 24 --json, 1,000",
                timed([*tw, "--db", str(small), "next", "--hours", "24", "--json"], r),
            ),
            (
                f"tickwork list --json, {args.big:,}",
                timed([*tw, "--db", str(big), "list", "--json"], max(1, r // 2), 0),
            ),
            (
                f"tickwork next --hours 24 --json, {args.big:,}",
                timed(
                    [*tw, "--db", str(big), "next", "--hours", "24", "--json"], max(1, r // 2), 0
                ),
            ),
            (
                f"tickwork next --hours 24 --json, {args.big:,} nobody ran for an hour",
                timed([*tw, "--db", str(stale), "next", "--hours", "24", "--json"], 1, 0),
            ),
        ]
    print(f"python -c pass (the interpreter's own start): {base * 1000:.0f} ms")
    for name, t in rows:
        print(f"{name:<50} {t * 1000:8.0f} ms   ({(t - base) * 1000:.0f} ms over the interpreter)")


if __name__ == "__main__":
    main()
