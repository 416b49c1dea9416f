"""The pictures as pure functions (no terminal): outcome strip, duration sparkline with median
and p95, histogram and success rate, and the calendar of fires with DST days marked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import cmd
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.status import LOOKS, RunStatus, Trigger
from tickwork.ui.widgets.pictures.calendar_data import (
    DENSE,
    month_view,
    shift_month,
    week_view,
)
from tickwork.ui.widgets.pictures.calendar_view import MOVED, SKIPPED, month_lines, week_lines
from tickwork.ui.widgets.pictures.draw import (
    BLOCKS,
    duration_stats,
    durations,
    histogram,
    outcome_strip,
    percentile,
    sparkline,
    success_rate,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday; US DST starts on Sunday 03-08


def run(k: int, status: str, duration: float | None) -> Run:
    at = NOW - timedelta(minutes=100 - k)
    return Run(
        f"run_{k:03d}", "sched_1", at, 1, Trigger.SCHEDULE, RunStatus(status), at, duration=duration
    )


def schedule(**timing: object) -> Schedule:
    return spec.build({"name": "x", "action": cmd(), **timing}, NOW)


def test_the_strip_is_the_last_fifty_runs_oldest_first_in_the_status_tables_look() -> None:
    runs = [run(k, "succeeded" if k % 10 else "failed", 1.0) for k in range(60)]
    strip = outcome_strip(list(reversed(runs)))  # given newest first, as the store lists them
    assert len(strip) == 50
    failed, ok = (
        (LOOKS[RunStatus.FAILED].icon, "error"),
        (LOOKS[RunStatus.SUCCEEDED].icon, "success"),
    )
    assert strip[0] == failed  # runs 10..59: run 10 first, failed
    assert strip[1] == ok and strip[10] == failed  # run 20
    assert strip[-1] == ok  # run 59, the newest, last


def test_sparkline_scales_between_the_shortest_and_the_longest_and_leaves_gaps() -> None:
    runs = [run(0, "succeeded", 1.0), run(1, "skipped", None), run(2, "failed", 3.0)]
    line = sparkline(runs)
    assert [c for c, _ in line] == [BLOCKS[1], " ", BLOCKS[8]]
    assert line[2][1] == "error"  # a failed run's bar says so


def test_median_and_p95() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100 s
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)
    stats = duration_stats(values)
    assert stats is not None and stats.words() == "median 50.5s · p95 1m 35s"
    assert duration_stats([]) is None
    assert durations([run(0, "running", 5.0), run(1, "succeeded", 2.0)]) == [2.0]


def test_histogram_bins_on_a_log_scale_so_milliseconds_and_minutes_both_show() -> None:
    values = [0.005] * 30 + [120.0] * 10
    drawn = histogram(values, bins=10, height=2)
    assert drawn is not None
    assert drawn.counts[0] == 30 and drawn.counts[-1] == 10 and sum(drawn.counts) == 40
    assert drawn.lines[-1][0] == BLOCKS[8]  # the taller bar fills the bottom line
    assert drawn.lines[0][0] == BLOCKS[8] and drawn.lines[0][-1] == BLOCKS[0]  # 30 vs 10
    assert drawn.axis() == ("5ms", "2m")
    assert histogram([]) is None


def test_success_rate_counts_only_runs_that_ran() -> None:
    runs = [run(0, "succeeded", 1), run(1, "timed_out", 1), run(2, "skipped", None)]
    rate = success_rate([*runs, run(3, "running", None)])
    assert (rate.succeeded, rate.failed, rate.other, rate.running) == (1, 1, 1, 1)
    assert rate.words() == "50% succeeded (1/2)"
    assert success_rate([]).words() == "no finished runs"


def test_a_month_shows_crons_day_rule_at_a_glance() -> None:
    """0 9 1-7 * 1: days 1-7 OR Mondays (cron's rule when both day fields are set)."""
    view = month_view(schedule(cron="0 9 1-7 * 1", timezone="Europe/Paris"), 2026, 3, NOW)
    firing = sorted(c.day.day for w in view.weeks for c in w if c is not None and c.fires)
    assert firing == [3, 4, 5, 6, 7, 9, 16, 23, 30]  # 03-02 09:00 Paris is past at NOW
    assert view.cell(date(2026, 3, 2)) is not None and view.cell(date(2026, 3, 2)).today  # type: ignore[union-attr]
    assert view.total == 9 and view.notes == []
    assert (view.weeks[0][6] or None) is not None  # Sunday 03-01 is in the first week row


def test_dst_moved_and_skipped_days_are_marked() -> None:
    fixed = month_view(schedule(cron="30 2 * * *", timezone="America/New_York"), 2026, 3, NOW)
    moved = fixed.cell(date(2026, 3, 8))
    assert moved is not None and moved.moved and moved.fires == 1
    assert moved.first is not None and moved.first.strftime("%H:%M") == "03:00"
    assert fixed.notes == ["03-08 03:00: moved by DST (02:30 does not exist)"]
    wildcard = month_view(schedule(cron="*/30 2 * * *", timezone="America/New_York"), 2026, 3, NOW)
    gone = wildcard.cell(date(2026, 3, 8))
    assert gone is not None and gone.skipped and gone.fires == 0
    lines = month_lines(wildcard, 80)
    assert any(text.startswith(SKIPPED) for line in lines for text, _ in line)
    every = month_view(schedule(every="1h"), 2026, 3, NOW)  # @every: immune to DST
    assert every.notes == [] and not any(c.moved or c.skipped for w in every.weeks for c in w if c)


def test_a_week_of_hours_and_a_dense_schedule_stays_cheap() -> None:
    week = week_view(
        schedule(cron="30 2 * * *", timezone="America/New_York"), date(2026, 3, 2), NOW
    )
    assert week.marks == {(3, 6): "moved"}  # Sunday 03:00
    assert [week.counts[2][d] for d in range(6)] == [0, 1, 1, 1, 1, 1]  # Monday's 02:30 is past
    assert any(text.strip() == MOVED for line in week_lines(week, 80) for text, _ in line)
    busy = month_view(schedule(cron="* * * * *"), 2026, 3, NOW)  # 43,200 fires a month
    assert max(c.fires for w in busy.weeks for c in w if c) == DENSE


def test_months_step_over_years() -> None:
    assert shift_month(2026, 12, 1) == (2027, 1) and shift_month(2026, 1, -1) == (2025, 12)
