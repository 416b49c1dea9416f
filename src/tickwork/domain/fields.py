"""Field-level parsers and checks: each returns a clean value or raises InvalidSchedule.

The UI form, the CLI and the importers call these so that every surface gives the same message.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tickwork import cron
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.model import CATCHUP_POLICIES, HTTP_METHODS, OVERLAP_POLICIES
from tickwork.domain.timeutil import parse_iso
from tickwork.domain.timezones import UnknownTimezone, canonical_timezone

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FULL_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_DAY_LOOKUP = {n: i for i, n in enumerate(DAY_NAMES)} | {n: i for i, n in enumerate(_FULL_DAYS)}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_TARGET_RE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def fail(field: str, message: str, value: Any = None) -> InvalidSchedule:
    return InvalidSchedule.one(field, message, value)


def name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("name", "a name is required: give a short non-empty name", value)
    text = value.strip()
    if len(text) > 200:
        raise fail("name", f"name is {len(text)} characters long: keep it under 200", value)
    return text


def optional_text(field: str, value: Any, limit: int = 2000) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(field, "must be text", value)
    text = value.strip()
    if len(text) > limit:
        raise fail(field, f"is {len(text)} characters long: keep it under {limit}", value)
    return text or None


def expression(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(field, "a cron expression is required, like '0 9 * * 1-5'", value)
    try:
        cron.validate(value)
    except cron.CronError as exc:
        raise fail(field, str(exc), value) from None
    return cron.normalize(value)


def every(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("every", "an interval is required, like 30s or 1h30m", value)
    text = value.strip()
    if text.startswith("@every"):
        text = text[len("@every") :].strip()
    try:
        cron.parse_duration(text)
    except cron.CronError as exc:
        raise fail("every", str(exc), value) from None
    return cron.normalize("@every " + text)


def time_of_day(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("time_of_day", "use HH:MM like 09:30", value)
    m = _TIME_RE.match(value.strip())
    if not m:
        raise fail("time_of_day", "use HH:MM like 09:30", value)
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23:
        raise fail("time_of_day", f"hour {hour} is out of range 0-23; use HH:MM like 09:30", value)
    if minute > 59:
        raise fail("time_of_day", f"minute {minute} is out of range 0-59; use HH:MM", value)
    return f"{hour:02d}:{minute:02d}"


def _day(token: str, original: Any) -> int:
    t = token.strip().lower()
    if t.isdigit():
        n = int(t)
        if n > 7:
            raise fail(
                "days_of_week",
                f"day {n} is out of range 0-6 (0 = Sunday; 7 is Sunday too)",
                original,
            )
        return n % 7
    if t in _DAY_LOOKUP:
        return _DAY_LOOKUP[t]
    raise fail(
        "days_of_week",
        f"unknown day {token.strip()!r}: use 0-6 (0 = Sunday) or names like mon-fri or sat,sun",
        original,
    )


def days_of_week(value: Any) -> tuple[int, ...]:
    """Accept [1, 2, 3], "1,3,5", "mon-fri", "sat,sun", "weekdays", "weekends", "daily"."""
    if isinstance(value, (list, tuple)):
        days: set[int] = set()
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (int, str)):
                raise fail("days_of_week", "use numbers 0-6 (0 = Sunday)", value)
            days.add(_day(str(item), value))
    elif isinstance(value, str):
        text = value.strip().lower()
        aliases = {"weekdays": "1-5", "weekends": "0,6", "daily": "0-6", "everyday": "0-6"}
        text = aliases.get(text, text)
        if not text:
            raise fail("days_of_week", "give at least one day, like mon-fri or 1,3,5", value)
        days = set()
        for part in text.split(","):
            if "-" in part:
                lo_s, _, hi_s = part.partition("-")
                lo, hi = _day(lo_s, value), _day(hi_s, value)
                if hi_s.strip() in ("7", "sun", "sunday") and lo > 0:
                    hi = 7
                if lo > hi:
                    raise fail(
                        "days_of_week",
                        f"range {part.strip()!r} runs backwards: write it low-high, like mon-fri",
                        value,
                    )
                days.update(d % 7 for d in range(lo, hi + 1))
            else:
                days.add(_day(part, value))
    else:
        raise fail("days_of_week", "use numbers 0-6 (0 = Sunday) or names like mon-fri", value)
    if not days:
        raise fail("days_of_week", "give at least one day, like mon-fri or 1,3,5", value)
    return tuple(sorted(days))


def days_to_cron(days: tuple[int, ...] | None) -> str:
    """(1, 2, 3, 4, 5) -> '1-5'; all seven or None -> '*'."""
    if not days or len(set(days)) == 7:
        return "*"
    ordered = sorted(set(days))
    parts: list[str] = []
    start = prev = ordered[0]
    for d in [*ordered[1:], None]:
        if d is not None and d == prev + 1:
            prev = d
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if d is not None:
            start = prev = d
    return ",".join(parts)


def time_to_cron(tod: str, days: tuple[int, ...] | None) -> str:
    hour, minute = tod.split(":")
    return f"{int(minute)} {int(hour)} * * {days_to_cron(days)}"


def timezone(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "UTC"
    if not isinstance(value, str):
        raise fail("timezone", "use an IANA name like Europe/London", value)
    try:
        return canonical_timezone(value)
    except UnknownTimezone as exc:
        raise fail("timezone", str(exc), value) from None


def optional_int(field: str, value: Any, lo: int, hi: int, hint: str) -> int | None:
    if value is None or value == "":
        return None
    return integer(field, value, lo, hi, hint)


def integer(field: str, value: Any, lo: int, hi: int, hint: str) -> int:
    if isinstance(value, bool):
        raise fail(field, f"must be a whole number {lo}-{hi}; {hint}", value)
    try:
        n = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise fail(field, f"{value!r} is not a whole number; {hint}", value) from None
    if not lo <= n <= hi:
        raise fail(field, f"{n} is out of range {lo}-{hi}; {hint}", value)
    return n


def number(field: str, value: Any, lo: float, hi: float, hint: str) -> float:
    if isinstance(value, bool):
        raise fail(field, f"must be a number; {hint}", value)
    try:
        n = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise fail(field, f"{value!r} is not a number; {hint}", value) from None
    if n != n or not lo <= n <= hi:
        raise fail(field, f"{value} is out of range {lo:g}-{hi:g}; {hint}", value)
    return int(n) if n == int(n) else n


def choice(field: str, value: Any, options: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if value is not None else ""
    if text not in options:
        raise fail(field, f"{value!r} is not one of {', '.join(options)}", value)
    return text


def overlap(value: Any) -> str:
    return choice("overlap", value, OVERLAP_POLICIES)


def catchup(value: Any) -> str:
    return choice("catchup", value, CATCHUP_POLICIES)


def end_at(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return parse_iso(value.isoformat())
    try:
        return parse_iso(str(value))
    except ValueError:
        raise fail(
            "end_at", "use an ISO 8601 time like 2026-12-31T23:59:00+00:00 (no offset = UTC)", value
        ) from None


def url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("url", "a URL is required, like https://example.com/hook", value)
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise fail("url", "must start with http:// or https://", value)
    if not parts.hostname:
        raise fail("url", "has no host: write it like https://example.com/hook", value)
    try:
        _ = parts.port
    except ValueError:
        raise fail("url", "has a bad port number", value) from None
    return text


def method(value: Any) -> str:
    text = str(value or "POST").strip().upper()
    if text not in HTTP_METHODS:
        raise fail("method", f"{value!r} is not one of {', '.join(HTTP_METHODS)}", value)
    return text


def _pairs(field: str, value: Any, sep: str, example: str) -> list[tuple[str, str]]:
    """A dict, or a list of 'KEY<sep>value' strings, as (key, value) pairs."""
    if isinstance(value, dict):
        return [(str(k), str(v)) for k, v in value.items()]
    if not isinstance(value, (list, tuple)):
        raise fail(field, f"use {example} pairs", value)
    items: list[tuple[str, str]] = []
    for raw in value:
        key, found, val = str(raw).partition(sep)
        if not found:
            raise fail(field, f"{raw!r} is not {example}", raw)
        items.append((key.strip(), val.strip() if sep == ":" else val))
    return items


def headers(value: Any) -> dict[str, str]:
    """Accept a dict or a list of 'Key: value' strings."""
    if value is None:
        return {}
    out: dict[str, str] = {}
    for key, val in _pairs("headers", value, ":", "'Key: value', like 'Authorization: Bearer x'"):
        if not _HEADER_RE.match(key):
            raise fail("headers", f"{key!r} is not a valid header name", key)
        if "\n" in val or "\r" in val:
            raise fail("headers", f"the value of {key} has a line break", val)
        out[key] = val
    return out


def env(value: Any) -> dict[str, str]:
    """Accept a dict or a list of 'KEY=value' strings."""
    if value is None:
        return {}
    items = _pairs("env", value, "=", "KEY=value")
    for key, _ in items:
        if not _ENV_KEY_RE.match(key):
            raise fail("env", f"{key!r} is not a valid variable name (letters, digits, _)", key)
    return dict(items)


def target(value: Any) -> str:
    if not isinstance(value, str) or not _TARGET_RE.match(value.strip()):
        raise fail("target", "use package.module:function, like mypkg.jobs:nightly", value)
    return value.strip()


def command(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("command", "a shell command is required, like 'echo hello'", value)
    return value.strip()


def hook(field: str, value: Any) -> str | None:
    """A notification hook (on_failure, ...): an http(s) URL, else a shell command; "" = none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise fail(field, "give a shell command or an http(s):// URL", value)
    text = value.strip()
    if len(text) > 4096:
        raise fail(field, f"is {len(text)} characters long: keep it under 4096", value)
    if text.lower().startswith(("http://", "https://")):
        try:
            return url(text)
        except InvalidSchedule as exc:
            raise fail(field, exc.errors[0].message, value) from None
    if "://" in text.split()[0]:
        raise fail(field, "a URL must start with http:// or https:// (else give a command)", value)
    return text


_SECRET_RE = re.compile(r"^whsec_[A-Za-z0-9+/]+={0,2}$")


def signing_secret(value: Any) -> str | None:
    """A Standard Webhooks secret: whsec_ + base64 of at least 24 bytes (None = no signing)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not _SECRET_RE.match(text):
        raise fail("signing_secret", "use whsec_ followed by base64 (or let tickwork generate one)")
    try:
        key = base64.b64decode(text[len("whsec_") :], validate=True)
    except ValueError:
        raise fail("signing_secret", "the part after whsec_ is not valid base64") from None
    if len(key) < 24:
        raise fail("signing_secret", f"the key is {len(key)} bytes: use at least 24")
    return text
