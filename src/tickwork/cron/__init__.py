"""Classic-cron next-run engine with explicit, DST-correct resolution.

croniter (pinned) checks and expands the fields; matches are iterated as *naive local
wall-clock* times, and this module owns how each becomes real instants in the zone:

* ordinary times fire at the one instant whose wall clock matches;
* in a spring-forward gap a wildcard job (minute or hour field starting with ``*``)
  skips the missing times, while a fixed-time job fires once, at the first instant
  after the gap;
* in a fall-back repeat a wildcard job fires on both passes, a fixed-time job only
  on the first.

Day rule (Vixie cron): when day-of-month and day-of-week are both restricted a day
matches if either does, unless one of them starts with ``*`` (then both must).
Reversed ranges such as ``22-2`` or ``fri-mon`` wrap around, as croniter reads them.
"""

from tickwork.cron.engine import next_fires, next_runs, skipped_between
from tickwork.cron.parse import (
    EPOCH,
    MACROS,
    CronError,
    Fire,
    _compile,
    expand_macro,
    format_duration,
    interval_of,
    is_fixed_time,
    is_interval,
    normalize,
    parse_duration,
    validate,
)

__all__ = [
    "EPOCH",
    "MACROS",
    "CronError",
    "Fire",
    "_compile",
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
