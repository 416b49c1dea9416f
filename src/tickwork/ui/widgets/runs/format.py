"""How runs read on screen: status icons and words, times, durations, results. Pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from tickwork.domain.humanize import duration_words
from tickwork.domain.runs import Run

STATUS_ICONS: dict[str, str] = {
    "pending": "…",
    "running": "▶",
    "succeeded": "✓",
    "failed": "✗",
    "timed_out": "◷",
    "skipped": "»",
    "missed": "○",
    "abandoned": "✗",
    "cancelled": "×",
}
# The component class (colour) of each status: runs-table--<group>.
STATUS_GROUPS: dict[str, str] = {
    "pending": "muted",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "timed_out": "failed",
    "abandoned": "failed",
    "skipped": "muted",
    "missed": "missed",
    "cancelled": "muted",
}


def status_label(status: str) -> str:
    """'✓ succeeded', '◷ timed out'."""
    return f"{STATUS_ICONS.get(status, '?')} {status.replace('_', ' ')}"


def local_time(moment: datetime | None, zone: tzinfo | None, *, date: bool = True) -> str:
    """'2026-03-02 12:00:05' (or '12:00:05') in `zone`, the system zone when None."""
    if moment is None:
        return "-"
    local = moment.astimezone(zone) if zone is not None else moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


def local_time_zoned(moment: datetime | None, zone: tzinfo | None) -> str:
    """'2026-03-02 12:00:05.123 CET' with milliseconds and the zone's abbreviation."""
    if moment is None:
        return "-"
    local = moment.astimezone(zone) if zone is not None else moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} {local:%Z}".rstrip()


def started_label(run: Run, zone: tzinfo | None) -> str:
    """The start time; the date only when it differs from the scheduled date."""
    if run.started_at is None:
        return "-"
    same_day = local_time(run.started_at, zone)[:10] == local_time(run.scheduled_for, zone)[:10]
    return local_time(run.started_at, zone, date=not same_day)


def duration_label(seconds: float | None) -> str:
    """'0.4s', '12.0s', '3m 12s', '-'."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    return duration_words(timedelta(seconds=seconds))


SLOW_MARK = "⚠"  # a run past its schedule's max_duration_warning


def elapsed(run: Run, now: datetime) -> float | None:
    """How long the run took, or has been going (running)."""
    if run.status == "running" and run.started_at is not None:
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
    """The first non-empty line of `text`, cut at `limit` characters."""
    if not text:
        return ""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
