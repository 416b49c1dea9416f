"""Where a database is: a file path (SQLite) or a postgresql:// URL, and how to show it.

A URL may carry a password; it is never shown: every message, log line and the UI's status bar
show `redact(url)`, and text that might quote the URL (a driver's error) goes through `scrub`.
No I/O, no driver imports: `tickwork --help` loads this.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

URL_SCHEMES = ("postgresql", "postgres")
Target = Path | str  # a file path, or a postgresql:// URL (kept as text: Path would mangle //)
_SECRET_PARAMS = frozenset({"password", "sslpassword"})
MASK = "***"


def is_url(target: object) -> bool:
    """Whether `target` names a PostgreSQL database (postgresql:// or postgres://)."""
    if not isinstance(target, str):
        return False
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.lower() in URL_SCHEMES


def looks_like_url(text: str) -> bool:
    """Any scheme://: a URL tickwork does not know (mysql://, a typo) is refused, not taken
    for a file name."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()


def parse_target(value: str | Path | None) -> Target | None:
    """A --db / TICKWORK_DB value: a URL stays text, anything else is a file path."""
    if value is None:
        return None
    if isinstance(value, Path):
        return value.expanduser()
    stripped = value.strip()
    if looks_like_url(stripped):
        return stripped
    return Path(value).expanduser()


def redact(url: str) -> str:
    """The URL without its password (user:***@host), also in ?password=...; never raises."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostinfo = netloc.rpartition("@")
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":" + MASK
            netloc = f"{userinfo}@{hostinfo}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
                pairs = [(k, MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs]
                query = urlencode(pairs, safe="/*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        scheme = url.partition("://")[0]
        return f"{scheme}://{MASK}"  # unparseable: show nothing of it


def passwords(url: str) -> list[str]:
    """The secrets a URL carries (as written and decoded), for scrub()."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    userinfo = parts.netloc.rpartition("@")[0]
    if ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in _SECRET_PARAMS]
    out: list[str] = []
    for secret in found:
        for form in (secret, unquote(secret)):
            if form and form not in out:
                out.append(form)
    return out


def scrub(text: str, url: str | None) -> str:
    """`text` with the URL shown redacted and any password of it masked (driver messages)."""
    if not url:
        return text
    text = text.replace(url, redact(url))
    for secret in passwords(url):
        text = text.replace(secret, MASK)
    env = os.environ.get("PGPASSWORD")
    if env and len(env) >= 4:
        text = text.replace(env, MASK)
    return text


def describe_target(target: Target) -> str:
    """What to show for a database: its path, or its URL without the password."""
    return redact(target) if isinstance(target, str) else str(target)
