"""One status vocabulary: every run status and trigger has one look (icon, colour, label), the CLI
and every screen draw from it; durations and errors read the same everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.app import App

from tickwork.cli.runs import run_summary
from tickwork.domain.humanize import duration_words, error_headline, relative, seconds_words
from tickwork.domain.runs import RUN_STATUSES, Run
from tickwork.domain.status import (
    FAILED_STATUSES,
    LOOKS,
    TRIGGER_LOOKS,
    RunStatus,
    Trigger,
    look,
    trigger_look,
)
from tickwork.ui.widgets.runs.format import status_label

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TRACEBACK = """Traceback (most recent call last):
  File "/srv/jobs.py", line 3, in nightly
    raise ValueError("the bucket is gone")
ValueError: the bucket is gone
"""


def test_every_status_and_trigger_has_one_look_with_a_theme_colour_and_a_one_cell_icon() -> None:
    assert set(LOOKS) == set(RunStatus) and set(TRIGGER_LOOKS) == set(Trigger)
    theme = App[None]().get_css_variables()
    for found in [*LOOKS.values(), *TRIGGER_LOOKS.values()]:
        assert cell_len(found.icon) == 1, found
        assert found.colour in theme, found
    icons = [found.icon for found in LOOKS.values()]
    assert len(set(icons)) == len(icons)  # no two statuses drawn alike
    assert tuple(s.value for s in RunStatus) == RUN_STATUSES


def test_strings_still_compare_during_the_move_to_the_enum() -> None:
    stored: str = "timed_out"  # as the store and older code hold it
    assert stored == RunStatus.TIMED_OUT and stored in FAILED_STATUSES
    assert look("timed_out") is LOOKS[RunStatus.TIMED_OUT]
    assert look(None).label == "never run"
    assert look("brand_new").label == "brand new"  # unknown text is shown, not hidden
    assert trigger_look("catchup").label == "catch-up"


def run(status: str, **kwargs: object) -> Run:
    return Run("run_1", "sched_1", NOW, 1, "schedule", status, NOW, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", list(RunStatus))
def test_the_cli_and_the_screens_say_the_same(status: RunStatus) -> None:
    expected = f"{LOOKS[status].icon} {LOOKS[status].label}"
    assert status_label(status) == expected
    assert run_summary(run(status)).startswith(expected)


def test_a_python_failure_reads_as_its_exception_line() -> None:
    assert error_headline(TRACEBACK) == "ValueError: the bucket is gone"
    assert error_headline("exit 3\nmore") == "exit 3"
    failed = run("failed", error=TRACEBACK, duration=0.5)
    assert run_summary(failed).endswith("- ValueError: the bucket is gone")


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(hours=12, seconds=41), "12h"),
        (timedelta(days=22, seconds=12), "22d"),
        (timedelta(hours=1, minutes=30, seconds=5), "1h 30m"),
        (timedelta(minutes=3, seconds=12), "3m 12s"),
        (timedelta(seconds=5), "5s"),
        (timedelta(0), "0s"),
    ],
)
def test_durations_keep_consecutive_units(delta: timedelta, words: str) -> None:
    assert duration_words(delta) == words
    assert relative(NOW + delta, NOW) in (f"in {words}", "now")


def test_run_durations() -> None:
    words = [seconds_words(s) for s in (0.004, 0.423, 12.04, 192, None)]
    assert words == ["4ms", "0.42s", "12.0s", "3m 12s", "-"]
