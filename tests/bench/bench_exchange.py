"""Benchmark: `import toml --dry-run` and `sync` of files with 1,000 to 10,000 tables, and
`import crontab --dry-run` of one 4 MB line (whole processes, fresh databases).

Run: uv run python tests/bench/bench_exchange.py [--sizes 1000,2000,4000,10000]
         [--repeat 3] [--timeout 600]
Both must grow linearly with the file: 10,000 tables in seconds; the long line in well under
a second of parsing (it is refused: a command is at most 128 KiB, what the kernel can exec).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]
EXPRESSIONS = ["0 9 * * 1-5", "*/5 * * * *", "30 2 * * *", "@hourly", "15 10 1 * *"]


def schedules_toml(n: int) -> str:
    parts = []
    for i in range(n):
        parts.append(
            f"[schedules.job-{i:05d}]\n"
            f'cron = "{EXPRESSIONS[i % len(EXPRESSIONS)]}"\n'
            f'timezone = "{ZONES[i % len(ZONES)]}"\n'
            f'command = "echo {i}"\n'
            f'env = {{ JOB = "{i}" }}\n'
            f"retries = {i % 3}\n"
        )
    return "\n".join(parts)


def timed(args: list[str], timeout: float) -> float | None:
    """Seconds a `tickwork ...` process took, or None when it ran past the timeout."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tickwork", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            env={**os.environ, "TZ": "UTC"},
        )
    except subprocess.TimeoutExpired:
        return None
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"tickwork {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
    return elapsed


def show(label: str, times: list[float | None], timeout: float) -> None:
    done = [t for t in times if t is not None]
    if not times:
        print(f"{label:<40} not run (an earlier step was stopped)", flush=True)
    elif len(done) < len(times):
        print(f"{label:<40} > {timeout:.0f} s (stopped)", flush=True)
    else:
        print(f"{label:<40} median {statistics.median(done):8.2f} s  (n={len(done)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,4000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--no-long-line", action="store_true")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in [int(s) for s in opts.sizes.split(",")]:
            path = root / f"t{n}.toml"
            path.write_text(schedules_toml(n))
            dry: list[float | None] = []
            synced: list[float | None] = []
            resynced: list[float | None] = []
            for r in range(opts.repeat):
                db = root / f"d{n}-{r}.db"
                dry.append(
                    timed(["--db", str(db), "import", "toml", str(path), "--dry-run"], opts.timeout)
                )
                if dry[-1] is None:
                    break
                synced.append(timed(["--db", str(db), "sync", str(path)], opts.timeout))
                if synced[-1] is None:
                    break
                resynced.append(timed(["--db", str(db), "sync", str(path)], opts.timeout))
            show(f"import toml --dry-run, {n} tables", dry, opts.timeout)
            show(f"sync (creates), {n} tables", synced, opts.timeout)
            show(f"sync again (no change), {n} tables", resynced, opts.timeout)
        if not opts.no_long_line:
            line = root / "long.crontab"
            line.write_text("0 5 * * * echo " + "a" * (4 * 1024 * 1024) + "\n")
            times = [
                timed(
                    ["--db", str(root / f"l{r}.db"), "import", "crontab", str(line), "--dry-run"],
                    opts.timeout,
                )
                for r in range(opts.repeat)
            ]
            show("import crontab --dry-run, one 4 MB line", times, opts.timeout)


if __name__ == "__main__":
    main()
