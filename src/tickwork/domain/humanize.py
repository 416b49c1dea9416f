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


def duration_words(delta: timedelta, *, parts: int = 2) -> str:
    """timedelta(seconds=192) -> '3m 12s'; 2 largest units."""
    total = int(abs(delta.total_seconds()))
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    out: list[str] = []
    for label, size in units:
        if total >= size or (label == "s" and not out):
            value, total = divmod(total, size)
            out.append(f"{value}{label}")
        if len(out) == parts:
            break
    return " ".join(out)


def relative(dt: datetime | None, now: datetime) -> str:
    """'in 3m 12s' or '5m ago'."""
    if dt is None:
        return "-"
    delta = dt - now
    if abs(delta.total_seconds()) < 1:
        return "now"
    words = duration_words(delta)
    return f"in {words}" if delta.total_seconds() > 0 else f"{words} ago"
