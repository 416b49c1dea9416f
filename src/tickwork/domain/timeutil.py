"""Time helpers shared by every layer: one ISO format for stored and printed times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

ZERO = timedelta(0)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, aware UTC, whole seconds dropped below the microsecond."""
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with offset, whole seconds: '2026-04-21T23:00:00+00:00'."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def iso_ms(dt: datetime | None) -> str | None:
    """Like iso() with milliseconds, for run timings."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str | None) -> datetime | None:
    """Parse an ISO time; a naive value is taken as UTC."""
    if text is None or text == "":
        return None
    try:  # fast path: what iso() writes
        dt = datetime.fromisoformat(text)
    except ValueError:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt if dt.utcoffset() == ZERO else dt.astimezone(UTC)


def floor_second(dt: datetime) -> datetime:
    return dt.replace(microsecond=0)
