"""The shared SQL as PostgreSQL takes it, the session's settings, and times read as text.

The business SQL uses `?` placeholders (SQLite's); psycopg wants `%s`, and a literal `%` doubled.
Stored times are `timestamptz`; they come back as the ISO text SQLite stores (what iso() and
iso_ms() write), so the rows map to dataclasses the same way on both.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from psycopg import BaseConnection
from psycopg.adapt import Buffer, Loader
from psycopg.conninfo import conninfo_to_dict, make_conninfo

# Every session: a bounded wait for a row lock (then a `busy` error the runner waits out), no
# statement or idle transaction holding locks for ever (a stopped process), times in UTC, and
# TCP keepalives so a dead peer is noticed in about 30 s instead of hours.
SESSION_SETTINGS = {
    "lock_timeout": "5s",
    "statement_timeout": "60s",
    "idle_in_transaction_session_timeout": "60s",
    "TimeZone": "UTC",
    "DateStyle": "ISO",
}
CONNECT_DEFAULTS = {
    "application_name": "tickwork",
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
}


def conninfo(url: str) -> str:
    """The URL with tickwork's session settings (the URL's own options and parameters win)."""
    given = conninfo_to_dict(url)
    extra: dict[str, Any] = {k: v for k, v in CONNECT_DEFAULTS.items() if k not in given}
    options = " ".join(f"-c {k}={v}" for k, v in SESSION_SETTINGS.items())
    mine = str(given.get("options") or "")
    extra["options"] = f"{options} {mine}".strip()  # later -c settings override earlier ones
    return make_conninfo(url, **extra)


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """`?` -> `%s` and `%` -> `%%`, outside quoted text and identifiers."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def adapt_params(params: Any) -> Any:
    """Booleans as 0/1 (the columns are integers on both databases, as SQLite stores them)."""
    if not params:
        return params
    return [int(p) if isinstance(p, bool) else p for p in params]


class IsoTimeLoader(Loader):
    """timestamptz as ISO 8601 text in UTC ('2026-03-02T12:00:00+00:00', milliseconds or
    microseconds when there are any): what the SQLite store keeps and parse_iso() reads."""

    def load(self, data: Buffer) -> str:
        text = bytes(data).decode()
        # ISO DateStyle in UTC: 'YYYY-MM-DD HH:MM:SS[.ffffff]+00'
        if len(text) >= 22 and text[10] == " " and text.endswith("+00"):
            base = f"{text[:10]}T{text[11:19]}"
            digits = text[20:-3] if text[19] == "." else ""
            if not digits:
                return base + "+00:00"
            width = 3 if len(digits) <= 3 else 6
            return f"{base}.{digits.ljust(width, '0')}+00:00"
        return text  # infinity, BC dates: not written by tickwork; shown as they are


def register_types(conn: BaseConnection[Any]) -> None:
    conn.adapters.register_loader("timestamptz", IsoTimeLoader)
