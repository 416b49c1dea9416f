"""Parsing cron expressions: fields, names, macros, @every durations, and the matcher.

Reversed ranges such as ``22-2`` or ``fri-mon`` wrap around, as croniter reads them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by _compile() when an expression is first compiled (~25 ms)
    from croniter import croniter

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MACROS: dict[str, str] = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MAX_YEARS_BETWEEN_MATCHES = 50  # croniter's default search horizon

_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTH_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAY_LONG = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_NAMES: tuple[dict[str, int], ...] = (
    {},
    {},
    {},
    {n[:3].lower(): i + 1 for i, n in enumerate(_MONTH_LONG)},
    {n[:3].lower(): i for i, n in enumerate(_DAY_LONG)},
)
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: leap years count
_DIGITS = re.compile(r"[0-9]+")
_WORD = re.compile(r"[A-Za-z]+")
_DURATION_PART = re.compile(r"([0-9]+)\s*([smhd])")
_DURATION_FULL = re.compile(r"(?:[0-9]+\s*[smhd]\s*)+")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_MINUTE, _DAY = timedelta(minutes=1), timedelta(days=1)
_LOOKAHEAD = timedelta(hours=3)  # longer than any fall-back repeat

_Pending = tuple[datetime, str | None]  # (naive UTC instant, DST note)


class CronError(ValueError):
    """A schedule expression (or time zone) is not usable; the message is one human line."""


@dataclass(frozen=True)
class Fire:
    """One firing: the UTC instant, the same instant in the schedule zone, and a DST note."""

    at: datetime
    local: datetime
    note: str | None = None


def parse_duration(text: str) -> timedelta:
    """Parse ``30s``, ``1h30m``, ``2d``, ``90m`` or ``1h 30m`` (at least one second)."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise CronError("duration is empty: use a number with s, m, h or d, like 30s or 1h30m")
    if not _DURATION_FULL.fullmatch(cleaned):
        raise CronError(
            f"bad duration '{text.strip()}': use a number with s, m, h or d, like 30s or 1h30m"
        )
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(cleaned))
    if seconds < 1:
        raise CronError(f"duration must be at least 1s, got '{text.strip()}'")
    return timedelta(seconds=seconds)


def format_duration(td: timedelta) -> str:
    """Compact form of a duration: 5400 s -> ``1h30m`` (whole seconds; 0 -> ``0s``)."""
    total = int(td.total_seconds())
    sign, total = ("-", -total) if total < 0 else ("", total)
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        amount, total = divmod(total, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + ("".join(parts) or "0s")


def _split_macro(expression: str) -> tuple[str, str]:
    head, _, rest = " ".join(expression.split()).partition(" ")
    return head.lower(), rest


def is_interval(expression: str) -> bool:
    """True for ``@every <duration>`` expressions (first word ``@every``, any case)."""
    return _split_macro(expression)[0] == "@every"


def interval_of(expression: str) -> timedelta:
    """The duration of an ``@every <duration>`` expression."""
    head, rest = _split_macro(expression)
    if head != "@every":
        raise CronError(f"'{expression.strip()}' is not an @every expression")
    if not rest:
        raise CronError("@every needs a duration, like @every 30m or @every 1h30m")
    return parse_duration(rest)


def expand_macro(expression: str) -> str:
    """``@daily`` -> ``0 0 * * *``; other expressions come back whitespace-collapsed."""
    text = " ".join(expression.split())
    if not text.startswith("@") or is_interval(text):
        return text
    try:
        return MACROS[text.lower()]
    except KeyError:
        raise CronError(
            f"unknown macro '{text}' (use @yearly, @annually, @monthly, @weekly, @daily, "
            "@midnight, @hourly or @every <duration>)"
        ) from None


def normalize(expression: str) -> str:
    """Collapse whitespace, lowercase macros and canonicalise ``@every`` durations."""
    text = " ".join(expression.split())
    if is_interval(text):
        return f"@every {format_duration(interval_of(text))}"
    return text.lower() if text.startswith("@") else text


def is_fixed_time(expression: str) -> bool:
    """After macro expansion: neither the minute nor the hour field starts with ``*``."""
    if is_interval(expression):
        return False
    fields = expand_macro(expression).split()
    return len(fields) >= 2 and not fields[0].startswith("*") and not fields[1].startswith("*")


def _value(token: str, fi: int) -> int:
    name, (low, high), names = _FIELDS[fi], _BOUNDS[fi], _NAMES[fi]
    if _DIGITS.fullmatch(token):
        value = int(token)
    elif names and _WORD.fullmatch(token):
        found = names.get(token.lower())
        if found is None:
            short = token[:3].lower()
            hint = f" (use three-letter names like '{short}')" if short in names else ""
            raise CronError(f"unknown {'month' if fi == 3 else 'day'} name '{token}'{hint}")
        value = found
    else:
        raise _bad_token(token, fi)
    if not low <= value <= high:
        raise CronError(f"{name} {value} is out of range {low}-{high}")
    return value


def _bad_token(token: str, fi: int) -> CronError:
    name, low = _FIELDS[fi], token.lower()
    if "?" in token:
        return CronError("'?' is not supported; use * instead")
    if fi == 2 and "w" in low and _DIGITS.search(low):
        return CronError("'W' (nearest weekday) is not supported")
    if low[:1] in ("h", "r") and (len(low) == 1 or low[1] in "(/"):
        return CronError("hashed or random values (H, R) are not supported")
    if token.startswith("-"):
        return CronError(f"{name} values cannot be negative, got '{token}'")
    return CronError(f"{name} value '{token}' is not a number{' or name' if _NAMES[fi] else ''}")


def _span(low: int, high: int, step: int, fi: int) -> set[int]:
    """Values of ``low-high/step``; a reversed range wraps around the field."""
    if low <= high:
        return set(range(low, high + 1, step))
    lo, hi = _BOUNDS[fi][0], (6 if fi == 4 else _BOUNDS[fi][1])
    size = hi - lo + 1
    return {lo + (low - lo + k) % size for k in range(0, (high - low) % size + 1, step)}


def _item(item: str, fi: int) -> tuple[set[int], str, bool]:
    """One list item -> (values, croniter token, is a ``#``/``L`` weekday item)."""
    if not item:
        raise CronError(f"empty value in the {_FIELDS[fi]} list")
    low_item = item.lower()
    if fi == 4 and low_item == "l":
        raise CronError("'L' in day-of-week needs a day, like 5L or friL (last Friday)")
    if fi == 4 and (
        "#" in item
        or low_item.endswith("l")
        or (low_item.startswith("l") and _DIGITS.fullmatch(item[1:]))
    ):
        return _nth_item(item, low_item)
    if fi == 2 and low_item == "l":
        return {32}, item, False  # 32 stands for "last day of the month"
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _DIGITS.fullmatch(step_text) or int(step_text) == 0:
            got = step_text if _DIGITS.fullmatch(step_text) else f"'{step_text}'"
            raise CronError(f"step must be a positive number, got {got}")
        step = int(step_text)
    low, high = _BOUNDS[fi][0], (6 if fi == 4 else _BOUNDS[fi][1])
    if base == "*":
        return _span(low, high, step, fi), item, False
    first, dash, last = base.partition("-")
    if not dash:
        start = _value(base, fi) % 7 if fi == 4 else _value(base, fi)
        return (_span(start, high, step, fi) if slash else {start}), item, False
    if not first:
        raise _bad_token(base, fi)
    a = _value(first, fi)
    b = 31 if fi == 2 and last.lower() == "l" else _value(last, fi)
    if fi == 4:  # 0 and 7 are both Sunday; 0-7 is the whole week
        a, b = (0, 6) if (a, b) == (0, 7) else (a % 7, b % 7)
    if a == b:  # croniter reads "5-5" as the whole field: refuse the trap
        raise CronError(f"range {base} starts and ends at the same value; write just {first}")
    return _span(a, b, step, fi), item, False


def _nth_item(item: str, low_item: str) -> tuple[set[int], str, bool]:
    """``5#3`` / ``fri#3`` (third Friday); ``5L`` / ``friL`` / ``L5`` (last Friday)."""
    if "#" in item:
        day_text, _, nth_text = item.partition("#")
        if not _DIGITS.fullmatch(nth_text) or not 1 <= int(nth_text) <= 5:
            raise CronError(f"the week number after # must be 1-5, got '{nth_text}' in '{item}'")
    else:
        day_text, nth_text = (item[:-1] if low_item.endswith("l") else item[1:]), "L"
    if not day_text or any(c in day_text for c in "-/*"):
        raise CronError(f"'{item}' needs a single day, like 5#3, fri#3 or 5L")
    day = _value(day_text, 4) % 7
    # croniter spells "last Friday" as L5 (it rejects 5L)
    return {day}, (f"L{day}" if nth_text == "L" else f"{day}#{int(nth_text)}"), True


def _parse_field(text: str, fi: int) -> tuple[set[int], str, bool]:
    items = text.split(",")
    if "*" in items and len(items) > 1:
        raise CronError(f"'*' cannot be combined with other values in the {_FIELDS[fi]} list")
    parsed = [_item(item, fi) for item in items]
    kinds = {nth for _, _, nth in parsed}
    if len(kinds) > 1:
        raise CronError("day-of-week cannot mix plain days with # or L days in one list")
    values = set().union(*(vals for vals, _, _ in parsed))
    return values, ",".join(tok for _, tok, _ in parsed), True in kinds


def _check_days_exist(fields: list[str], dom: set[int], months: set[int]) -> None:
    """Reject day-of-month/month pairs that never meet, like ``31 2`` (February 31)."""
    if 32 in dom or fields[3] == "*":
        return
    if fields[4] != "*" and not (fields[2].startswith("*") or fields[4].startswith("*")):
        return  # either-day rule: the day-of-week alone can match
    first = min(dom)
    if first > max(_MONTH_DAYS[m - 1] for m in months):
        names = [_MONTH_LONG[m - 1] for m in sorted(months)]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        raise CronError(
            f"never matches: {joined} {'has' if len(names) == 1 else 'have'} no day {first}"
        )


class _Matcher:
    """Naive wall-clock matches of croniter's expanded fields under croniter's day rules.

    Iterating croniter's own expansion here is several times faster than
    ``croniter.get_next`` (relativedelta-heavy); the tests check that both agree.
    """

    def __init__(self, c: croniter) -> None:
        ex, text = c.expanded, c.expressions
        self.minutes: list[int] = list(range(60)) if ex[0] == ["*"] else sorted(ex[0])
        self.hours: list[int] = list(range(24)) if ex[1] == ["*"] else sorted(ex[1])
        self.months: set[int] = set(range(1, 13)) if ex[3] == ["*"] else set(ex[3])
        self.doms = {d for d in ex[2] if isinstance(d, int)}
        self.last = "l" in ex[2]
        self.dows = {d for d in ex[4] if isinstance(d, int)}
        self.nth: dict[int, set[int | str]] = {k: set(v) for k, v in c.nth_weekday_of_month.items()}
        dom, dow = ex[2] != ["*"], ex[4] != ["*"] or bool(self.nth)
        either = dom and dow and not (text[2].startswith("*") or text[4].startswith("*"))
        self.rule = "or" if either else ("dom" if dom else "") + ("dow" if dow else "")

    def _day_ok(self, day: date) -> bool:
        rule = self.rule
        if not rule:
            return True
        month_len = monthrange(day.year, day.month)[1] if self.last or self.nth else 0
        if rule != "dow":
            dom_ok = day.day in self.doms or (self.last and day.day == month_len)
            if rule == "dom" or dom_ok == (rule == "or"):
                return dom_ok  # day-of-month alone, "or" satisfied, or "and" failed
        weekday = day.isoweekday() % 7
        if not self.nth:
            return weekday in self.dows
        nths = self.nth.get(weekday, ())
        return (day.day + 6) // 7 in nths or ("l" in nths and day.day + 7 > month_len)

    def next_after(self, t: datetime) -> datetime | None:
        """First match strictly after ``t`` (minute precision); None past 50 years."""
        minutes, hours = self.minutes, self.hours
        t = t.replace(second=0, microsecond=0) + _MINUTE
        day, hour, minute = t.date(), t.hour, t.minute
        horizon = day.year + MAX_YEARS_BETWEEN_MATCHES
        try:
            while day.year <= horizon:
                if day.month not in self.months:
                    day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                    hour = minute = 0
                    continue
                if self._day_ok(day):
                    for h in hours[bisect_left(hours, hour) :]:
                        i = bisect_left(minutes, minute if h == hour else 0)
                        if i < len(minutes):
                            return datetime(day.year, day.month, day.day, h, minutes[i])
                day += _DAY
                hour = minute = 0
        except OverflowError:
            pass
        return None


@dataclass(frozen=True)
class _Compiled:
    interval: timedelta | None
    fixed: bool
    matcher: _Matcher | None


@lru_cache(maxsize=2048)
def _compile(expression: str) -> _Compiled:
    text = " ".join(expression.split())
    if not text:
        raise CronError("expression is empty")
    if is_interval(text):
        return _Compiled(interval_of(text), False, None)
    fields = expand_macro(text).split()
    if len(fields) != 5:
        extra = "; seconds and years fields are not supported" if len(fields) in (6, 7) else ""
        raise CronError(
            "expected 5 fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)}{extra}"
        )
    parsed = [_parse_field(f, i) for i, f in enumerate(fields)]
    if parsed[4][2] and fields[2] != "*":
        raise CronError(
            "a day-of-week with # or L cannot be combined with a day-of-month; "
            "use * for the day of month"
        )
    _check_days_exist(fields, parsed[2][0], parsed[3][0])
    from croniter import CroniterBadDateError, CroniterError, croniter

    try:
        checked = croniter(
            " ".join(p[1] for p in parsed),
            datetime(2000, 1, 1),
            ret_type=datetime,
            day_or=True,
            implement_cron_bug=True,
        )
        checked.get_next(datetime)
    except CroniterBadDateError:
        raise CronError(
            f"never matches: no date within {MAX_YEARS_BETWEEN_MATCHES} years "
            "fits this day-of-month/month/day-of-week combination"
        ) from None
    except (CroniterError, ValueError, TypeError) as exc:
        message = re.sub(r"\[[^\]]*\]\s*", "", str(exc)).strip(" .,")
        raise CronError(f"not a valid cron expression: {message or 'rejected'}") from None
    return _Compiled(None, is_fixed_time(" ".join(fields)), _Matcher(checked))


def validate(expression: str) -> None:
    """Raise :class:`CronError` with the precise reason if ``expression`` is unusable."""
    _compile(expression)
