"""Every schema version users' files may have migrates to the latest with its data intact.

tests/schema_fixtures/vN.sql is a database each older version's own commands wrote (schedules of
every kind, runs, a killed runner's lease; see make_fixture.py there, which also says how a new
migration adds its fixture). A migration that rewrites stored values on purpose says so here,
as an expected change for the versions before it; never by loosening the comparison.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tickwork.store import Store
from tickwork.store.db import latest_version

FIXTURES = Path(__file__).parent / "schema_fixtures"
VERSIONS = sorted(int(p.stem[1:]) for p in FIXTURES.glob("v*.sql"))
Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def load(version: int, path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / f"v{version}.sql").read_text())
    conn.close()
    return path


def tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]


def rows(path: Path) -> Rows:
    """Every row of every table, by primary key (rowid where there is none)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    out: Rows = {}
    for table in tables(conn):
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        pk = [r["name"] for r in sorted(info, key=lambda r: r["pk"]) if r["pk"]] or ["rowid"]
        keyed = {}
        for row in conn.execute(f'SELECT {", ".join(pk)}, * FROM "{table}"'):
            values = dict(zip(row.keys()[len(pk) :], tuple(row)[len(pk) :], strict=True))
            keyed[tuple(row)[: len(pk)]] = values
        out[table] = keyed
    conn.close()
    return out


def schema(path: Path) -> set[tuple[str, str, str]]:
    """What the migrations built: tables, indexes, triggers with their SQL (spaces normalised)."""
    conn = sqlite3.connect(path)
    found = {
        (kind, name, re.sub(r"\s+", " ", sql or ""))
        for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
    }
    conn.close()
    return found


def test_every_schema_version_has_a_fixture() -> None:
    expected = list(range(1, latest_version() + 1))
    assert expected == VERSIONS, (
        "add the fixture of your migration's version: "
        "uv run python tests/schema_fixtures/make_fixture.py"
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_fixture_has_data_in_every_table(version: int, tmp_path: Path) -> None:
    before = rows(load(version, tmp_path / "old.db"))
    assert before and all(before.values()), {t: len(r) for t, r in before.items()}


@pytest.mark.parametrize("version", VERSIONS)
def test_migrates_to_latest_with_data_intact(version: int, tmp_path: Path) -> None:
    path = load(version, tmp_path / "old.db")
    before = rows(path)
    with Store.open(path) as store:
        schedules = store.list()
        runs = store.runs.list(limit=10_000)
        leases = store.leases.all()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    conn.close()

    after = rows(path)
    for table, old_rows in before.items():
        assert table in after, f"table {table} lost"
        assert after[table].keys() >= old_rows.keys(), f"rows of {table} lost"
        for key, old in old_rows.items():
            kept = {column: after[table][key][column] for column in old}
            assert kept == old, f"{table} {key} changed"

    # Today's code reads every old row, through the store's API.
    assert {s.id for s in schedules} == {k[0] for k in before["schedules"]}
    assert {s.id: s.name for s in schedules} == {
        k[0]: r["name"] for k, r in before["schedules"].items()
    }
    assert {r.id for r in runs} == {k[0] for k in before.get("runs", {})}
    assert {lease.id for lease in leases} == {k[0] for k in before.get("runners", {})}
    # Edits to a released migration show here: the file differs from one built from scratch.
    Store.open(tmp_path / "fresh.db").close()
    assert schema(path) == schema(tmp_path / "fresh.db")


@pytest.mark.parametrize("version", VERSIONS)
def test_migrated_file_takes_new_schedules_and_runs_keep_their_schedule(
    version: int, tmp_path: Path
) -> None:
    path = load(version, tmp_path / "old.db")
    with Store.open(path) as store:
        old = store.list()
        made = store.create(
            {
                "name": "after upgrade",
                "cron": "0 9 * * *",
                "action": {"kind": "command", "command": "true"},
            }
        ).schedule
        assert store.get(made.id) == made
        assert len(store.list()) == len(old) + 1
        for s in old:
            assert store.get(s.id) == s
            assert all(r.schedule_id == s.id for r in store.runs.list(s.id, limit=10_000))
