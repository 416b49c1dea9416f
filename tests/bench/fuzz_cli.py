"""The fuzz of every CLI input and import format (tests/test_fuzz.py), at length, with figures.

Run: uv run python tests/bench/fuzz_cli.py [--cases 10000] [--seeds 11,12] [--processes 200]

Each seed runs `--cases` cases in process (click's runner) on a fresh database, then up to
`--processes` of another seed's cases through real `python -m tickwork` processes (real argv
bytes, real stdin). It prints, per seed and kind of case, the cases run, how many were
refused, and the failures the suite checks: tracebacks, hangs (10 s of CPU, 60 s), databases
changed by a refused input. It exits 1 when there is any failure, printing the first ones.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.cli_helpers import run_cli
from tests.fuzz_harness import Figures, run_in_process, run_subprocess
from tests.fuzz_inputs import Case, cases


def _database(root: Path, name: str) -> Path:
    path = root / name
    code, _, err = run_cli(path, "add", "base", "--cron", "0 9 * * *", "--command", "echo hi")
    if code != 0:
        raise SystemExit(f"could not create the database: {err}")
    return path


def _kind(case: Case) -> str:
    """The command a case runs (import and export with their format)."""
    words = [a for a in case.args if not a.startswith("-")]
    if not words:
        return "(no command)"
    if words[0] == "import" and len(words) > 1:
        return f"import {words[1]}"
    return words[0] if words[0].isascii() and len(words[0]) < 16 else "(bad command)"


def _passable(arg: str) -> bool:
    return "\x00" not in arg and len(arg.encode("utf-8", "surrogateescape")) < 100_000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seeds", default="11")
    parser.add_argument("--processes", type=int, default=200)
    opts = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        root.chmod(0o700)
        for seed in [int(s) for s in opts.seeds.split(",")]:
            db = _database(root, f"fuzz-{seed}.db")
            folder = root / f"files-{seed}"
            folder.mkdir()
            figures = Figures()
            kinds: Counter[str] = Counter()
            started = time.perf_counter()
            for case in cases(seed, opts.cases):
                kinds[_kind(case)] += 1
                run_in_process(db, case, folder, figures)
            took = time.perf_counter() - started
            print(f"seed {seed}, in process: {figures.line()} ({took:.0f} s)", flush=True)
            print("  by command: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
            failures += figures.failures
            if opts.processes:
                db = _database(root, f"fuzz-{seed}-p.db")
                folder = root / f"files-{seed}-p"
                folder.mkdir()
                figures = Figures()
                runnable = (
                    c
                    for c in cases(seed + 1, opts.processes * 10)
                    if all(_passable(a) for a in c.args)
                )
                for _, case in zip(range(opts.processes), runnable, strict=False):
                    run_subprocess(db, case, folder, figures)
                print(f"seed {seed + 1}, real processes: {figures.line()}", flush=True)
                failures += figures.failures
    for failure in failures[:10]:
        print("\n" + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
