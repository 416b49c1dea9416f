"""DST resolution: naive wall-clock matches become real instants (see tickwork.cron)."""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tickwork.cron.parse import (
    _LOOKAHEAD,
    _MINUTE,
    EPOCH,
    CronError,
    Fire,
    _compile,
    _Compiled,
    _Pending,
)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CronError(f"unknown time zone '{name}'") from None


def _utc_naive(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _offset_at(zone: tzinfo, instant: datetime) -> timedelta:
    """UTC offset in ``zone`` at a naive-UTC instant."""
    return cast(timedelta, zone.fromutc(instant.replace(tzinfo=zone)).utcoffset())


@lru_cache(maxsize=4096)
def _transition(zone: tzinfo, before: datetime, at_or_after: datetime) -> datetime:
    """First naive-UTC instant in (before, at_or_after] carrying the later offset."""
    target = _offset_at(zone, at_or_after)
    lo, hi = 0, int((at_or_after - before).total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(zone, before + timedelta(seconds=mid)) == target:
            hi = mid
        else:
            lo = mid
    return before + timedelta(seconds=hi)


def _resolve(t: datetime, zone: tzinfo, fixed: bool) -> list[_Pending]:
    """The instants (naive UTC) at which naive local match ``t`` fires."""
    o0 = cast(timedelta, zone.utcoffset(t))
    o1 = cast(timedelta, zone.utcoffset(t.replace(fold=1)))
    if o0 == o1:
        return [(t - o0, None)]
    if o0 > o1:  # repeated wall time; its first pass is t - o0
        if fixed:
            return [(t - o0, "repeated hour (fires once)")]
        return [(t - o0, "repeated hour (1st time)"), (t - o1, "repeated hour (2nd time)")]
    if fixed:  # skipped wall time: fire once, at the first instant after the gap
        return [(_transition(zone, t - o1, t - o0), f"moved by DST ({t:%H:%M} does not exist)")]
    return []


def _cron_fires(comp: _Compiled, zone: tzinfo, after: datetime, count: int) -> list[_Pending]:
    """The first ``count`` fires strictly after naive-UTC ``after``, in order."""
    matcher = comp.matcher
    assert matcher is not None
    local_after = zone.fromutc(after.replace(tzinfo=zone))
    # Second-pass wall times of a fall-back just ahead lie before local(after): start early.
    drop = cast(timedelta, local_after.utcoffset()) - _offset_at(zone, after + _LOOKAHEAD)
    t: datetime | None = local_after.replace(tzinfo=None) - max(drop, timedelta(0)) - _MINUTE
    pending: list[_Pending] = []
    seen: set[datetime] = set()
    out: list[_Pending] = []
    budget = 4 * count + 10_000  # matches swallowed by DST gaps still count against it
    while len(out) < count and budget > 0:
        budget -= 1
        t = matcher.next_after(cast(datetime, t))
        if t is None:  # no further matches: what is pending is all there is
            out.extend(heapq.nsmallest(count - len(out), pending))
            break
        for fire in _resolve(t, zone, comp.fixed):
            if fire[0] > after and fire[0] not in seen:
                seen.add(fire[0])
                heapq.heappush(pending, fire)
        # Instants of any later match are >= nxt - max(offsets at nxt) (monotone in nxt).
        nxt = t + _MINUTE
        bound = nxt - max(
            cast(timedelta, zone.utcoffset(nxt)),
            cast(timedelta, zone.utcoffset(nxt.replace(fold=1))),
        )
        while pending and pending[0][0] < bound and len(out) < count:
            out.append(heapq.heappop(pending))
    return out


def _fires(
    expression: str, timezone: str, after: datetime, count: int, anchor: datetime | None
) -> tuple[list[_Pending], ZoneInfo]:
    comp = _compile(expression)
    zone = _zone(timezone)
    after_utc = _utc_naive(after, "after")
    if count <= 0:
        return [], zone
    if comp.interval is None:
        return _cron_fires(comp, zone, after_utc, count), zone
    step = comp.interval
    base = _utc_naive(anchor if anchor is not None else EPOCH, "anchor")
    first = base + ((after_utc - base) // step + 1) * step
    return [(first + k * step, None) for k in range(count)], zone


def next_runs(
    expression: str, timezone: str, after: datetime, count: int, *, anchor: datetime | None = None
) -> list[datetime]:
    """The next ``count`` fire instants (aware UTC) strictly after aware ``after``.

    ``@every D`` fires on the grid ``anchor + k*D`` (default anchor 1970-01-01T00:00Z),
    independent of DST. Raises CronError (bad expression or zone), ValueError (naive).
    """
    fires, _ = _fires(expression, timezone, after, count, anchor)
    return [at.replace(tzinfo=UTC) for at, _note in fires]


def next_fires(
    expression: str, timezone: str, after: datetime, count: int, *, anchor: datetime | None = None
) -> list[Fire]:
    """Like :func:`next_runs` (identical instants) with local times and DST notes."""
    fires, zone = _fires(expression, timezone, after, count, anchor)
    return [
        Fire(at.replace(tzinfo=UTC), at.replace(tzinfo=UTC).astimezone(zone), note)
        for at, note in fires
    ]


def _gaps(zone: tzinfo, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Spring-forward gaps whose transition lies in (start, end], as naive local spans."""
    found: list[tuple[datetime, datetime]] = []
    cursor, before = start, _offset_at(zone, start)
    while cursor < end:
        probe = min(cursor + _LOOKAHEAD, end)
        now = _offset_at(zone, probe)
        if now != before:
            moment = _transition(zone, cursor, probe)
            if now > before:
                found.append((moment + before, moment + now))
        cursor, before = probe, now
    return found


def skipped_between(
    expression: str, timezone: str, start: datetime, end: datetime
) -> list[datetime]:
    """Naive local wall-clock matches a wildcard job loses to DST gaps in (start, end].

    Fixed-time jobs are moved rather than skipped, so they (and ``@every``) give ``[]``.
    """
    comp = _compile(expression)
    zone = _zone(timezone)
    lo, hi = _utc_naive(start, "start"), _utc_naive(end, "end")
    if comp.matcher is None or comp.fixed:
        return []
    skipped: list[datetime] = []
    for gap_start, gap_end in _gaps(zone, lo, hi):
        t = comp.matcher.next_after(gap_start - _MINUTE)
        while t is not None and t < gap_end:
            skipped.append(t)
            t = comp.matcher.next_after(t)
    return skipped
