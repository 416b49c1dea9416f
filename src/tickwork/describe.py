"""English descriptions of schedule expressions (cron-descriptor, told what actually fires).

cron-descriptor is told explicitly to use en_US with a 12-hour clock, so the text does not
depend on the machine's locale: ``0 9 * * 1-5`` is "At 09:00 AM, Monday through Friday".
It reads the text of each field, and some texts say something else than what fires
(``0-7`` "Sunday through Sunday", ``*/31`` in day-of-month "every 31 days", ``5-2``
minutes "5 through 2"). So a field whose text could mislead is rewritten from the values
croniter expanded (``tickwork.cron.expand``) before cron-descriptor sees it, and the day
clause follows cron's day rule as the engine applies it:

* both day fields restricted: cron's either-day rule ("on day 1 of the month, or on
  Monday") and the ``*``-prefixed AND case ("every 10 days, but only on Monday");
* a day field that restricts nothing (``1-31``, ``0-7``) is left out;
* ``L`` inside day-of-month lists ("on day 1 and the last day of the month");
* lists of ``#``/``L`` weekdays ("on the first Friday and the third Friday of the month").

``describe`` never raises: anything it cannot describe comes back as the expression.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from tickwork import cron

if TYPE_CHECKING:  # imported by _describe_cron() on first use: it costs ~35 ms at start-up
    from cron_descriptor import Options

__all__ = ["describe", "describe_duration"]

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
_ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth"}
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_DAY_ABBR = {name[:3].lower(): i for i, name in enumerate(_DAY_NAMES)}
_MONTH_ABBR = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_WRAP_READS_RIGHT = (1, 3, 4)  # "between 10:00 PM and 02:59 AM", "Friday through Monday"


def _options() -> Options:
    from cron_descriptor import Options

    return Options(locale_code="en_US", use_24hour_time_format=False)


def describe_duration(td: timedelta) -> str:
    """``1h30m`` -> "1 hour 30 minutes"; a single unit of one reads "hour"."""
    total = int(td.total_seconds())
    parts = []
    for name, size in _UNITS:
        amount, total = divmod(total, size)
        if amount:
            parts.append(f"{amount} {name}{'' if amount == 1 else 's'}")
    if len(parts) == 1 and parts[0].startswith("1 "):
        return parts[0][2:]
    return " ".join(parts) or "0 seconds"


def _weekday(text: str) -> str:
    key = text.lower()
    return _DAY_NAMES[int(key) % 7] if key.isdigit() else _DAY_NAMES[_DAY_ABBR[key]]


def _nth_weekdays(field: str) -> str:
    """``5#1,L0`` -> ", on the first Friday and the last Sunday of the month"."""
    phrases = []
    for item in field.split(","):
        low = item.lower()
        if "#" in item:
            day, _, nth = item.partition("#")
            phrases.append(f"the {_ORDINALS[nth]} {_weekday(day)}")
        else:
            day = item[:-1] if low.endswith("l") else item[1:]
            phrases.append(f"the last {_weekday(day)}")
    joined = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f", on {joined} of the month"


def _number(text: str, fi: int) -> int:
    low = text.lower()
    if fi == 3 and low in _MONTH_ABBR:
        return _MONTH_ABBR[low]
    if fi == 4 and low in _DAY_ABBR:
        return _DAY_ABBR[low]
    return int(text)


def _reads_right(item: str, fi: int) -> bool:
    """Whether cron-descriptor's reading of one list item is what fires."""
    low, high = _RANGES[fi]
    base, slash, step_text = item.partition("/")
    step = int(step_text) if slash else 1
    cycle = high - low + 1
    if slash and fi == 4 and "-" not in base:
        return False  # a handful of days: name them
    if slash and "-" not in base and fi != 2 and cycle % step:
        return False  # "every 7 minutes" is not true across the hour: list them
    if base == "*":
        return step <= cycle // 2
    first, dash, last = base.partition("-")
    if fi == 2 and "l" in (first.lower(), last.lower()):
        return False
    a = _number(first, fi)
    if not dash:
        return not slash or a + step <= high
    b = _number(last, fi)
    if fi == 4:
        a %= 7
        if (a, b) == (0, 7):
            return False  # the whole week
    if a > b:
        return not slash and fi in _WRAP_READS_RIGHT
    return a + step <= b


def _field_reads_right(text: str, fi: int) -> bool:
    items = text.split(",")
    if "*" in items and len(items) > 1:
        return False
    if fi == 2 and text.lower() not in ("l",) and text.lower().endswith(",l"):
        items = items[:-1]  # "1,L" reads "on day 1 and the last day of the month"
    elif fi == 2 and text.lower() == "l":
        return True
    try:
        return all(_reads_right(item, fi) for item in items)
    except (ValueError, KeyError):
        return False


def _runs(values: list[int]) -> str:
    """[0, 1, 2, 5, 6, 9] -> "0-2,5,6,9": runs of three or more become ranges."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}-{values[j]}")
        else:
            parts.extend(str(v) for v in values[i : j + 1])
        i = j + 1
    return ",".join(parts)


def _from_values(values: set[int] | frozenset[int] | tuple[int, ...], fi: int) -> str:
    """A field's text written from what it matches."""
    low, high = _RANGES[fi]
    ordered = sorted(set(values))
    if ordered == list(range(low, high + 1)):
        return "*"
    plain = _runs(ordered)
    if fi == 4 and 0 in ordered and 6 in ordered:  # a run through Saturday into Sunday?
        rotated = _runs(sorted(7 if v == 0 else v for v in ordered))
        if rotated.count(",") < plain.count(","):
            return rotated
    return plain


def _fields_as_fired(expression: str) -> list[str]:
    """The expression's fields, each rewritten from its values where its text misleads."""
    fields = expression.split()
    ex = cron.expand(expression)
    assert ex is not None
    sets: list[frozenset[int] | tuple[int, ...]] = [ex.minutes, ex.hours, ex.days, ex.months]
    out = []
    for fi, text in enumerate(fields[:4]):
        if _field_reads_right(text, fi):
            out.append(text)
        elif fi == 2 and ex.last_day:
            days = _from_values(ex.days, 2) if ex.days else ""
            out.append(f"{days},L" if days and days != "*" else "L")
        else:
            out.append(_from_values(sets[fi], fi))
    dow = fields[4]
    if ex.nth or _field_reads_right(dow, 4):
        out.append(dow)
    else:
        out.append(_from_values(ex.weekdays, 4))
    rule = ex.day_rule
    if rule in ("", "dow"):
        out[2] = "*"
    if rule in ("", "dom"):
        out[4] = "*"
    return out


def _describe_cron(expression: str) -> str:
    from cron_descriptor import CasingTypeEnum, DescriptionTypeEnum, ExpressionDescriptor

    fields = _fields_as_fired(expression)
    rule = cron.expand(expression).day_rule  # type: ignore[union-attr]
    descriptor = ExpressionDescriptor(" ".join(fields), _options())

    def part(kind: DescriptionTypeEnum) -> str:
        return str(descriptor.get_description(kind))

    time_text = part(DescriptionTypeEnum.TIMEOFDAY)
    dom_text = re.sub(r"\bL\b", "the last day", part(DescriptionTypeEnum.DAYOFMONTH))
    dow_field = fields[4]
    if "," in dow_field and ("#" in dow_field or "l" in dow_field.lower()):
        dow_text = _nth_weekdays(dow_field)
    else:
        dow_text = part(DescriptionTypeEnum.DAYOFWEEK)
    if rule in ("and", "or"):
        bare = dow_text.removeprefix(", ").removeprefix("or ").removeprefix("only ")
        dow_text = f", but only {bare}" if rule == "and" else f", or {bare}"
    text = time_text + dom_text + dow_text + part(DescriptionTypeEnum.MONTH)
    text = descriptor.transform_verbosity(text, use_verbose_format=False)
    return str(ExpressionDescriptor.transform_case(text, CasingTypeEnum.Sentence))


@lru_cache(maxsize=2048)
def describe(expression: str) -> str:
    """Plain-English description of a cron expression, macro or ``@every`` interval."""
    text = " ".join(expression.split())
    try:
        if cron.is_interval(text):
            return f"Every {describe_duration(cron.interval_of(text, limit=None))}"
        expanded = cron.expand_macro(text)
        if len(expanded.split()) != 5:
            return text
        return _describe_cron(expanded)
    except Exception:  # a bad expression, or one of cron-descriptor's many failure modes
        return text
