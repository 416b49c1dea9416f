"""Schema migrations, in order. Never edit a released one: append a new function.

The SQL sticks to what PostgreSQL also accepts where that costs nothing (TEXT times in ISO 8601 UTC,
INTEGER booleans, partial indexes), so a later PostgreSQL store can share the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by migrate() only when a migration runs: it costs ~80 ms
    import sqlite_utils


def _v1_schedules(db: sqlite_utils.Database) -> None:
    db["schedules"].create(  # type: ignore[union-attr]
        {
            "id": str,
            "name": str,
            "description": str,
            "type": str,
            "active": int,
            "generator_type": str,
            "expression": str,
            "time_of_day": str,
            "days_of_week": str,
            "timezone": str,
            "next_run_at": str,
            "last_run_at": str,
            "run_count": int,
            "max_runs": int,
            "end_at": str,
            "deduplication_key": str,
            "external_id": str,
            "action_kind": str,
            "action": str,
            "timeout_seconds": float,
            "retries": int,
            "retry_backoff_seconds": float,
            "overlap": str,
            "catchup": str,
            "jitter_seconds": float,
            "status_reason": str,
            "declared_in": str,
            "anchor_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={
            "name",
            "type",
            "active",
            "generator_type",
            "expression",
            "timezone",
            "run_count",
            "action_kind",
            "action",
            "anchor_at",
            "created_at",
            "updated_at",
        },
        defaults={"run_count": 0, "active": 1, "type": "IMPERATIVE"},
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_schedules_dedup ON schedules (deduplication_key) "
        "WHERE deduplication_key IS NOT NULL"
    )
    # "What is due" reads this index only: active schedules by next fire time.
    db.execute(
        "CREATE INDEX idx_schedules_due ON schedules (next_run_at) "
        "WHERE active = 1 AND next_run_at IS NOT NULL"
    )
    db.execute("CREATE INDEX idx_schedules_name ON schedules (name)")


def _v2_runs(db: sqlite_utils.Database) -> None:
    """Runs, runner leases, and the schedule columns the runner keeps."""
    db.execute(
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
            scheduled_for TEXT NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 1,
            trigger TEXT NOT NULL,
            status TEXT NOT NULL,
            runner_id TEXT,
            host TEXT,
            pid INTEGER,
            not_before TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            webhook_id TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            duration REAL,
            exit_code INTEGER,
            http_status INTEGER,
            output TEXT,
            error TEXT,
            notify_error TEXT,
            UNIQUE (schedule_id, scheduled_for, attempt)
        )
        """
    )
    db.execute("CREATE INDEX idx_runs_schedule ON runs (schedule_id, created_at)")
    db.execute("CREATE INDEX idx_runs_created ON runs (created_at)")
    db.execute(
        "CREATE INDEX idx_runs_open ON runs (status, not_before) "
        "WHERE status IN ('running', 'pending')"
    )
    db.execute(
        """
        CREATE TABLE runners (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            mode TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )
    db.execute("ALTER TABLE schedules ADD COLUMN last_status TEXT")
    db.execute("ALTER TABLE schedules ADD COLUMN signing_secret TEXT")


def _v3_exchange(db: sqlite_utils.Database) -> None:
    """Notification hooks, and the [schedules.KEY] identity of DECLARATIVE schedules."""
    for column in ("declared_key", "on_failure", "on_success", "on_recovery"):
        db.execute(f"ALTER TABLE schedules ADD COLUMN {column} TEXT")
    # One schedule per key and file: a sync finds its own schedules by (declared_in, key).
    db.execute(
        "CREATE UNIQUE INDEX idx_schedules_declared ON schedules (declared_in, declared_key) "
        "WHERE declared_key IS NOT NULL"
    )


def _v4_views(db: sqlite_utils.Database) -> None:
    """Indexes for the UI's sort orders, and a counter of changes to schedules and runs.

    PRAGMA data_version also moves on runner heartbeats; the counter moves only when what the
    UI shows changed, so a screen reloads only then.
    """
    db.execute(
        "CREATE INDEX idx_schedules_next_order ON schedules "
        "((next_run_at IS NULL), next_run_at, name, id)"
    )
    db.execute("CREATE INDEX idx_schedules_name_order ON schedules (name, id)")
    db.execute(
        "CREATE TABLE change_counter "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")
    for table in ("schedules", "runs"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER trg_{table}_{event.lower()}_count AFTER {event} ON {table} "
                "BEGIN UPDATE change_counter SET value = value + 1 WHERE id = 1; END"
            )


def _v5_failure_policies(db: sqlite_utils.Database) -> None:
    """Failure policies (pause_after_failures, max_duration_warning; NULL = off) and the count
    of failed fires in a row that the first one needs."""
    db.execute("ALTER TABLE schedules ADD COLUMN pause_after_failures INTEGER")
    db.execute("ALTER TABLE schedules ADD COLUMN max_duration_warning REAL")
    db.execute("ALTER TABLE schedules ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0")


def _v6_inherit_env(db: sqlite_utils.Database) -> None:
    """Commands get a minimal environment, like cron's; inherit_env = 1 passes the runner's."""
    db.execute("ALTER TABLE schedules ADD COLUMN inherit_env INTEGER NOT NULL DEFAULT 0")


def _v7_declared_project(db: sqlite_utils.Database) -> None:
    """The `project = "NAME"` of a schedules file: a declared schedule is (project, key), so
    moving or renaming its file does not make it a new schedule (see exchange.identity)."""
    db.execute("ALTER TABLE schedules ADD COLUMN declared_project TEXT")
    db.execute(
        "CREATE INDEX idx_schedules_project ON schedules (declared_project, declared_key) "
        "WHERE declared_project IS NOT NULL"
    )


def _v8_open_runs_by_schedule(db: sqlite_utils.Database) -> None:
    """A schedule's running and pending runs, found without reading its history: what a batched
    claim's overlap check and a claim-ahead's checks look up, once per schedule."""
    db.execute(
        "CREATE INDEX idx_runs_open_schedule ON runs (schedule_id) "
        "WHERE status IN ('running', 'pending')"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_schedules,
    _v2_runs,
    _v3_exchange,
    _v4_views,
    _v5_failure_policies,
    _v6_inherit_env,
    _v7_declared_project,
    _v8_open_runs_by_schedule,
]
