"""How runs read on screen: status icons and words, times, durations, results. Pure functions."""

from __future__ import annotations

from datetime import datetime

from tickwork.domain.humanize import duration_words, error_headline, seconds_words
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, look


def status_label(status: str) -> str:
    """'✓ succeeded', '◷ timed out' (from the one status table)."""
    return look(status).text()


def duration_label(seconds: float | None) -> str:
    """'0.42s', '12.0s', '3m 12s', '-'."""
    return seconds_words(seconds)


SLOW_MARK = "⚠"  # a run past its schedule's max_duration_warning


def elapsed(run: Run, now: datetime) -> float | None:
    """How long the run took, or has been going (running)."""
    if run.status == RunStatus.RUNNING and run.started_at is not None:
        return (now - run.started_at).total_seconds()
    return run.duration


def running_for(run: Run, now: datetime) -> str:
    """How long a running run has been going ('1m 5s…')."""
    if run.started_at is None:
        return "-"
    return duration_words(now - run.started_at) + "…"


def result_label(run: Run) -> str:
    """'exit 0', 'HTTP 503' or '-'."""
    if run.http_status is not None:
        return f"HTTP {run.http_status}"
    if run.exit_code is not None:
        return f"exit {run.exit_code}"
    return "-"


def first_line(text: str | None, limit: int = 200) -> str:
    """What went wrong in one line: a traceback's exception line, else the first line."""
    return error_headline(text, limit)
