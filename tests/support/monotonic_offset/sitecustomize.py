"""Test-only: a monotonic clock that reads near 0, as on a machine booted a moment ago.

CI puts this directory on PYTHONPATH for one run of the suite (`.ci/stressed monotonic`). Python
imports `sitecustomize` at startup, so pytest and every Python subprocess it starts (they inherit
the environment) see `time.monotonic()` (and `monotonic_ns`, `perf_counter`, `perf_counter_ns`)
start at about a millisecond. The first process records where the real clock stood in
TICKWORK_TEST_MONOTONIC_ORIGIN_NS; every later process subtracts the same origin, so readings
agree between processes, as the real clock's do. Code that computes `time.monotonic() - 600`
and expects a positive number fails here as it would on a freshly booted machine.
"""

from __future__ import annotations

import os
import time

ORIGIN_VAR = "TICKWORK_TEST_MONOTONIC_ORIGIN_NS"
START_NS = 1_000_000  # the first reading: one millisecond "after boot"

_real_monotonic_ns = time.monotonic_ns
_real_perf_counter_ns = time.perf_counter_ns


def _origin_ns() -> int:
    recorded = os.environ.get(ORIGIN_VAR)
    if recorded is None:
        recorded = str(_real_monotonic_ns() - START_NS)
        os.environ[ORIGIN_VAR] = recorded
    return int(recorded)


_ORIGIN_NS = _origin_ns()
# perf_counter is CLOCK_MONOTONIC too on Linux, but read through its own call: shift it by the
# same amount measured now, so the two stay together.
_PERF_SHIFT_NS = _real_perf_counter_ns() - _real_monotonic_ns() + _ORIGIN_NS


def monotonic_ns() -> int:
    return _real_monotonic_ns() - _ORIGIN_NS


def monotonic() -> float:
    return monotonic_ns() / 1e9


def perf_counter_ns() -> int:
    return _real_perf_counter_ns() - _PERF_SHIFT_NS


def perf_counter() -> float:
    return perf_counter_ns() / 1e9


time.monotonic = monotonic
time.monotonic_ns = monotonic_ns
time.perf_counter = perf_counter
time.perf_counter_ns = perf_counter_ns
