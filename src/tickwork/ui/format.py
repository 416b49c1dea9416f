"""Text shared by the table, the detail pane and the status bar (no Textual)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tickwork.domain.humanize import duration_words, relative
from tickwork.domain.model import Schedule
from tickwork.domain.status import is_failure, look
from tickwork.store.location import describe_target
from tickwork.ui.times import Times

STATE_ICON = {"active": "●", "paused": "○"}


def schedule_text(s: Schedule) -> str:
    """'*/5 * * * *  Every 5 minutes'."""
    return f"{s.expression}  {s.generator.description}"


def next_run_when(s: Schedule, now: datetime, times: Times | None = None) -> str:
    """The next run on the chosen clock: '03-02 13:00' this year, else '2027-01-05'; an @every
    schedule's with seconds (they are the point of a 10s interval)."""
    if s.next_run_at is None:
        return "paused" if not s.active else (s.status_reason or "-")
    at = (times or Times()).at(s.next_run_at, s.timezone)
    if at.year != now.year:
        return at.strftime("%Y-%m-%d")
    return at.strftime("%m-%d %H:%M:%S" if s.generator.type == "INTERVAL" else "%m-%d %H:%M")


def ago(dt: datetime, now: datetime) -> str:
    """'5m ago' (one unit: it fits a narrow column)."""
    if abs((now - dt).total_seconds()) < 1:
        return "now"
    words = duration_words(now - dt, parts=1)
    return f"{words} ago" if dt <= now else f"in {words}"


def countdown(s: Schedule, now: datetime) -> str:
    if s.next_run_at is None:
        return ""
    return relative(s.next_run_at, now)


def last_run_text(s: Schedule, now: datetime) -> str:
    if s.last_run_at is None:
        return "never"
    return f"{look(s.last_status).icon} {ago(s.last_run_at, now)}"


def runs_text(s: Schedule) -> str:
    return f"{s.run_count}/{s.max_runs}" if s.max_runs is not None else str(s.run_count)


def is_failing(s: Schedule) -> bool:
    return is_failure(s.last_status)


def short_path(path: Path) -> str:
    """The database path with the home directory as ~."""
    try:
        return "~/" + str(path.expanduser().resolve().relative_to(Path.home().resolve()))
    except ValueError:
        return str(path)


def shown_location(target: Path | str) -> str:
    """A database as the status bar shows it: a short path, or a URL without its password."""
    return describe_target(target) if isinstance(target, str) else short_path(target)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")
