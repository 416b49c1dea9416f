"""tickwork's schema on PostgreSQL, and its migrations: one transaction under an advisory lock.

The tables, columns, constraints and indexes are SQLite's (store.migrations), with times as
`timestamptz`, integers as `bigint`, reals as `double precision` and text in the "C" collation
(SQLite's byte order, so lists sort the same on both). tests/store/test_pg_schema.py compares the
two schemas column by column. A small meta table marks the database as tickwork's and holds the
schema version (SQLite keeps these in PRAGMA application_id and user_version).

Migrations are append-only, like SQLite's: the baseline is SQLite's schema version BASELINE,
and each later SQLite migration needs its statements here under the same number (a test fails
until it has them).
"""

from __future__ import annotations

from typing import Any

import psycopg

from tickwork.store.faults import StoreError
from tickwork.store.location import redact
from tickwork.store.migrations import MIGRATIONS

APPLICATION = "tickwork"
LOCK_KEY = 0x7469636B  # "tick": pg_advisory_xact_lock while migrating
STRIPES = 64  # rows of change_counter
CHANNEL = "tickwork_changes"  # NOTIFY channel of edits (schedules, manual runs, cancels)
TEXT = 'text COLLATE "C"'
TIME = "timestamptz"

BASELINE = 6
BASELINE_SQL = [
    "CREATE TABLE tickwork_meta (key text PRIMARY KEY, value text NOT NULL)",
    f"""CREATE TABLE schedules (
        id {TEXT} PRIMARY KEY,
        name {TEXT} NOT NULL,
        description {TEXT},
        type {TEXT} NOT NULL DEFAULT 'IMPERATIVE',
        active bigint NOT NULL DEFAULT 1,
        generator_type {TEXT} NOT NULL,
        expression {TEXT} NOT NULL,
        time_of_day {TEXT},
        days_of_week {TEXT},
        timezone {TEXT} NOT NULL,
        next_run_at {TIME},
        last_run_at {TIME},
        run_count bigint NOT NULL DEFAULT 0,
        max_runs bigint,
        end_at {TIME},
        deduplication_key {TEXT},
        external_id {TEXT},
        action_kind {TEXT} NOT NULL,
        action {TEXT} NOT NULL,
        timeout_seconds double precision,
        retries bigint,
        retry_backoff_seconds double precision,
        overlap {TEXT},
        catchup {TEXT},
        jitter_seconds double precision,
        status_reason {TEXT},
        declared_in {TEXT},
        anchor_at {TIME} NOT NULL,
        created_at {TIME} NOT NULL,
        updated_at {TIME} NOT NULL,
        last_status {TEXT},
        signing_secret {TEXT},
        declared_key {TEXT},
        on_failure {TEXT},
        on_success {TEXT},
        on_recovery {TEXT},
        pause_after_failures bigint,
        max_duration_warning double precision,
        consecutive_failures bigint NOT NULL DEFAULT 0,
        inherit_env bigint NOT NULL DEFAULT 0
    )""",
    "CREATE UNIQUE INDEX idx_schedules_dedup ON schedules (deduplication_key) "
    "WHERE deduplication_key IS NOT NULL",
    "CREATE INDEX idx_schedules_due ON schedules (next_run_at) "
    "WHERE active = 1 AND next_run_at IS NOT NULL",
    "CREATE INDEX idx_schedules_name ON schedules (name)",
    f"""CREATE TABLE runs (
        id {TEXT} PRIMARY KEY,
        schedule_id {TEXT} NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
        scheduled_for {TIME} NOT NULL,
        attempt bigint NOT NULL DEFAULT 1,
        trigger {TEXT} NOT NULL,
        status {TEXT} NOT NULL,
        runner_id {TEXT},
        host {TEXT},
        pid bigint,
        not_before {TIME},
        cancel_requested bigint NOT NULL DEFAULT 0,
        webhook_id {TEXT},
        created_at {TIME} NOT NULL,
        started_at {TIME},
        finished_at {TIME},
        duration double precision,
        exit_code bigint,
        http_status bigint,
        output {TEXT},
        error {TEXT},
        notify_error {TEXT},
        UNIQUE (schedule_id, scheduled_for, attempt)
    )""",
    "CREATE INDEX idx_runs_schedule ON runs (schedule_id, created_at)",
    "CREATE INDEX idx_runs_created ON runs (created_at)",
    "CREATE INDEX idx_runs_open ON runs (status, not_before) "
    "WHERE status IN ('running', 'pending')",
    f"""CREATE TABLE runners (
        id {TEXT} PRIMARY KEY,
        host {TEXT} NOT NULL,
        pid bigint NOT NULL,
        mode {TEXT} NOT NULL,
        state {TEXT} NOT NULL,
        started_at {TIME} NOT NULL,
        heartbeat_at {TIME} NOT NULL,
        expires_at {TIME} NOT NULL
    )""",
    "CREATE UNIQUE INDEX idx_schedules_declared ON schedules (declared_in, declared_key) "
    "WHERE declared_key IS NOT NULL",
    "CREATE INDEX idx_schedules_next_order ON schedules "
    "((next_run_at IS NULL), next_run_at, name, id)",
    "CREATE INDEX idx_schedules_name_order ON schedules (name, id)",
    # Change detection, as SQLite's change_counter: moved by the statements that change rows of
    # schedules or runs, inside their transaction (a reader never sees the count before the
    # data). One row per connection stripe, not one row: every runner's claims move it, and a
    # single row would make all of them queue on its lock. The version is the sum.
    "CREATE TABLE change_counter (id bigint PRIMARY KEY, value bigint NOT NULL)",
    f"INSERT INTO change_counter (id, value) SELECT g, 0 FROM generate_series(0, {STRIPES - 1}) g",
    f"""CREATE FUNCTION tickwork_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM changed) THEN
                UPDATE change_counter SET value = value + 1
                WHERE id = pg_backend_pid() % {STRIPES};
            END IF;
            RETURN NULL;
        END $$""",
    *[
        f"CREATE TRIGGER trg_{table}_{event.lower()}_count AFTER {event} ON {table} "
        f"REFERENCING {'OLD' if event == 'DELETE' else 'NEW'} TABLE AS changed "
        "FOR EACH STATEMENT EXECUTE FUNCTION tickwork_changed()"
        for table in ("schedules", "runs")
        for event in ("INSERT", "UPDATE", "DELETE")
    ],
]

# SQLite migration number -> the same change on PostgreSQL (after the baseline). Append only.
STEPS: dict[int, list[str]] = {
    7: [
        f"ALTER TABLE schedules ADD COLUMN declared_project {TEXT}",
        "CREATE INDEX idx_schedules_project ON schedules (declared_project, declared_key) "
        "WHERE declared_project IS NOT NULL",
    ],
    8: [
        "CREATE INDEX idx_runs_open_schedule ON runs (schedule_id) "
        "WHERE status IN ('running', 'pending')",
    ],
}


def latest_version() -> int:
    return len(MIGRATIONS)


def _state(conn: psycopg.Connection[Any]) -> tuple[int | None, list[str]]:
    """(schema version, or None if not tickwork's; the current schema's tables)."""
    tables = [
        str(r[0])
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        ).fetchall()
    ]
    if "tickwork_meta" not in tables:
        return (0 if not tables else None), tables
    meta = dict(conn.execute("SELECT key, value FROM tickwork_meta").fetchall())
    if meta.get("application") != APPLICATION:
        return None, tables
    try:
        return int(meta.get("schema_version", "")), tables
    except ValueError:
        return None, tables


def _check(url: str, version: int | None, tables: list[str]) -> None:
    where = redact(url)
    if version is None:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(
            f"{where} holds tables of another program ({shown}), not tickwork's; it was left "
            "untouched: create a database for tickwork (createdb tickwork) and use its URL",
            "notadb",
        )
    if version > latest_version():
        raise StoreError(
            f"{where} was written by a newer tickwork (schema {version}, this one knows "
            f"{latest_version()}): upgrade tickwork"
        )


def migrate(conn: psycopg.Connection[Any], url: str) -> None:
    """Bring the database to the latest schema (autocommit connection), or refuse it."""
    version, tables = _state(conn)
    _check(url, version, tables)
    if version == latest_version():
        return
    with conn.transaction():
        # One migrator at a time; the others wait here, then find it done.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        version, tables = _state(conn)
        _check(url, version, tables)
        assert version is not None
        if version == 0:
            for statement in BASELINE_SQL:
                conn.execute(statement.encode())
            version = BASELINE
        for number in range(version + 1, latest_version() + 1):
            if number not in STEPS:
                raise StoreError(
                    f"this tickwork has no PostgreSQL form of schema step {number}: "
                    "report it (store/postgres/schema.py STEPS)"
                )
            for statement in STEPS[number]:
                conn.execute(statement.encode())
        conn.execute(
            "INSERT INTO tickwork_meta (key, value) VALUES ('application', %s), "
            "('schema_version', %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (APPLICATION, str(latest_version())),
        )
