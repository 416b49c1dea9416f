"""CI's monotonic-offset run (tests/support/monotonic_offset) really starts the clock near 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUPPORT = Path(__file__).parent / "support" / "monotonic_offset"
ORIGIN_VAR = "TICKWORK_TEST_MONOTONIC_ORIGIN_NS"

PROBE = """
import json, subprocess, sys, time
first = time.monotonic()
child = subprocess.run(
    [sys.executable, "-c", "import time; print(time.monotonic())"],
    capture_output=True, text=True, check=True,
)
print(json.dumps([first, float(child.stdout), time.monotonic(), time.perf_counter()]))
"""


def test_monotonic_starts_near_zero_and_agrees_between_processes() -> None:
    env = {**os.environ, "PYTHONPATH": str(SUPPORT)}
    env.pop(ORIGIN_VAR, None)  # as when CI starts the run: the first process sets the origin
    p = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert p.returncode == 0, p.stderr
    first, in_child, later, perf = json.loads(p.stdout)
    assert 0 < first < 10  # "just booted"; generous for a slow start on busy CPUs
    assert first <= in_child <= later  # one clock across processes, as the real one is
    assert abs(perf - later) < 1  # perf_counter moved with it
