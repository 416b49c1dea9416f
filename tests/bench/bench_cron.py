"""Throughput of tickwork.cron.next_runs(expr, tz, after, 1) for cached expressions.

Run: ``uv run python tests/bench/bench_cron.py`` (not a pytest test). Target: >= 20,000/s.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tickwork.cron import next_runs

CASES: list[tuple[str, str]] = [
    ("* * * * *", "UTC"),
    ("*/5 * * * *", "America/New_York"),
    ("0 9 * * 1-5", "Europe/London"),
    ("30 2 * * *", "America/New_York"),
    ("0 0 1 * *", "Asia/Kolkata"),
    ("15 10 * * mon#2", "Australia/Lord_Howe"),
    ("0 12 1 * 1", "UTC"),
    ("@daily", "Europe/Berlin"),
    ("@every 1h30m", "America/Sao_Paulo"),
]
TARGET = 20_000


def bench(expression: str, zone: str, seconds: float = 0.5) -> float:
    """Calls per second of next_runs(expression, zone, after, 1) with varying ``after``."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    afters = [base + timedelta(minutes=37 * i, seconds=i % 60) for i in range(5000)]
    next_runs(expression, zone, base, 1)  # warm the caches
    calls = 0
    start = time.perf_counter()
    while True:
        for after in afters[:500]:
            next_runs(expression, zone, after, 1)
        calls += 500
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed
        afters = afters[500:] + afters[:500]


def main() -> None:
    rates = []
    for expression, zone in CASES:
        rate = bench(expression, zone)
        rates.append(rate)
        flag = "" if rate >= TARGET else "  (below target)"
        print(f"{expression!r:24} {zone:22} {rate:10,.0f} /s{flag}")
    mean = len(rates) / sum(1 / r for r in rates)
    print(f"{'harmonic mean':47} {mean:10,.0f} /s  (target {TARGET:,}/s)")


if __name__ == "__main__":
    main()
