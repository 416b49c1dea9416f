"""Compare tickwork.cron with the classic-cron model (tests/cron_oracle.py) on many cases.

Run: uv run python tests/bench/cron_vs_classic.py [--cases 20000] [--seed 1]
Each case: a random expression, a random zone of the IANA database, a 30-hour window
around one of its offset changes (1970-2037, whole-minute offsets); it counts the cases
where tickwork's fires differ from what cronie's main loop fires.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import cron_oracle as oracle

from tickwork import cron
from tickwork.domain.timezones import all_timezones


def field(rng: random.Random, low: int, high: int) -> str:
    def v() -> int:
        return rng.randint(low, high)

    kind = rng.randrange(12)
    a, b = v(), v()
    while b == a:
        b = v()
    step = rng.randint(1, max(2, (high - low) // 2))
    return [
        "*",
        str(a),
        f"*/{step}",
        f"{min(a, b)}-{max(a, b)}",
        f"{a}-{b}",
        f"{min(a, b)}-{max(a, b)}/{step}",
        ",".join(str(x) for x in sorted({a, b, v()})),
        f"{a}/{step}",
        f"{low}-{high}",
        f"*,{a}",
        f"{a},*",
        "*" if rng.random() < 0.5 else str(a),
    ][kind]


def expression(rng: random.Random) -> str:
    while True:
        if rng.random() < 0.05:
            return rng.choice(sorted(cron.MACROS))
        text = " ".join(
            [
                field(rng, 0, 59),
                field(rng, 0, 23),
                rng.choice([field(rng, 1, 31), "L", "1,L"]),
                field(rng, 1, 12),
                rng.choice([field(rng, 0, 7), "mon-fri", "fri-mon", "5#2", "5L"]),
            ]
        )
        if ("#" in text or text.endswith("L")) and text.split()[2] != "*":
            continue
        try:
            cron.validate(text)
        except cron.CronError:
            continue
        return text


def changes(zone_name: str) -> list[datetime]:
    zone = ZoneInfo(zone_name)
    out = []
    start, end = datetime(1970, 1, 1, tzinfo=UTC), datetime(2037, 1, 1, tzinfo=UTC)
    for t in oracle.transitions(zone_name, start, end):
        a = (t - timedelta(seconds=1)).astimezone(zone).utcoffset()
        b = t.astimezone(zone).utcoffset()
        if (
            a is not None
            and b is not None
            and a.total_seconds() % 60 == 0 == b.total_seconds() % 60
        ):
            out.append(t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    rng = random.Random(opts.seed)
    zones = [z for z in all_timezones() if "/" in z]
    cache: dict[str, list[datetime]] = {}
    bad = 0
    started = time.perf_counter()
    for n in range(opts.cases):
        zone = rng.choice(zones)
        if zone not in cache:
            cache[zone] = changes(zone)
        if not cache[zone]:
            continue
        expr = expression(rng)
        start = rng.choice(cache[zone]) - timedelta(hours=rng.randint(1, 24))
        end = start + timedelta(hours=30)
        expected = oracle.fires_between(expr, zone, start, end)
        got = [g for g in cron.next_runs(expr, zone, start, len(expected) + 1) if g <= end]
        if got != expected:
            bad += 1
            if bad <= 10:
                print(f"DIFFERS: {expr!r} {zone} after {start.isoformat()}")
                print(f"  tickwork: {[g.isoformat() for g in got]}")
                print(f"  cron:     {[e.isoformat() for e in expected]}")
        if (n + 1) % 2000 == 0:
            print(f"{n + 1} cases, {bad} disagreements", flush=True)
    print(f"{opts.cases} cases, {bad} disagreements, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
