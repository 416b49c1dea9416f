"""What a crontab line is: an entry's time fields (5, or 6-7 with seconds or years), a column
header or a drawing in a comment, a commented-out job, a reversed range."""

from __future__ import annotations

import re

from tickwork import cron

_NAME_TOKEN = r"[A-Za-z]{3}(?:[Ll]|#[0-9])?"
TIME_TOKEN = re.compile(rf"^[0-9*/,\-#?LlWw]+$|^{_NAME_TOKEN}(?:[-,]{_NAME_TOKEN})*$")
# A sixth or seventh time field (seconds, years) where the command should start.
_EXTRA_TOKEN = re.compile(r"^(?=.*[0-9*?])[0-9*/,\-?]+$")
_ENTRY = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$")
_WORDS = re.compile(r"[^\s|.,:;()\[\]<>/=_-]+")
_FIELD_WORDS = frozenset(
    [
        "m",
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "dom",
        "mday",
        "d",
        "day",
        "days",
        "month",
        "months",
        "mon",
        "dow",
        "wday",
        "weekday",
        "weekdays",
        "week",
        "w",
        "*",  # the Debian template's "*  *  *  *  * user-name command to be executed"
    ]
)
_USER_WORDS = frozenset({"user", "username", "usr", "who"})
_HEADER_WORDS = (
    _FIELD_WORDS
    | _USER_WORDS
    | frozenset(
        [
            "of",
            "the",
            "as",
            "command",
            "commands",
            "cmd",
            "job",
            "task",
            "to",
            "run",
            "be",
            "executed",
            "name",
            "and",
            "or",
        ]
    )
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


def time_fields(line: str) -> tuple[str, str, int] | None:
    """(the 5 time fields, the rest, how many more time fields follow) of an entry line, or
    None when it does not start with 5 time fields."""
    m = _ENTRY.match(line)
    if not m or not all(TIME_TOKEN.match(tok) for tok in m.groups()[:5]):
        return None
    rest = m.group(6) or ""
    extra = 0
    words = rest.split(None, 2)
    while extra < 2 and extra < len(words) and _EXTRA_TOKEN.match(words[extra]):
        extra += 1
    return " ".join(m.groups()[:5]), rest, extra


def looks_like_entry(text: str) -> bool:
    """A commented-out job (`# 0 5 * * * old.sh`) is not a name."""
    if text.startswith("@"):
        return True
    m = _ENTRY.match(text)
    if not m or not m.group(6):
        return False
    try:
        cron.validate(" ".join(m.groups()[:5]))
    except cron.CronError:
        return False
    return True


def header_words(text: str) -> list[str] | None:
    """The words of a column header comment (``m h dom mon dow user command``), or None."""
    words = _WORDS.findall(text.lower())
    if len(words) < 4 or not all(w in _HEADER_WORDS for w in words):
        return None
    return words if sum(w in _FIELD_WORDS for w in words) >= 4 else None


def is_header(text: str) -> bool:
    return header_words(text) is not None


def names_a_user_column(text: str) -> bool:
    words = header_words(text)
    return words is not None and any(w in _USER_WORDS for w in words)


def is_drawing(text: str) -> bool:
    """``|  |  |`` or ``.----``: no letter or digit, no name."""
    return not any(ch.isalnum() for ch in text)


def _number(text: str, fi: int) -> int | None:
    low = text.lower()
    if fi == 3 and low in _MONTHS:
        return _MONTHS[low]
    if fi == 4 and low in _DAYS:
        return _DAYS[low]
    return int(low) if low.isdigit() else None


def reversed_ranges(expression: str) -> list[str]:
    """The ranges that run backwards (``22-2``, ``fri-mon``): cron refuses them."""
    found = []
    for fi, text in enumerate(cron.expand_macro(expression).split()[:5]):
        for item in text.split(","):
            first, dash, last = item.partition("/")[0].partition("-")
            if not dash:
                continue
            a, b = _number(first, fi), _number(last, fi)
            if a is not None and b is not None and a > b:
                found.append(item)
    return found
