"""IANA time zone names: validation with close-match suggestions."""

from __future__ import annotations

import os
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

_NOT_ZONES = ("localtime", "Factory")


class UnknownTimezone(ValueError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        if suggestions:
            hint = "did you mean " + " or ".join(suggestions) + "?"
        else:
            hint = "use an IANA name like Europe/London or America/New_York"
        super().__init__(f"unknown time zone; {hint}")


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """Sorted IANA names (from the system database or the tzdata package)."""
    names = {n for n in available_timezones() if not n.startswith(("posix/", "right/"))}
    names.difference_update(_NOT_ZONES)
    return tuple(sorted(names))


@lru_cache(maxsize=1)
def _tzdata_names() -> frozenset[str]:
    """The names the tzdata package lists, from its one small index file: a subset of
    all_timezones() (which also walks the system's zoneinfo, opening every file of it) that
    answers for a name spelt exactly, as stored names are. Empty without the package."""
    try:
        import tzdata
    except ImportError:
        return frozenset()
    try:
        with open(os.path.join(os.path.dirname(tzdata.__file__), "zones"), encoding="utf-8") as f:
            names = f.read().split()
    except OSError:
        return frozenset()
    return frozenset(names).difference(_NOT_ZONES)


@lru_cache(maxsize=1)
def _lower_map() -> dict[str, str]:
    return {n.lower(): n for n in all_timezones()}


@lru_cache(maxsize=4096)
def canonical_timezone(name: str) -> str:
    """Return the canonical spelling of an IANA name, or raise UnknownTimezone with suggestions."""
    text = name.strip()
    if text.upper() in ("UTC", "Z"):
        return "UTC"
    if text in _tzdata_names():  # no scan of every zone for a name spelt as it should be
        return text
    found = _lower_map().get(text.lower())
    if found is None:
        raise UnknownTimezone(text, suggest_timezones(text))
    return found


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(canonical_timezone(name))


def complete_timezone(prefix: str, limit: int = 20) -> list[str]:
    """Names that start with (or, failing that, contain) the prefix, case-insensitive."""
    p = prefix.strip().lower()
    names = all_timezones()
    starts = [n for n in names if n.lower().startswith(p)]
    if len(starts) >= limit:
        return starts[:limit]
    contains = [n for n in names if p in n.lower() and n not in starts]
    return (starts + contains)[:limit]


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Close IANA names, best first; only those nearly as close as the best one."""
    import difflib  # only for a name that is not one

    key = text.strip().lower()
    if len(key) > 64:  # no zone name is this long; difflib's time grows with the square
        return []
    lowered = _lower_map()
    pool = list(lowered)
    if "/" not in key:  # "Londn" -> compare with the last path component
        tails: dict[str, str] = {}
        for k in pool:
            tails.setdefault(k.rsplit("/", 1)[-1], k)
        scored = [
            (difflib.SequenceMatcher(None, key, t).ratio(), full) for t, full in tails.items()
        ]
    else:
        scored = [(difflib.SequenceMatcher(None, key, k).ratio(), k) for k in pool]
    scored = [x for x in scored if x[0] >= 0.75]
    scored.sort(key=lambda x: -x[0])
    if not scored:
        return []
    best = scored[0][0]
    return [lowered[k] for score, k in scored[:limit] if score >= best - 0.04]
