"""Backfill: every fire of a schedule in a past window, from THE next-run function.

The window is inclusive at both ends: a fire exactly at `start` or `end` belongs to it. The
fires are spec.upcoming's (what the runner fires), walked without max_runs (a past fire is not a
future run to ration; the runner's own catch-up walk does the same); end_at still applies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tickwork.domain import fields, spec
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import iso

MAX_BACKFILL = 1000  # fires one backfill may enqueue; a bigger window is split by the user
_BATCH = 256


def parse_window(start: str, end: str, now: datetime) -> tuple[datetime, datetime]:
    """(--from, --to) as aware UTC times; a bad window raises InvalidSchedule naming the option's
    field (`from` / `to`) and the fix."""
    lo = _time("from", start)
    hi = _time("to", end)
    if lo > hi:
        raise fields.fail(
            "from", f"{iso(lo)} is after --to {iso(hi)}: give the earlier time first", start
        )
    if hi > now:
        raise fields.fail(
            "to",
            f"{iso(hi)} is in the future: backfill runs past fires (the runner fires what is "
            f"to come); give a time before now ({iso(now)})",
            end,
        )
    return lo, hi


def _time(field: str, value: str) -> datetime:
    try:
        parsed = fields.end_at(value)
    except InvalidSchedule:
        parsed = None
    if parsed is None:
        raise fields.fail(
            field, "use an ISO 8601 time like 2026-03-01T00:00:00+00:00 (no offset = UTC)", value
        )
    return parsed


def fires_in_window(s: Schedule, start: datetime, end: datetime, limit: int) -> list[datetime]:
    """The schedule's fires with start <= t <= end, in order; at most `limit` + 1 (one more
    tells the caller the window holds too many)."""
    walk = s.with_changes(max_runs=None)
    out: list[datetime] = []
    # the instant before start (the fires are strictly after it); year 1 holds no earlier one
    after = max(start, datetime(1, 1, 2, tzinfo=UTC)) - timedelta(microseconds=1)
    while len(out) <= limit:
        batch = spec.upcoming(walk, after, _BATCH)
        for t in batch:
            if t > end or len(out) > limit:
                return out
            out.append(t)
        if len(batch) < _BATCH:
            return out
        after = batch[-1]
    return out


def too_many(start: datetime, end: datetime, limit: int) -> InvalidSchedule:
    return fields.fail(
        "to",
        f"the window {iso(start)} .. {iso(end)} holds more than {limit} fires: backfill at most "
        f"{limit} at a time (give a narrower window)",
    )
