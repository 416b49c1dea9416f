"""An independent model of classic cron, the oracle of the cron property tests.

* Fields become sets the plain way (no croniter): lists, ranges, steps, names; reversed
  ranges wrap; ``L`` (last day) and ``#``/``L`` weekdays as tickwork documents them.
* The day rule and the fixed-time flag are cronie's (``entry.c``): DOM_STAR, DOW_STAR,
  MIN_STAR and HR_STAR are set when a field's first character is ``*``, and a day matches
  when ``star ? dom AND dow : dom OR dow`` on the fields' bits.
* :func:`daemon_fires` runs cronie's main loop (``cron.c``) minute by minute over a zone's
  wall clock: its wake-up cases (small, medium, negative, large) decide what a jump of the
  clock fires. Offsets must be whole minutes.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MINUTE = timedelta(minutes=1)


def _num(text: str, fi: int) -> int:
    low = text.lower()
    if fi == 3 and low in _MONTHS:
        return _MONTHS.index(low) + 1
    if fi == 4 and low in _DAYS:
        return _DAYS.index(low)
    return int(text)


def _values(item: str, fi: int) -> set[int]:
    lo, hi = _BOUNDS[fi]
    base, _, step_text = item.partition("/")
    step = int(step_text) if step_text else 1
    if base == "*":
        return set(range(lo, hi + 1, step))
    first, dash, last = base.partition("-")
    a = _num(first, fi)
    if fi == 4:
        a %= 7
    if not dash:
        return set(range(a, hi + 1, step)) if step_text else {a}
    b = 31 if fi == 2 and last.lower() == "l" else _num(last, fi)
    if a <= b:
        return {v % 7 if fi == 4 else v for v in range(a, b + 1, step)}
    assert step == 1, "reversed ranges with a step are refused"
    return set(range(a, hi + 1)) | set(range(lo, b % 7 + 1 if fi == 4 else b + 1))


@dataclass
class Entry:
    minutes: set[int]
    hours: set[int]
    doms: set[int]
    last_dom: bool
    months: set[int]
    dows: set[int]
    nth: set[tuple[int, int | str]]  # (weekday, 1-5 or "L")
    min_star: bool
    hr_star: bool
    dom_star: bool
    dow_star: bool

    @property
    def fixed(self) -> bool:
        return not (self.min_star or self.hr_star)

    def matches(self, wall: datetime) -> bool:
        if wall.minute not in self.minutes or wall.hour not in self.hours:
            return False
        if wall.month not in self.months:
            return False
        month_len = calendar.monthrange(wall.year, wall.month)[1]
        dom = wall.day in self.doms or (self.last_dom and wall.day == month_len)
        weekday = (wall.weekday() + 1) % 7
        dow = weekday in self.dows
        for day, nth in self.nth:
            if day == weekday and (
                (nth == "L" and wall.day + 7 > month_len) or (wall.day + 6) // 7 == nth
            ):
                dow = True
        return (dom and dow) if (self.dom_star or self.dow_star) else (dom or dow)


def parse(expression: str) -> Entry:
    text = MACROS.get(expression.strip().lower(), expression)
    fields = text.split()
    assert len(fields) == 5, text
    sets: list[set[int]] = []
    last_dom = False
    nth: set[tuple[int, int | str]] = set()
    for fi, field in enumerate(fields):
        values: set[int] = set()
        for item in field.split(","):
            low = item.lower()
            if fi == 2 and low == "l":
                last_dom = True
            elif fi == 4 and "#" in item:
                day, _, n = item.partition("#")
                nth.add((_num(day, 4) % 7, int(n)))
            elif fi == 4 and (low.endswith("l") or (low.startswith("l") and low[1:].isdigit())):
                day = item[:-1] if low.endswith("l") else item[1:]
                nth.add((_num(day, 4) % 7, "L"))
            else:
                values |= _values(item, fi)
        sets.append(values)
    return Entry(
        minutes=sets[0],
        hours=sets[1],
        doms=sets[2],
        last_dom=last_dom,
        months=sets[3],
        dows=sets[4],
        nth=nth,
        min_star=fields[0].startswith("*"),
        hr_star=fields[1].startswith("*"),
        dom_star=fields[2].startswith("*"),
        dow_star=fields[4].startswith("*"),
    )


def _wall_minute(instant: datetime, zone: ZoneInfo) -> int:
    """cron.c's clockTime: local wall-clock minutes since the epoch."""
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None and offset.total_seconds() % 60 == 0, "whole-minute offsets only"
    return int((instant.timestamp() + offset.total_seconds()) // 60)


def _wall(minutes: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(minutes=minutes)


def daemon_fires(
    entry: Entry, zone_name: str, start: datetime, end: datetime, warmup: timedelta
) -> list[datetime]:
    """The instants in (start, end] at which cronie's loop runs the job (started at
    start - warmup, waking at each whole UTC minute)."""
    zone = ZoneInfo(zone_name)
    fires: set[datetime] = set()
    t = (start - warmup).replace(second=0, microsecond=0)
    time_running = virtual = _wall_minute(t, zone)

    def find(vtime: int, wild: bool, non_wild: bool, now: datetime) -> None:
        if entry.matches(_wall(vtime)) and (
            (non_wild and entry.fixed) or (wild and not entry.fixed)
        ):
            fires.add(now)

    while t < end:
        t += MINUTE
        clock = _wall_minute(t, zone)
        if clock == time_running:
            continue
        time_running = clock
        diff = time_running - virtual
        if diff == 1:
            virtual = time_running
            find(virtual, True, True, t)
        elif diff > 180 or diff < -180:  # large: the clock was reset
            virtual = time_running
            find(time_running, True, True, t)
        elif diff > 5:  # medium: DST began
            find(time_running, True, False, t)
            while virtual < time_running:
                virtual += 1
                find(virtual, False, True, t)
        elif diff > 0:  # small: woke up late
            while virtual < time_running:
                virtual += 1
                find(virtual, True, True, t)
        else:  # negative: DST ended; virtual time waits
            find(time_running, True, False, t)
    return sorted(f for f in fires if start < f <= end)


def naive_next(entry: Entry, wall: datetime) -> datetime:
    """The first matching wall-clock minute strictly after ``wall`` (slow, plain scan)."""
    t = wall.replace(second=0, microsecond=0) + MINUTE
    while not entry.matches(t):
        t += MINUTE
    return t


def transitions(zone_name: str, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end) at which the zone's offset changes."""
    zone, found, step = ZoneInfo(zone_name), [], timedelta(hours=3)
    u, off = start, start.astimezone(zone).utcoffset()
    while u < end:
        nxt = u + step
        o = nxt.astimezone(zone).utcoffset()
        if o != off:
            lo, hi = 0, int(step.total_seconds())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if (u + timedelta(seconds=mid)).astimezone(zone).utcoffset() == o:
                    hi = mid
                else:
                    lo = mid
            found.append(u + timedelta(seconds=hi))
        u, off = nxt, o
    return found


Oracle = Callable[[str, str, datetime, datetime], list[datetime]]


def fires_between(
    expression: str, zone_name: str, start: datetime, end: datetime
) -> list[datetime]:
    """Classic cron's fires in (start, end], the daemon running since a day before."""
    return daemon_fires(parse(expression), zone_name, start, end, timedelta(hours=26))


__all__ = ["UTC", "Entry", "daemon_fires", "fires_between", "naive_next", "parse", "transitions"]
