"""Pictures of runs, as plain cells (text, theme colour): no Textual, testable without a terminal.

- `outcome_strip`: one cell per run, oldest first, icon and colour from the one status table;
- `sparkline` + `duration_stats`: the runs' durations as eighth-blocks, with median and p95;
- `histogram`: how durations spread (log-spaced bins, bars of eighth-blocks), and
  `success_rate` over the same runs.

A widget turns cells into Content (`[(text, "$success"), …]`); nothing here draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tickwork.domain.humanize import seconds_words
from tickwork.domain.runs import Run
from tickwork.domain.status import FAILED_STATUSES, OPEN_STATUSES, RunStatus, look

Cell = tuple[str, str]  # (text, theme variable without "$", "" for none)
BLOCKS = " ▁▂▃▄▅▆▇█"  # 0..8 eighths
STRIP_RUNS = 50


def outcome_strip(runs: Sequence[Run], width: int = STRIP_RUNS) -> list[Cell]:
    """The last `width` runs, oldest on the left: one coloured icon each."""
    shown = sorted(runs, key=lambda r: (r.created_at, r.id))[-width:]
    return [(look(r.status).icon, look(r.status).colour) for r in shown]


@dataclass(frozen=True)
class DurationStats:
    count: int
    median: float
    p95: float
    low: float
    high: float

    def words(self) -> str:
        """'median 1.50s · p95 2.10s'."""
        return f"median {seconds_words(self.median)} · p95 {seconds_words(self.p95)}"


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, by linear interpolation between ranks."""
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def durations(runs: Sequence[Run]) -> list[float]:
    """Durations of the finished runs that have one, oldest first."""
    shown = sorted(runs, key=lambda r: (r.created_at, r.id))
    return [r.duration for r in shown if r.duration is not None and r.status not in OPEN_STATUSES]


def duration_stats(values: Sequence[float]) -> DurationStats | None:
    if not values:
        return None
    ordered = sorted(values)
    return DurationStats(
        len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.95), ordered[0], ordered[-1]
    )


def sparkline(runs: Sequence[Run], width: int = STRIP_RUNS) -> list[Cell]:
    """One cell per run (aligned with `outcome_strip`): its duration as a bar from the shortest
    to the longest; a run without a duration (skipped, missed, running) is a blank."""
    shown = sorted(runs, key=lambda r: (r.created_at, r.id))[-width:]
    values = [r.duration for r in shown if r.duration is not None]
    if not values:
        return [(" ", "") for _ in shown]
    low, high = min(values), max(values)
    out: list[Cell] = []
    for r in shown:
        if r.duration is None:
            out.append((" ", ""))
            continue
        level = 8 if high == low else 1 + round(7 * (r.duration - low) / (high - low))
        colour = "error" if r.status in FAILED_STATUSES else "primary"
        out.append((BLOCKS[level], colour))
    return out


@dataclass(frozen=True)
class Histogram:
    """Bars (one column per bin, `height` lines, top line first) and what the bins span."""

    lines: list[str]
    counts: list[int]
    edges: list[float]  # len(counts) + 1 bin edges, in seconds

    def axis(self) -> tuple[str, str]:
        return seconds_words(self.edges[0]), seconds_words(self.edges[-1])


def histogram(values: Sequence[float], bins: int = 24, height: int = 3) -> Histogram | None:
    """Durations in `bins` bins spaced evenly on a log scale (runs of 5 ms and of 5 min both
    show), drawn as vertical bars `height` lines tall in eighth-blocks."""
    if not values or bins < 1 or height < 1:
        return None
    floor = 0.001
    low, high = max(min(values), floor), max(max(values), floor)
    if high <= low:
        high = low * 2
    a, b = math.log10(low), math.log10(high)
    edges = [10 ** (a + (b - a) * i / bins) for i in range(bins + 1)]
    counts = [0] * bins
    for v in values:
        pos = (math.log10(max(v, floor)) - a) / (b - a) * bins
        counts[min(bins - 1, max(0, int(pos)))] += 1
    top = max(counts)
    eighths = [round(c / top * height * 8) if c else 0 for c in counts]
    eighths = [max(e, 1) if c else 0 for e, c in zip(eighths, counts, strict=True)]
    lines: list[str] = []
    for row in range(height - 1, -1, -1):  # the top line first
        lines.append("".join(BLOCKS[min(8, max(0, e - row * 8))] for e in eighths))
    return Histogram(lines, counts, edges)


@dataclass(frozen=True)
class SuccessRate:
    succeeded: int
    failed: int  # failed, timed out, abandoned
    other: int  # skipped, missed, cancelled
    running: int

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed

    @property
    def rate(self) -> float | None:
        """Succeeded / (succeeded + failed): runs that did not run do not count."""
        return self.succeeded / self.finished if self.finished else None

    def words(self) -> str:
        if self.rate is None:
            return "no finished runs"
        return f"{self.rate:.0%} succeeded ({self.succeeded}/{self.finished})"


def success_rate(runs: Sequence[Run]) -> SuccessRate:
    ok = sum(r.status == RunStatus.SUCCEEDED for r in runs)
    bad = sum(r.status in FAILED_STATUSES for r in runs)
    open_ = sum(r.status in OPEN_STATUSES for r in runs)
    return SuccessRate(ok, bad, len(runs) - ok - bad - open_, open_)
