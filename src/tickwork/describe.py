"""English descriptions of schedule expressions (cron-descriptor, plus a few repairs).

cron-descriptor is pinned and told explicitly to use en_US with a 12-hour clock, so
the text does not depend on the machine's locale: ``0 9 * * 1-5`` is
"At 09:00 AM, Monday through Friday". Its gaps are patched here:

* both day fields restricted: cron's either-day rule ("on day 1 of the month, or on
  Monday") and the ``*``-prefixed AND case ("every 10 days, but only on Monday");
* ``L`` inside day-of-month lists and ranges ("on day 1 and the last day of the month");
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


def _describe_cron(expression: str) -> str:
    from cron_descriptor import CasingTypeEnum, DescriptionTypeEnum, ExpressionDescriptor

    fields = expression.split()
    descriptor = ExpressionDescriptor(expression, _options())

    def part(kind: DescriptionTypeEnum) -> str:
        return str(descriptor.get_description(kind))

    time_text = part(DescriptionTypeEnum.TIMEOFDAY)
    dom_text = re.sub(r"\bL\b", "the last day", part(DescriptionTypeEnum.DAYOFMONTH))
    dom_field, dow_field = fields[2], fields[4]
    if "," in dow_field and ("#" in dow_field or "l" in dow_field.lower()):
        dow_text = _nth_weekdays(dow_field)
    else:
        dow_text = part(DescriptionTypeEnum.DAYOFWEEK)
    if dom_field != "*" and dow_field != "*":
        bare = dow_text.removeprefix(", ").removeprefix("or ").removeprefix("only ")
        if dom_field.startswith("*") or dow_field.startswith("*"):
            dow_text = f", but only {bare}"  # cron's AND case
        else:
            dow_text = f", or {bare}"  # cron's either-day rule
    text = time_text + dom_text + dow_text + part(DescriptionTypeEnum.MONTH)
    text = descriptor.transform_verbosity(text, use_verbose_format=False)
    return str(ExpressionDescriptor.transform_case(text, CasingTypeEnum.Sentence))


@lru_cache(maxsize=2048)
def describe(expression: str) -> str:
    """Plain-English description of a cron expression, macro or ``@every`` interval."""
    text = " ".join(expression.split())
    try:
        if cron.is_interval(text):
            return f"Every {describe_duration(cron.interval_of(text))}"
        expanded = cron.expand_macro(text)
        if len(expanded.split()) != 5:
            return text
        return _describe_cron(expanded)
    except Exception:  # cron-descriptor has many failure modes; the text is the fallback
        return text
