"""DST resolution: naive wall-clock matches become real instants (see tickwork.cron).

A change of the zone's offset is handled as cron.c handles the jump of the wall clock it
sees (cronie, ``cron.c``: the small / medium / negative / large wake-up cases):

=========================  ===========================  ===================================
change of the offset       wildcard job                 fixed-time job
=========================  ===========================  ===================================
forward 1 to 4 minutes     missed matches fire once, at the first instant after the gap
forward 5 min to < 3 h     missed matches are skipped   missed matches fire once, after it
forward 3 h or more        missed matches are skipped (a clock reset: no catch-up)
back up to 3 h 1 min       fires in both passes          fires in the first pass only
back more than 3 h 1 min   fires in both passes (a clock reset: everything runs again)
=========================  ===========================  ===================================

cron.c compares its last handled wall-clock minute with the new one: a gap of G minutes is
a jump of G + 1 (reset from 181, i.e. G >= 180), a repeat of B minutes one of 1 - B (reset
below -180, i.e. B >= 182).
"""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tickwork.cron.parse import _compile, _Compiled
from tickwork.cron.syntax import EPOCH, CronError, Fire

_Pending = tuple[datetime, str | None]  # (naive UTC instant, DST note)
_MINUTE = timedelta(minutes=1)
_PROBE = timedelta(hours=3)  # offset changes closer together than this are not expected
_LONGEST_REPEAT = timedelta(hours=27)  # a clock reset back never repeats more than a day
RESET_GAP = timedelta(hours=3)  # cron.c: a gap this long or longer is a clock reset
RESET_REPEAT = timedelta(hours=3, minutes=2)  # and a repeat this long or longer
SMALL_GAP = timedelta(minutes=4)  # cron.c: up to this, every missed minute is caught up
# Fires are computed within these naive-UTC bounds (a day inside what datetime holds).
LOWEST, HIGHEST = datetime(1, 1, 3), datetime(9999, 12, 29)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise CronError(f"unknown time zone '{name[:80]}'") from None


def _utc_naive(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive if LOWEST <= naive <= HIGHEST else (LOWEST if naive < LOWEST else HIGHEST)


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
        if o0 - o1 >= RESET_REPEAT:
            note = "repeated by a clock reset (fires again)"
            return [(t - o0, None), (t - o1, note)]
        if fixed:
            return [(t - o0, "repeated hour (fires once)")]
        return [(t - o0, "repeated hour (1st time)"), (t - o1, "repeated hour (2nd time)")]
    if o1 - o0 >= RESET_GAP or (not fixed and o1 - o0 > SMALL_GAP):
        return []  # skipped: a clock reset, or a wildcard job in a DST gap
    # skipped wall time caught up: fire once, at the first instant after the gap
    return [(_transition(zone, t - o1, t - o0), f"moved by DST ({t:%H:%M} does not exist)")]


@lru_cache(maxsize=4096)
def _resets_back(zone: tzinfo, year: int) -> bool:
    """Whether the zone's offset drops by more than 3 hours at once (a clock reset back) in
    this year or early the next; probed every 3 hours, once per zone and year."""
    cursor = max(datetime(year, 1, 1), LOWEST)
    end = min(datetime(year, 12, 31) + timedelta(days=3), HIGHEST) if year < 9999 else HIGHEST
    try:
        before = _offset_at(zone, cursor)
        while cursor < end:
            cursor += _PROBE
            now = _offset_at(zone, cursor)
            if before - now > _PROBE:  # the 3-hour look ahead cannot see all of its repeat
                return True
            before = now
    except OverflowError:  # at the ends of what datetime holds
        pass
    return False


def _start(zone: tzinfo, after: datetime) -> datetime:
    """Where the wall-clock scan starts: before local(after) when an offset drop is near,
    since the second pass of a fall-back just ahead repeats wall times already behind. A DST
    fall-back shows within 3 hours; a clock reset back by up to a day only a day ahead, so
    that is looked at in the years that have one."""
    local_after = zone.fromutc(after.replace(tzinfo=zone))
    here = cast(timedelta, local_after.utcoffset())
    ahead = _offset_at(zone, after + _PROBE)
    if _resets_back(zone, after.year):
        ahead = min(ahead, _offset_at(zone, after + _LONGEST_REPEAT))
    return local_after.replace(tzinfo=None) - max(here - ahead, timedelta(0)) - _MINUTE


def _cron_fires(comp: _Compiled, zone: tzinfo, after: datetime, count: int) -> list[_Pending]:
    """The first ``count`` fires strictly after naive-UTC ``after``, in order."""
    matcher = comp.matcher
    assert matcher is not None
    pending: list[_Pending] = []
    seen: set[datetime] = set()
    out: list[_Pending] = []
    budget = 4 * count + 10_000  # matches swallowed by DST gaps still count against it
    try:
        t: datetime | None = _start(zone, after)
        while len(out) < count and budget > 0:
            budget -= 1
            t = matcher.next_after(cast(datetime, t))
            if t is None or t > HIGHEST:  # no further matches: what is pending is all
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
    except OverflowError:  # at the end of what datetime holds: nothing later
        pass
    if pending and len(out) < count:
        out.extend(heapq.nsmallest(count - len(out), pending))
    if out and out[-1][0] > HIGHEST:
        return [f for f in out if f[0] <= HIGHEST]
    return out


def _interval_fires(step: timedelta, base: datetime, after: datetime, count: int) -> list[_Pending]:
    out: list[_Pending] = []
    try:
        first = base + ((after - base) // step + 1) * step
        for k in range(count):
            at = first + k * step
            if at > HIGHEST:
                break
            out.append((at, None))
    except OverflowError:
        pass
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
    base = _utc_naive(anchor if anchor is not None else EPOCH, "anchor")
    return _interval_fires(comp.interval, base, after_utc, count), zone


def next_runs(
    expression: str, timezone: str, after: datetime, count: int, *, anchor: datetime | None = None
) -> list[datetime]:
    """The next ``count`` fire instants (aware UTC) strictly after aware ``after``.

    ``@every D`` fires on the grid ``anchor + k*D`` (default anchor 1970-01-01T00:00Z),
    independent of DST. Raises CronError (bad expression or zone), ValueError (naive).
    Nothing fires after 9999-12-29: fewer than ``count`` come back near that end.
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
    """Forward offset changes whose transition lies in (start, end], as naive local spans."""
    found: list[tuple[datetime, datetime]] = []
    cursor, before = start, _offset_at(zone, start)
    while cursor < end:
        probe = min(cursor + _PROBE, end)
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
    """Naive local wall-clock matches lost to forward offset changes in (start, end].

    A wildcard job loses the matches in a DST gap (5 minutes or more); every job loses
    them in a clock reset (3 hours or more). Fixed-time jobs are otherwise moved, not
    skipped; ``@every`` never skips.
    """
    comp = _compile(expression)
    zone = _zone(timezone)
    lo, hi = _utc_naive(start, "start"), _utc_naive(end, "end")
    if comp.matcher is None:
        return []
    skipped: list[datetime] = []
    try:
        for gap_start, gap_end in _gaps(zone, lo, hi):
            size = gap_end - gap_start
            if size <= SMALL_GAP or (comp.fixed and size < RESET_GAP):
                continue
            t = comp.matcher.next_after(gap_start - _MINUTE)
            while t is not None and t < gap_end:
                skipped.append(t)
                t = comp.matcher.next_after(t)
    except OverflowError:
        pass
    return skipped
