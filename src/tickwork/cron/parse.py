"""Compiling an expression: tickwork checks the fields, croniter expands them, once.

``_compile`` is cached: the runner, the UI and the CLI ask about the same few expressions.
"""

from __future__ import annotations

import importlib
import platform
import re
import struct
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from types import ModuleType

from tickwork.cron.fields import MONTH_LONG, translate
from tickwork.cron.matcher import MAX_YEARS_BETWEEN_MATCHES, Expanded, Matcher
from tickwork.cron.syntax import (
    MAX_EXPRESSION,
    MAX_INTERVAL,
    CronError,
    expand_macro,
    interval_of,
    is_fixed_time,
    is_interval,
)

_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: leap years count


@dataclass(frozen=True)
class _Compiled:
    interval: timedelta | None
    fixed: bool
    matcher: Matcher | None
    expanded: Expanded | None = None


def _check_days_exist(ex: Expanded) -> None:
    """Reject day-of-month/month pairs that never meet, like ``31 2`` (February 31)."""
    if ex.day_rule not in ("dom", "and") or ex.last_day:
        return  # either-day rule: the day-of-week alone can match
    first = min(ex.days)
    if first > max(_MONTH_DAYS[m - 1] for m in ex.months):
        names = [MONTH_LONG[m - 1] for m in sorted(ex.months)]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        raise CronError(
            f"never matches: {joined} {'has' if len(names) == 1 else 'have'} no day {first}"
        )


def _architecture(
    executable: str = sys.executable, bits: str = "", linkage: str = ""
) -> tuple[str, str]:
    """platform.architecture() of this interpreter without running `file` on it."""
    if executable != sys.executable:
        return _REAL_ARCHITECTURE(executable, bits, linkage)
    return bits or f"{struct.calcsize('P') * 8}bit", linkage


_REAL_ARCHITECTURE = platform.architecture
_croniter: ModuleType | None = None
_croniter_lock = threading.Lock()


def _croniter_module() -> ModuleType:
    """croniter, imported on first use. Its import asks platform.architecture() whether this
    Python is 32-bit, and that starts `file -b` on the interpreter: a child process and ~20 ms
    in every command, runner and UI, to learn what the pointer size already says. The import
    gets the answer from the pointer size instead (croniter checks that size first anyway).

    One thread imports it; the others wait for the whole module (the UI's thread and its
    runner's both parse crontabs at start: one took the half-imported module from sys.modules
    and the UI died of `partially initialized module 'croniter' has no attribute 'croniter'`)."""
    global _croniter
    if _croniter is not None:
        return _croniter
    with _croniter_lock:
        if _croniter is None:
            platform.architecture = _architecture
            try:
                _croniter = importlib.import_module("croniter")
            finally:
                platform.architecture = _REAL_ARCHITECTURE
        return _croniter


def _expand(fields: list[str], strict: bool) -> Expanded:
    translated = [translate(f, i, strict) for i, f in enumerate(fields)]
    if translated[4][1] and fields[2] != "*":
        raise CronError(
            "a day-of-week with # or L cannot be combined with a day-of-month; "
            "use * for the day of month"
        )
    module = _croniter_module()
    croniter, CroniterError = module.croniter, module.CroniterError
    try:
        parsed = croniter(
            " ".join(tok for tok, _ in translated),
            datetime(2000, 1, 1),
            day_or=True,
            implement_cron_bug=True,
        )
    except (CroniterError, ValueError, TypeError) as exc:
        message = re.sub(r"\[[^\]]*\]\s*", "", str(exc)).strip(" .,")
        raise CronError(f"not a valid cron expression: {message or 'rejected'}") from None
    return Expanded.of(parsed, fields[2].startswith("*"), fields[4].startswith("*"))


@lru_cache(maxsize=2048)
def _compile(expression: str, strict: bool = False) -> _Compiled:
    """What the engine computes with. ``strict`` (validation, at the door) also refuses what
    an older tickwork stored and the engine still computes: an @every longer than 100 years,
    a reversed range with a step, a very long expression. Readers never fail on those."""
    text = " ".join(expression.split())
    if not text:
        raise CronError("expression is empty")
    if strict and len(text) > MAX_EXPRESSION:
        raise CronError(f"expression is {len(text)} characters long: keep it under 1000")
    if is_interval(text):
        return _Compiled(interval_of(text, limit=MAX_INTERVAL if strict else None), False, None)
    fields = expand_macro(text).split()
    if len(fields) != 5:
        extra = "; seconds and years fields are not supported" if len(fields) in (6, 7) else ""
        raise CronError(
            "expected 5 fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)}{extra}"
        )
    expanded = _expand(fields, strict)
    _check_days_exist(expanded)
    matcher = Matcher(expanded)
    if matcher.next_after(datetime(2000, 1, 1)) is None:
        raise CronError(
            f"never matches: no date within {MAX_YEARS_BETWEEN_MATCHES} years "
            "fits this day-of-month/month/day-of-week combination"
        )
    return _Compiled(None, is_fixed_time(" ".join(fields)), matcher, expanded)


def validate(expression: str) -> None:
    """Raise :class:`CronError` with the precise reason if ``expression`` is unusable."""
    _compile(expression, strict=True)


def expand(expression: str) -> Expanded | None:
    """The sets a cron expression (or macro) matches; None for ``@every``. CronError if bad."""
    return _compile(expression).expanded
