"""croniter's expanded fields as sets, cron's day rule, and naive wall-clock iteration.

The day rule is cronie's (``entry.c`` sets DOM_STAR/DOW_STAR when a field's first character
is ``*``; ``cron.c`` then tests ``star ? dom AND dow : dom OR dow`` on the fields' bits).
So ``0 0 1 * 1`` fires on the 1st and on Mondays, ``0 0 */10 * 1`` only on Mondays that are
the 1st, 11th, 21st or 31st, and ``0 0 1-31 * 1`` (no star, every day of the month) every
day. Iterating these sets here is several times faster than ``croniter.get_next``.
"""

from __future__ import annotations

from bisect import bisect_left
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where expressions are compiled (tickwork.cron.parse), when used
    from croniter import croniter

MAX_YEARS_BETWEEN_MATCHES = 50  # as croniter's default search horizon
ALL_DAYS = frozenset(range(1, 32))
ALL_WEEKDAYS = frozenset(range(7))
_MINUTE, _DAY = timedelta(minutes=1), timedelta(days=1)


def _ints(field: list[int | str], everything: range) -> tuple[int, ...]:
    if field == ["*"]:
        return tuple(everything)
    return tuple(sorted({v for v in field if isinstance(v, int)}))


@dataclass(frozen=True)
class Expanded:
    """What a cron expression's fields match, from croniter's expansion."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]  # day-of-month numbers; see last_day for L
    last_day: bool
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday; plain days only (see nth)
    nth: dict[int, frozenset[int | str]]  # weekday -> {1..5, "l"}: 5#3, L5
    dom_star: bool  # the day-of-month field starts with '*' (cron's DOM_STAR)
    dow_star: bool

    @classmethod
    def of(cls, c: croniter, dom_star: bool, dow_star: bool) -> Expanded:
        ex = c.expanded
        nth = {k: frozenset(v) for k, v in c.nth_weekday_of_month.items()}
        return cls(
            minutes=_ints(ex[0], range(60)),
            hours=_ints(ex[1], range(24)),
            days=frozenset(_ints(ex[2], range(1, 32))),
            last_day="l" in ex[2],
            months=frozenset(_ints(ex[3], range(1, 13))),
            weekdays=frozenset() if nth else frozenset(v % 7 for v in _ints(ex[4], range(7))),
            nth=nth,
            dom_star=dom_star,
            dow_star=dow_star,
        )

    @property
    def dom_full(self) -> bool:
        return not self.last_day and self.days == ALL_DAYS

    @property
    def dow_full(self) -> bool:
        return not self.nth and self.weekdays == ALL_WEEKDAYS

    @property
    def day_rule(self) -> str:
        """ "" (every day), "dom", "dow", "and" (both must match) or "or" (either)."""
        if self.dom_star or self.dow_star:
            dom, dow = not self.dom_full, not self.dow_full
            return "and" if dom and dow else ("dom" if dom else "dow" if dow else "")
        return "" if self.dom_full or self.dow_full else "or"


class Matcher:
    """Naive wall-clock matches of an expanded expression, minute by minute."""

    def __init__(self, ex: Expanded) -> None:
        self.minutes = list(ex.minutes)
        self.hours = list(ex.hours)
        self.months = ex.months
        self.doms = ex.days
        self.last = ex.last_day
        self.dows = ex.weekdays
        self.nth = ex.nth
        self.rule = ex.day_rule

    def _dom_ok(self, day: date, month_len: int) -> bool:
        return day.day in self.doms or (self.last and day.day == month_len)

    def _dow_ok(self, day: date, month_len: int) -> bool:
        weekday = day.isoweekday() % 7
        if not self.nth:
            return weekday in self.dows
        nths = self.nth.get(weekday, ())
        return (day.day + 6) // 7 in nths or ("l" in nths and day.day + 7 > month_len)

    def day_ok(self, day: date) -> bool:
        rule = self.rule
        if not rule:
            return True
        if rule == "dow" and not self.nth:  # the common cases first, inline
            return day.isoweekday() % 7 in self.dows
        if rule == "dom" and not self.last:
            return day.day in self.doms
        month_len = monthrange(day.year, day.month)[1] if self.last or self.nth else 0
        if rule == "dom":
            return self._dom_ok(day, month_len)
        if rule == "dow":
            return self._dow_ok(day, month_len)
        if rule == "or":
            return self._dom_ok(day, month_len) or self._dow_ok(day, month_len)
        return self._dom_ok(day, month_len) and self._dow_ok(day, month_len)

    def next_after(self, t: datetime) -> datetime | None:
        """First match strictly after ``t`` (minute precision); None past 50 years."""
        minutes, hours = self.minutes, self.hours
        try:
            t = t.replace(second=0, microsecond=0) + _MINUTE
            day, hour, minute = t.date(), t.hour, t.minute
            horizon = day.year + MAX_YEARS_BETWEEN_MATCHES
            while day.year <= horizon:
                if day.month not in self.months:
                    day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                    hour = minute = 0
                    continue
                if self.day_ok(day):
                    for h in hours[bisect_left(hours, hour) :]:
                        i = bisect_left(minutes, minute if h == hour else 0)
                        if i < len(minutes):
                            return datetime(day.year, day.month, day.day, h, minutes[i])
                day += _DAY
                hour = minute = 0
        except (OverflowError, ValueError):  # past year 9999
            pass
        return None
