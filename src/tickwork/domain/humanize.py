"""Human-readable times: local wall clock in a zone, relative countdowns."""

from __future__ import annotations

from datetime import datetime, timedelta

from tickwork.domain.timezones import zone


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(zone(tz))


def format_local(dt: datetime | None, tz: str, *, seconds: bool = False) -> str:
    """'2026-11-21 09:00 CET' in the schedule's zone."""
    if dt is None:
        return "-"
    loc = local(dt, tz)
    fmt = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return loc.strftime(fmt)


_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def duration_words(delta: timedelta, *, parts: int = 2) -> str:
    """timedelta(seconds=192) -> '3m 12s': the largest unit and the ones right after it (a zero
    after the first is left out), so 12h 0m 41s reads '12h' (never '12h 41s'), 1h 30m 5s '1h 30m'
    and 22d 0h 12s '22d'."""
    total = int(abs(delta.total_seconds()))
    first = next((i for i, (_, size) in enumerate(_UNITS) if total >= size), len(_UNITS) - 1)
    out: list[str] = []
    for label, size in _UNITS[first : first + parts]:
        value, total = divmod(total, size)
        if value == 0 and out:
            break
        out.append(f"{value}{label}")
    return " ".join(out)


def seconds_words(seconds: float | None) -> str:
    """A run's duration: '4ms', '0.42s', '12.0s', then '3m 12s', '1h'; '-' when unknown."""
    if seconds is None:
        return "-"
    if seconds < 0.1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    return duration_words(timedelta(seconds=seconds))


def error_headline(text: str | None, limit: int = 200) -> str:
    """The line that says what went wrong: for a Python traceback the exception line (its last
    line, `ValueError: boom`), else the first non-empty line; cut at `limit` characters."""
    if not text:
        return ""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[0]
    if line.startswith("Traceback (most recent call last)"):
        exception = [ln for ln in lines[1:] if not ln.startswith(("File ", "^", "~"))]
        line = exception[-1] if exception else line
    return line if len(line) <= limit else line[: limit - 1] + "…"


def relative(dt: datetime | None, now: datetime) -> str:
    """'in 3m 12s' or '5m ago'."""
    if dt is None:
        return "-"
    delta = dt - now
    if abs(delta.total_seconds()) < 1:
        return "now"
    words = duration_words(delta)
    return f"in {words}" if delta.total_seconds() > 0 else f"{words} ago"
