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
from tickwork.domain.secrets import is_masked_secret
from tickwork.domain.timeutil import parse_iso
from tickwork.domain.timezones import UnknownTimezone, canonical_timezone

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FULL_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_DAY_LOOKUP = {n: i for i, n in enumerate(DAY_NAMES)} | {n: i for i, n in enumerate(_FULL_DAYS)}
_TIME_RE = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_TARGET_RE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# The kernel's limit on one argument or environment string (MAX_ARG_STRLEN, NUL included):
# a longer command or KEY=value can never be passed to /bin/sh -c.
MAX_ARG_BYTES = 131072 - 1
MAX_URL = 8192


def fail(field: str, message: str, value: Any = None) -> InvalidSchedule:
    return InvalidSchedule.one(field, message, value)


def name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("name", "a name is required: give a short non-empty name", value)
    text = value.strip()
    if len(text) > 200:
        raise fail("name", f"name is {len(text)} characters long: keep it under 200", value)
    _single_line("name", text)
    return text


def _single_line(field: str, text: str) -> None:
    if _CONTROL_RE.search(text):
        raise fail(field, "contains a line break or another control character: use one line", text)


def optional_text(
    field: str, value: Any, limit: int = 2000, *, one_line: bool = False
) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(field, "must be text", value)
    text = value.strip()
    if len(text) > limit:
        raise fail(field, f"is {len(text)} characters long: keep it under {limit}", value)
    if one_line:
        _single_line(field, text)
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
    if not isinstance(value, str) or not value.strip():
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
    if t.isascii() and t.isdigit():
        n = int(t) if len(t) <= 3 else 999
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
        f"unknown day {shown(token.strip())}: use 0-6 (0 = Sunday) or names like mon-fri or "
        "sat,sun",
        original,
    )


def days_of_week(value: Any) -> tuple[int, ...]:
    """Accept [1, 2, 3], "1,3,5", "mon-fri", "sat,sun", "weekdays", "weekends", "daily"."""
    if isinstance(value, (list, tuple)):
        days: set[int] = set()
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (int, str)):
                raise fail("days_of_week", "use numbers 0-6 (0 = Sunday)", value)
            if isinstance(item, int) and not 0 <= item <= 7:
                item = 999  # reported as out of range (str() of a huge int raises)
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
                        f"range {shown(part.strip())} runs backwards: write it low-high, like "
                        "mon-fri",
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
    """An IANA zone; None (not given) is UTC, an empty text is refused."""
    if value is None:
        return "UTC"
    if not isinstance(value, str):
        raise fail("timezone", "use an IANA name like Europe/London", value)
    if not value.strip():
        raise fail(
            "timezone", "is empty: give an IANA name like Europe/London (or leave it out for UTC)"
        )
    if len(value) > 100 or _CONTROL_RE.search(value):
        raise fail("timezone", "is not a time zone: use an IANA name like Europe/London", value)
    try:
        return canonical_timezone(value)
    except UnknownTimezone as exc:
        raise fail("timezone", str(exc), value) from None


def shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it: short, one line, never failing (huge ints included)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number with more than 30 digits ({'-' if value < 0 else ''}{str(value)[:1]}…)"
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "…"
        return repr(text)
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _plain(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        return text if len(text) <= 40 else text[:40] + "…"
    return shown(value)


def _empty(field: str, hint: str) -> InvalidSchedule:
    return fail(field, f"is empty: {hint} (or leave it out)", "")


def optional_int(field: str, value: Any, lo: int, hi: int, hint: str) -> int | None:
    if value is None:
        return None
    return integer(field, value, lo, hi, hint)


def integer(field: str, value: Any, lo: int, hi: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise fail(field, f"must be a whole number {lo}-{hi}; {hint}", value)
    if isinstance(value, str) and not value.strip():
        raise _empty(field, hint)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise fail(field, f"{shown(value)} is not a whole number; {hint}", value)
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text.lstrip("+-")
        if not (digits.isascii() and digits.isdigit()):
            raise fail(field, f"{shown(value)} is not a whole number; {hint}", value)
        n = int(text) if len(digits) <= 30 else (10**30 if not text.startswith("-") else -(10**30))
    else:
        n = value
    if not lo <= n <= hi:
        shown_n = _plain(value if isinstance(value, str) else n)
        raise fail(field, f"{shown_n} is out of range {lo}-{hi}; {hint}", value)
    return n


def number(field: str, value: Any, lo: float, hi: float, hint: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise fail(field, f"must be a number; {hint}", value)
    if isinstance(value, str) and not value.strip():
        raise _empty(field, hint)
    try:
        if isinstance(value, int):
            n = float(value) if abs(value) < 10**30 else float("inf")
        else:
            n = float(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise fail(field, f"{shown(value)} is not a number; {hint}", value) from None
    if n != n or not lo <= n <= hi:
        raise fail(field, f"{_plain(value)} is out of range {lo:g}-{hi:g}; {hint}", value)
    return int(n) if n == int(n) else n


def choice(field: str, value: Any, options: tuple[str, ...]) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if isinstance(value, str) and not text:
        raise fail(field, f"is empty: use one of {', '.join(options)} (or leave it out)", "")
    if text not in options:
        raise fail(field, f"{shown(value)} is not one of {', '.join(options)}", value)
    return text


def overlap(value: Any) -> str:
    return choice("overlap", value, OVERLAP_POLICIES)


def catchup(value: Any) -> str:
    return choice("catchup", value, CATCHUP_POLICIES)


def end_at(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        raise _empty("end_at", "give an ISO 8601 time like 2026-12-31T23:59:00+00:00")
    if not isinstance(value, (str, datetime)):
        raise fail("end_at", "use an ISO 8601 time like 2026-12-31T23:59:00+00:00", value)
    try:
        if isinstance(value, datetime):
            return parse_iso(value.isoformat())
        return parse_iso(value) if len(value) <= 100 else parse_iso("bad")
    except (ValueError, OverflowError):
        raise fail(
            "end_at", "use an ISO 8601 time like 2026-12-31T23:59:00+00:00 (no offset = UTC)", value
        ) from None


def url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("url", "a URL is required, like https://example.com/hook", value)
    text = value.strip()
    if len(text) > MAX_URL:
        raise fail("url", f"is {len(text)} characters long: keep it under {MAX_URL}")
    if _CONTROL_RE.search(text) or " " in text:
        raise fail("url", "contains a space or a control character: percent-encode it", value)
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
        raise fail(
            "url", f"is not a valid URL ({exc}): write it like https://[::1]:8080/hook", value
        ) from None
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
    if value is None:
        return "POST"
    text = value.strip().upper() if isinstance(value, str) else ""
    if text not in HTTP_METHODS:
        raise fail("method", f"{shown(value)} is not one of {', '.join(HTTP_METHODS)}", value)
    return text


def _text_value(field: str, key: str, value: Any) -> str:
    """A table's value as text: a string, or a whole number written out; nothing else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    kind = {bool: "true/false", dict: "a table", list: "a list", float: "a number"}.get(
        type(value), type(value).__name__
    )
    raise fail(field, f"the value of {shown(key)} must be text, not {kind}: quote it", None)


def _pairs(field: str, value: Any, sep: str, example: str) -> list[tuple[str, str]]:
    """A dict, or a list of 'KEY<sep>value' strings, as (key, value) pairs."""
    if isinstance(value, dict):
        return [(str(k), _text_value(field, str(k), v)) for k, v in value.items()]
    if not isinstance(value, (list, tuple)):
        raise fail(field, f"use {example} pairs", None)
    items: list[tuple[str, str]] = []
    for raw in value:
        if not isinstance(raw, str):
            raise fail(field, f"{shown(raw)} is not {example}", None)
        key, found, val = raw.partition(sep)
        if not found:
            raise fail(field, f"{shown(raw)} is not {example}", raw)
        items.append((key.strip(), val.strip() if sep == ":" else val))
    return items


def headers(value: Any) -> dict[str, str]:
    """Accept a dict or a list of 'Key: value' strings."""
    if value is None:
        return {}
    out: dict[str, str] = {}
    for key, val in _pairs("headers", value, ":", "'Key: value', like 'Authorization: Bearer x'"):
        if not _HEADER_RE.match(key):
            raise fail("headers", f"{shown(key)} is not a valid header name", key)
        if _CONTROL_RE.search(val.replace("\t", " ")):
            raise fail("headers", f"the value of {key} has a line break or a control character")
        if len(val) > MAX_URL:
            raise fail(
                "headers", f"the value of {key} is {len(val)} characters: keep it under {MAX_URL}"
            )
        out[key] = val
    return out


def env(value: Any) -> dict[str, str]:
    """Accept a dict or a list of 'KEY=value' strings."""
    if value is None:
        return {}
    items = _pairs("env", value, "=", "KEY=value")
    for key, val in items:
        if not _ENV_KEY_RE.match(key):
            raise fail(
                "env", f"{shown(key)} is not a valid variable name (letters, digits, _)", key
            )
        if "\x00" in val:
            raise fail("env", f"the value of {key} contains a NUL byte")
        size = len(key.encode()) + 1 + len(val.encode("utf-8", "surrogatepass"))
        if size > MAX_ARG_BYTES:
            raise fail(
                "env", f"{key}=... is {size} bytes: the system passes at most {MAX_ARG_BYTES}"
            )
    return dict(items)


def target(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 1000 or not _TARGET_RE.match(value.strip()):
        raise fail("target", "use package.module:function, like mypkg.jobs:nightly", value)
    return value.strip()


def command(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("command", "a shell command is required, like 'echo hello'", value)
    text = value.strip()
    if "\x00" in text:
        raise fail("command", "contains a NUL byte, which no shell command can hold")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ARG_BYTES:
        raise fail(
            "command",
            f"is {size} bytes: the system passes at most {MAX_ARG_BYTES} to /bin/sh -c; "
            "put it in a script and run the script",
        )
    return text


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
    if is_masked_secret(text):
        return text  # a masked one given back: spec puts the stored secret back, or refuses
    if not _SECRET_RE.match(text):
        raise fail("signing_secret", "use whsec_ followed by base64 (or let tickwork generate one)")
    try:
        key = base64.b64decode(text[len("whsec_") :], validate=True)
    except ValueError:
        raise fail("signing_secret", "the part after whsec_ is not valid base64") from None
    if len(key) < 24:
        raise fail("signing_secret", f"the key is {len(key)} bytes: use at least 24")
    return text
