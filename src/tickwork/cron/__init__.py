"""Classic-cron next-run engine with explicit, DST-correct resolution.

croniter expands the fields (tickwork checks them first, for precise messages); matches are
iterated as *naive local wall-clock* times, and this package owns how each becomes real
instants in the zone, as a continuously running cron daemon (cron.c) sees them:

* ordinary times fire at the one instant whose wall clock matches;
* in a spring-forward gap a wildcard job (minute or hour field starting with ``*``)
  skips the missing times, while a fixed-time job fires once, at the first instant
  after the gap;
* in a fall-back repeat a wildcard job fires on both passes, a fixed-time job only
  on the first;
* an offset change of more than 3 hours is a clock reset: no catch-up forward, and
  everything runs again backward (see :mod:`tickwork.cron.engine`).

Day rule (cron's): when day-of-month and day-of-week are both restricted a day matches
if either does, unless one of them starts with ``*`` (then both must).
Reversed ranges such as ``22-2`` or ``fri-mon`` wrap around; with a step they are refused.
"""

from tickwork.cron.engine import next_fires, next_runs, skipped_between
from tickwork.cron.matcher import Expanded
from tickwork.cron.parse import _compile, expand, validate
from tickwork.cron.syntax import (
    EPOCH,
    MACROS,
    MAX_INTERVAL,
    CronError,
    Fire,
    expand_macro,
    format_duration,
    interval_of,
    is_fixed_time,
    is_interval,
    normalize,
    parse_duration,
)

__all__ = [
    "EPOCH",
    "MACROS",
    "MAX_INTERVAL",
    "CronError",
    "Expanded",
    "Fire",
    "_compile",
    "expand",
    "expand_macro",
    "format_duration",
    "interval_of",
    "is_fixed_time",
    "is_interval",
    "next_fires",
    "next_runs",
    "normalize",
    "parse_duration",
    "skipped_between",
    "validate",
]
