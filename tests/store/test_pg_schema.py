"""The same schema on both backends: tables, columns (type, NOT NULL, default, primary key),
unique constraints, foreign keys and indexes, compared column by column on real databases."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from tickwork.store import Store
from tickwork.store.db import latest_version
from tickwork.store.postgres import schema

TABLES = ("schedules", "runs", "runners")  # change_counter is each dialect's own (see below)
TIME_COLUMNS = {
    "schedules": {"next_run_at", "last_run_at", "end_at", "anchor_at", "created_at", "updated_at"},
    "runs": {"scheduled_for", "created_at", "not_before", "started_at", "finished_at"},
    "runners": {"started_at", "heartbeat_at", "expires_at"},
}
# SQLite's declared type -> PostgreSQL's (times are timestamptz, see TIME_COLUMNS)
TYPES = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision"}


def sqlite_columns(db: Path, table: str) -> list[tuple[str, str, bool, str | None, bool]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
    finally:
        conn.close()
    out = []
    for _cid, name, decl, notnull, default, pk in rows:
        kind = "timestamp with time zone" if name in TIME_COLUMNS[table] else TYPES[decl]
        out.append((name, kind, bool(notnull) or bool(pk), _default(default), bool(pk)))
    return out


def pg_columns(url: str, table: str) -> list[tuple[str, str, bool, str | None, bool]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.column_name, c.data_type, c.is_nullable = 'NO', c.column_default, "
            "EXISTS (SELECT 1 FROM information_schema.table_constraints t "
            "JOIN information_schema.key_column_usage k USING (constraint_name, table_name) "
            "WHERE t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY' "
            "AND k.column_name = c.column_name) "
            "FROM information_schema.columns c WHERE c.table_name = %s "
            "AND c.table_schema = current_schema() ORDER BY c.ordinal_position",
            (table,),
        ).fetchall()
    return [(n, t, bool(nn), _default(d), bool(pk)) for n, t, nn, d, pk in rows]


def _default(value: Any) -> str | None:
    """'IMPERATIVE'::text and 'IMPERATIVE' alike; numbers as they are."""
    if value is None:
        return None
    return re.sub(r"::[a-z ]+$", "", str(value)).strip("'")


def sqlite_indexes(db: Path) -> dict[str, tuple[bool, bool]]:
    """name -> (unique, partial) of every named index (constraints' automatic ones apart)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {name: ("UNIQUE INDEX" in sql, " WHERE " in sql) for name, sql in rows}


def pg_indexes(url: str) -> dict[str, tuple[bool, bool]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname LIKE 'idx_%%'"
        ).fetchall()
    return {name: ("UNIQUE INDEX" in sql, " WHERE " in sql) for name, sql in rows}


def test_tables_and_columns_are_the_same(db_path: Path, pg_url: str) -> None:
    Store.open(db_path).close()
    for table in TABLES:
        assert pg_columns(pg_url, table) == sqlite_columns(db_path, table), table


def test_indexes_are_the_same(db_path: Path, pg_url: str) -> None:
    Store.open(db_path).close()
    assert pg_indexes(pg_url) == sqlite_indexes(db_path)


def test_constraints_are_the_same(db_path: Path, pg_url: str) -> None:
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    fks = conn.execute("PRAGMA foreign_key_list(runs)").fetchall()
    uniques = [
        [c[2] for c in conn.execute(f"PRAGMA index_info({name})").fetchall()]
        for _seq, name, unique, origin, _partial in conn.execute(
            "PRAGMA index_list(runs)"
        ).fetchall()
        if unique and origin == "u"
    ]
    conn.close()
    assert [(f[2], f[3], f[4], f[6]) for f in fks] == [
        ("schedules", "schedule_id", "id", "CASCADE")
    ]
    with psycopg.connect(pg_url) as pg:
        pg_fks = pg.execute(
            "SELECT confrelid::regclass::text, a.attname, af.attname, confdeltype "
            "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
            "AND a.attnum = c.conkey[1] JOIN pg_attribute af ON af.attrelid = c.confrelid "
            "AND af.attnum = c.confkey[1] WHERE c.contype = 'f' AND c.conrelid = 'runs'::regclass"
        ).fetchall()
        pg_uniques = pg.execute(
            "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_constraint c "
            "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
            "WHERE c.contype = 'u' AND c.conrelid = 'runs'::regclass GROUP BY c.oid"
        ).fetchall()
    assert pg_fks == [("schedules", "schedule_id", "id", "c")]  # c: ON DELETE CASCADE
    assert (
        [list(r[0]) for r in pg_uniques] == uniques == [["schedule_id", "scheduled_for", "attempt"]]
    )


def test_every_migration_has_its_postgresql_form(pg_url: str) -> None:
    """A migration added for SQLite needs its statements in postgres.schema.STEPS too."""
    assert schema.BASELINE + len(schema.STEPS) == latest_version()
    assert sorted(schema.STEPS) == list(range(schema.BASELINE + 1, latest_version() + 1))
    with psycopg.connect(pg_url) as conn:
        meta: dict[str, str] = dict(conn.execute("SELECT key, value FROM tickwork_meta").fetchall())
    assert meta == {"application": "tickwork", "schema_version": str(latest_version())}


def test_change_detection_is_each_dialects_own(db_path: Path, pg_url: str) -> None:
    """SQLite counts changes in one row; PostgreSQL in stripes (runners' claims would queue
    on one row). Both are moved by the changing statement, inside its transaction."""
    Store.open(db_path).close()
    with psycopg.connect(pg_url) as conn:
        stripes = conn.execute("SELECT count(*), sum(value) FROM change_counter").fetchone()
    assert stripes == (schema.STRIPES, 0)
