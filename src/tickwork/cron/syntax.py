"""Expression text: macros, ``@every`` durations, normalising, and what makes a job fixed-time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
MAX_INTERVAL = timedelta(days=36500)  # @every at most 100 years: its fires stay representable
MAX_EXPRESSION = 1000  # characters; a crontab line is far shorter
_DURATION_PART = re.compile(r"([0-9]+)\s*([smhd])")
_DURATION_FULL = re.compile(r"(?:[0-9]+\s*[smhd]\s*)+")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class CronError(ValueError):
    """A schedule expression (or time zone) is not usable; the message is one human line."""


@dataclass(frozen=True)
class Fire:
    """One firing: the UTC instant, the same instant in the schedule zone, and a DST note."""

    at: datetime
    local: datetime
    note: str | None = None


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 40 else text[:40] + "…"


_LONGEST = timedelta(days=999_999_999)  # what a timedelta holds


def parse_duration(text: str, limit: timedelta | None = MAX_INTERVAL) -> timedelta:
    """Parse ``30s``, ``1h30m``, ``2d``, ``90m`` or ``1h 30m`` (1 second to 100 years;
    ``limit=None``: as long as a timedelta holds, for what an older version stored)."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise CronError("duration is empty: use a number with s, m, h or d, like 30s or 1h30m")
    if len(cleaned) > 10_000 or not _DURATION_FULL.fullmatch(cleaned):
        raise CronError(
            f"bad duration '{_shown(text)}': use a number with s, m, h or d, like 30s or 1h30m"
        )
    parts = _DURATION_PART.findall(cleaned)
    if any(len(n) > 12 for n, _ in parts):
        raise CronError(f"duration '{_shown(text)}' is too long: use at most 36500d (100 years)")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds < 1:
        raise CronError(f"duration must be at least 1s, got '{_shown(text)}'")
    if seconds > (limit or _LONGEST).total_seconds():
        raise CronError(f"duration '{_shown(text)}' is too long: use at most 36500d (100 years)")
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


def interval_of(expression: str, limit: timedelta | None = MAX_INTERVAL) -> timedelta:
    """The duration of an ``@every <duration>`` expression."""
    head, rest = _split_macro(expression)
    if head != "@every":
        raise CronError(f"'{_shown(expression)}' is not an @every expression")
    if not rest:
        raise CronError("@every needs a duration, like @every 30m or @every 1h30m")
    return parse_duration(rest, limit)


def expand_macro(expression: str) -> str:
    """``@daily`` -> ``0 0 * * *``; other expressions come back whitespace-collapsed."""
    text = " ".join(expression.split())
    if not text.startswith("@") or is_interval(text):
        return text
    try:
        return MACROS[text.lower()]
    except KeyError:
        raise CronError(
            f"unknown macro '{_shown(text)}' (use @yearly, @annually, @monthly, @weekly, "
            "@daily, @midnight, @hourly or @every <duration>)"
        ) from None


def normalize(expression: str) -> str:
    """Collapse whitespace, lowercase macros and canonicalise ``@every`` durations."""
    text = " ".join(expression.split())
    if is_interval(text):
        return f"@every {format_duration(interval_of(text, limit=None))}"
    return text.lower() if text.startswith("@") else text


def is_fixed_time(expression: str) -> bool:
    """After macro expansion: neither the minute nor the hour field starts with ``*``
    (cron's MIN_STAR/HR_STAR flags: ``0,* * * * *`` is fixed-time, ``*/5 9 * * *`` is not)."""
    if is_interval(expression):
        return False
    fields = expand_macro(expression).split()
    return len(fields) >= 2 and not fields[0].startswith("*") and not fields[1].startswith("*")
