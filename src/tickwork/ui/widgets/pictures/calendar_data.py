"""When a schedule fires, laid out as a month of days or a week of hours (no Textual).

Fires come from `spec.upcoming` (what the runner fires), counted in the schedule's own zone;
a day or hour with many fires is counted up to DENSE and the walk jumps on, so a month of an
every-minute schedule costs a few hundred fires, not 43,200. Days where daylight saving time
moved a fire or swallowed a local time are marked, with a note saying what happened.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from tickwork import cron
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.timezones import zone as iana_zone

DENSE = 99  # fires counted per cell at most ("99+")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class DayCell:
    day: date
    fires: int  # capped at DENSE
    moved: bool = False  # a fire that day was moved by a DST change
    skipped: bool = False  # a matching local time that day does not exist (DST gap)
    past: bool = False  # before today, in the schedule's zone
    today: bool = False
    first: datetime | None = None  # the first fire that day, in the schedule's zone


@dataclass(frozen=True)
class MonthView:
    year: int
    month: int
    timezone: str
    weeks: list[list[DayCell | None]]  # Monday first; None: a day of another month
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def total(self) -> int:
        return sum(c.fires for week in self.weeks for c in week if c is not None)

    def cell(self, day: date) -> DayCell | None:
        return next((c for w in self.weeks for c in w if c is not None and c.day == day), None)


@dataclass(frozen=True)
class WeekView:
    monday: date
    timezone: str
    counts: list[list[int]]  # [hour][weekday 0..6], capped at DENSE
    marks: dict[tuple[int, int], str]  # (hour, weekday) -> "moved" | "skipped"
    notes: list[str] = field(default_factory=list)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)


def _local_midnight(day: date, tz: str) -> datetime:
    """The first instant of `day` in zone `tz`, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=iana_zone(tz))


def _fires_between(s: Schedule, start: datetime, end: datetime, now: datetime) -> list[datetime]:
    """The schedule's fires in [start, end), from now on, at most DENSE per local hour."""
    out: list[datetime] = []
    zone = iana_zone(s.timezone)
    after = max(start, now) - _TICK
    per_hour: dict[tuple[date, int], int] = {}
    for _ in range(10_000):  # a hard bound: the walk ends long before
        batch = spec.upcoming(s, after, 64)
        for t in batch:
            if t >= end:
                return out
            local = t.astimezone(zone)
            key = (local.date(), local.hour)
            per_hour[key] = per_hour.get(key, 0) + 1
            if per_hour[key] <= DENSE:
                out.append(t)
        if len(batch) < 64:
            return out
        last = batch[-1].astimezone(zone)
        if per_hour.get((last.date(), last.hour), 0) >= DENSE:  # jump to the next hour
            hour_start = last.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
            after = hour_start + timedelta(hours=1) - _TICK
        else:
            after = batch[-1]
    return out


Moved = list[tuple[datetime, str]]  # (local time it fires at, what DST did)


def _dst_days(s: Schedule, days: list[date]) -> dict[date, tuple[Moved, list[datetime]]]:
    """For the days whose UTC offset changes: (moved fires, skipped local times)."""
    found: dict[date, tuple[Moved, list[datetime]]] = {}
    if s.generator.type == "INTERVAL":  # @every is immune to DST
        return found
    for day in days:
        start, end = (
            _local_midnight(day, s.timezone),
            _local_midnight(day + timedelta(1), s.timezone),
        )
        if start.utcoffset() == end.utcoffset():
            continue
        fires = cron.next_fires(s.expression, s.timezone, start - _TICK, 64, anchor=s.anchor_at)
        moved = [(f.local, f.note) for f in fires if f.at < end and f.note is not None]
        skipped = cron.skipped_between(s.expression, s.timezone, start, end)
        if moved or skipped:
            found[day] = (moved, skipped)
    return found


def _notes(moved: Moved, skipped: list[datetime]) -> list[str]:
    return [f"{at:%m-%d %H:%M}: {note}" for at, note in moved] + [
        f"{t:%m-%d %H:%M}: no such time (DST): not fired" for t in skipped
    ]


def month_view(s: Schedule, year: int, month: int, now: datetime) -> MonthView:
    """The month in the schedule's zone: fires per day from now on, DST days marked."""
    zone = iana_zone(s.timezone)
    today = now.astimezone(zone).date()
    first = date(year, month, 1)
    ndays = calendar.monthrange(year, month)[1]
    days = [first + timedelta(days=i) for i in range(ndays)]
    start = _local_midnight(first, s.timezone)
    end = _local_midnight(first + timedelta(days=ndays), s.timezone)
    counts: dict[date, int] = {}
    firsts: dict[date, datetime] = {}
    for t in _fires_between(s, start, end, now):
        local = t.astimezone(zone)
        d = local.date()
        counts[d] = min(DENSE, counts.get(d, 0) + 1)
        firsts.setdefault(d, local)
    dst = _dst_days(s, days)
    notes: list[str] = []
    for day in days:
        notes += _notes(*dst.get(day, ([], [])))
    cells = {
        d: DayCell(
            d,
            counts.get(d, 0),
            moved=bool(dst.get(d, ([], []))[0]),
            skipped=bool(dst.get(d, ([], []))[1]),
            past=d < today,
            today=d == today,
            first=firsts.get(d),
        )
        for d in days
    }
    weeks: list[list[DayCell | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([cells.get(d) if d.month == month else None for d in week])
    return MonthView(year, month, s.timezone, weeks, notes)


def week_view(s: Schedule, monday: date, now: datetime) -> WeekView:
    """Seven days from `monday`, 24 hours each, in the schedule's zone."""
    zone = iana_zone(s.timezone)
    days = [monday + timedelta(days=i) for i in range(7)]
    start = _local_midnight(monday, s.timezone)
    end = _local_midnight(monday + timedelta(days=7), s.timezone)
    counts = [[0] * 7 for _ in range(24)]
    for t in _fires_between(s, start, end, now):
        local = t.astimezone(zone)
        col = (local.date() - monday).days
        if 0 <= col < 7:
            counts[local.hour][col] = min(DENSE, counts[local.hour][col] + 1)
    marks: dict[tuple[int, int], str] = {}
    notes: list[str] = []
    for day, (moved, skipped) in _dst_days(s, days).items():
        col = (day - monday).days
        notes += _notes(moved, skipped)
        for t in skipped:
            marks[(t.hour, col)] = "skipped"
        for at, _note in moved:
            marks.setdefault((at.hour, col), "moved")
    return WeekView(monday, s.timezone, counts, marks, notes)


def month_of(moment: datetime, tz: str) -> tuple[int, int]:
    local = moment.astimezone(iana_zone(tz))
    return local.year, local.month


def monday_of(moment: datetime, tz: str) -> date:
    local = moment.astimezone(iana_zone(tz)).date()
    return local - timedelta(days=local.weekday())


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1
