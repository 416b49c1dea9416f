"""Read-only facts about a database for `tickwork doctor` (no writes, no file opened outside
SQLite: sizes come from stat).

A PostgreSQL store answers the same questions its own way (its server_time() is the server's
clock, which is what the clock-offset check is for); SQLite's clock is this machine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tickwork.domain.timeutil import iso, parse_iso
from tickwork.store.db import latest_version

if TYPE_CHECKING:
    from tickwork.store.schedules import Store


@dataclass(frozen=True)
class DatabaseFacts:
    location: str  # a path (SQLite) or a URL without its password (PostgreSQL)
    schema_version: int
    latest_version: int
    integrity: str  # "ok" or the first problems found
    size_bytes: int | None
    wal_bytes: int | None
    local_clock: bool  # the database's clock is this machine's (a file, not a server)


def database_facts(store: Store) -> DatabaseFacts:
    if store.dialect.native_times:
        return _server_facts(store)
    version = int(store.query("PRAGMA user_version")[0][0])
    problems = [str(r[0]) for r in store.query("PRAGMA integrity_check(5)")]
    sizes: list[int | None] = []
    for path in (store.path, store.path.with_name(store.path.name + "-wal")):
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(None)
    return DatabaseFacts(
        location=str(store.path),
        schema_version=version,
        latest_version=latest_version(),
        integrity="ok" if problems == ["ok"] else "; ".join(problems),
        size_bytes=sizes[0],
        wal_bytes=sizes[1],
        local_clock=True,
    )


def _server_facts(store: Store) -> DatabaseFacts:
    """PostgreSQL: the version from tickwork_meta, the size from the server; the server checks
    its own pages (data checksums), so integrity is what it reports: ok if it answers."""
    rows = store.query("SELECT value FROM tickwork_meta WHERE key = 'schema_version'")
    size = store.query("SELECT pg_database_size(current_database())")[0][0]
    return DatabaseFacts(
        location=store.location,
        schema_version=int(rows[0][0]) if rows else 0,
        latest_version=latest_version(),
        integrity="ok",
        size_bytes=int(size),
        wal_bytes=None,
        local_clock=False,
    )


def server_time(store: Store) -> datetime:
    """The database's idea of now (SQLite: this machine's clock; PostgreSQL: the server's)."""
    if store.dialect.native_times:
        now = parse_iso(str(store.query("SELECT clock_timestamp()")[0][0]))
        assert now is not None
        return now
    text = str(store.query("SELECT strftime('%Y-%m-%dT%H:%M:%f', 'now')")[0][0])
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def overdue(store: Store, before: datetime, limit: int = 5) -> tuple[int, list[tuple[str, str]]]:
    """Active schedules whose next run is before `before`: (how many, some (name, next_run_at))."""
    where = "active = 1 AND next_run_at IS NOT NULL AND next_run_at < ?"
    count = int(store.query(f"SELECT count(*) FROM schedules WHERE {where}", (iso(before),))[0][0])
    rows = store.query(
        f"SELECT name, next_run_at FROM schedules WHERE {where} ORDER BY next_run_at LIMIT ?",
        (iso(before), limit),
    )
    return count, [(str(n), str(t)) for n, t in rows]


def disabled_invalid(store: Store, limit: int = 5) -> tuple[int, list[tuple[str, str]]]:
    """Schedules the runner deactivated because their stored row could not be used."""
    where = "active = 0 AND status_reason LIKE 'invalid:%'"
    count = int(store.query(f"SELECT count(*) FROM schedules WHERE {where}")[0][0])
    rows = store.query(
        f"SELECT name, status_reason FROM schedules WHERE {where} ORDER BY name LIMIT ?", (limit,)
    )
    return count, [(str(n), str(r)) for n, r in rows]
