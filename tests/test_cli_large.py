"""The CLI on large databases: `next` reads lazily, `list --json` streams, commands import little.

The fast paths must print exactly what the straightforward ones did: each is held here to a
reference built from the Schedule objects (Schedule.to_json, spec.upcoming) on real files.
"""

from __future__ import annotations

import heapq
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tickwork.cli.common import echo_json
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.store import Store
from tickwork.store import fires as fires_module
from tickwork.store.fires import fires_between
from tickwork.store.rows import (
    SCHEDULE_COLUMNS,
    SELECT_SCHEDULE,
    from_row,
    json_from_row,
    to_row,
)

NOW = datetime(2026, 3, 7, 12, 0, 30, tzinfo=UTC)  # the US spring-forward is 36 h ahead

VARIED: list[dict[str, Any]] = [
    {"cron": "* * * * *", "action": {"kind": "command", "command": "true"}},
    {
        "cron": "*/5 * * * *",
        "timezone": "Europe/Paris",
        "action": {"kind": "python", "target": "m:f"},
    },
    {
        "cron": "30 2 * * *",
        "timezone": "America/New_York",
        "action": {
            "kind": "http",
            "url": "https://example.com/h",
            "method": "PUT",
            "headers": {"A": "b"},
            "body": "x",
        },
        "signing_secret": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
        "on_failure": "echo failed",
        "description": "ünïcode ☃",
    },
    {
        "every": "90s",
        "action": {"kind": "command", "command": "echo hi", "cwd": "/tmp", "env": {"K": "V"}},
        "max_runs": 130,
    },
    {
        "time_of_day": "09:15",
        "days_of_week": "mon-fri",
        "timezone": "Asia/Tokyo",
        "action": {"kind": "command", "command": "r"},
        "timeout_seconds": 2.5,
        "jitter_seconds": 3,
    },
    {
        "cron": "@hourly",
        "end_at": "2026-03-07T20:00:00Z",
        "action": {"kind": "command", "command": "e"},
    },
    {
        "cron": "0 0 1 1 *",
        "action": {"kind": "command", "command": "yearly"},
        "retries": 2,
        "retry_backoff_seconds": 1.5,
        "overlap": "queue",
        "catchup": "all",
    },
    {"cron": "15 10 * * *", "active": False, "action": {"kind": "command", "command": "p"}},
    {
        "cron": "*/2 * * * *",
        "max_runs": 3,
        "action": {"kind": "command", "command": "m"},
        "external_id": "x-1",
        "deduplication_key": "dk-1",
    },
]


def _reference(store: Store, start: datetime, end: datetime) -> Iterator[tuple[datetime, str]]:
    """The old `next`: every active schedule, all of its fires from spec.upcoming, merged."""

    def one(s: Schedule) -> Iterator[tuple[datetime, str]]:
        count = 16
        while len(times := spec.upcoming(s, start, count)) == count and times[-1] <= end:
            count *= 4
        yield from ((t, s.id) for t in times if t <= end)

    return heapq.merge(*(one(s) for s in store.list("active")), key=lambda pair: pair[0])


@pytest.fixture()
def big(tmp_path: Path) -> Store:
    """Varied schedules, a herd sharing one instant, an overdue one, a hand-edited time."""
    store = Store.open(tmp_path / "big.db", clock=lambda: NOW - timedelta(minutes=3))
    for i, data in enumerate(VARIED):
        store.create({"name": f"v{i}", **data})
    herd = store.create(
        {"name": "herd", "cron": "0 13 * * *", "action": {"kind": "command", "command": "h"}}
    ).schedule
    for i in range(40):  # the same instant: ties come out in (next_run_at, name, id) order
        store.save(replace(herd, id=f"sched_herd{i:03d}", name=f"herd-{(i * 7) % 40:03d}"))
    with store.write() as conn:  # overdue (no runner for a while); one time in another ISO form
        conn.execute(
            "UPDATE schedules SET next_run_at = '2026-03-07T11:00:00+00:00' WHERE name = 'v0'"
        )
        conn.execute(
            "UPDATE schedules SET next_run_at = '2026-03-07T13:00:00Z' WHERE id = 'sched_herd007'"
        )
    return store


@pytest.mark.parametrize("hours", [0.01, 1, 24, 24 * 8])
def test_next_walks_lazily_and_prints_what_the_reference_prints(big: Store, hours: float) -> None:
    end = NOW + timedelta(hours=hours)
    got = [(t, s.id) for t, s in fires_between(big, NOW, end)]
    assert got == list(_reference(big, NOW, end))
    assert got == sorted(got, key=lambda pair: pair[0])


def test_next_counts_max_runs_across_batches(big: Store) -> None:
    """130 runs left of an @every 90s: exactly 130 fires, also past the first batches."""
    end = NOW + timedelta(days=2)
    fires = [t for t, s in fires_between(big, NOW, end) if s.name == "v3"]
    assert len(fires) == 130


def test_next_reads_only_what_it_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 schedules far ahead, one soon: its first fires never read the far ones."""
    store = Store.open(tmp_path / "far.db", clock=lambda: NOW)
    soon = store.create(
        {"name": "soon", "every": "10s", "action": {"kind": "command", "command": "s"}}
    ).schedule
    far = store.create(
        {"name": "far", "cron": "0 0 1 1 *", "action": {"kind": "command", "command": "f"}}
    ).schedule
    rows = []
    for i in range(10_000):
        row = to_row(replace(far, id=f"sched_far{i:05d}", name=f"far-{i:05d}"))
        rows.append([row[c] for c in SCHEDULE_COLUMNS])
    marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
    with store.write() as conn:
        conn.executemany(f"INSERT INTO schedules VALUES ({marks})", rows)
    seen: list[str] = []

    def counting(row: tuple[Any, ...]) -> Schedule:
        seen.append(row[0])
        return from_row(row)

    monkeypatch.setattr(fires_module, "from_row", counting)
    first = list(islice(fires_between(store, NOW, NOW + timedelta(days=400)), 20))
    assert [s.id for _, s in first] == [soon.id] * 20
    assert len(seen) <= 3  # soon, and the first far one, which bounds the walk


def test_next_json_contract_from_the_cli(big: Store) -> None:
    code, out, _ = run_cli(big.path, "next", "--hours", "48", "--limit", "50", "--json")
    assert code == 0
    items = json.loads(out)
    assert len(items) == 50
    assert set(items[0]) == {"at", "local", "schedule_id", "name", "schedule"}
    by_id = {s.id: s.to_json() for s in big.list("all")}
    for item in items:
        assert item["schedule"] == by_id[item["schedule_id"]]
    ats = [item["at"] for item in items]
    assert ats == sorted(ats)


def test_json_from_row_is_to_json_byte_for_byte(big: Store) -> None:
    rows = big.query(f"{SELECT_SCHEDULE} ORDER BY id")
    assert len(rows) == len(VARIED) + 41
    for row in rows:
        expected = json.dumps(from_row(row).to_json(), ensure_ascii=False)
        assert json.dumps(json_from_row(row), ensure_ascii=False) == expected


@pytest.mark.parametrize("state", ["all", "active", "paused"])
def test_list_json_streams_the_same_bytes(
    big: Store, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    echo_json([s.to_json() for s in big.list(state)])  # type: ignore[arg-type]
    expected = capsys.readouterr().out
    code, out, _ = run_cli(big.path, "list", "--state", state, "--json")
    assert code == 0 and out == expected


def test_list_json_of_nothing(tmp_path: Path) -> None:
    code, out, _ = run_cli(tmp_path / "empty.db", "list", "--json")
    assert code == 0 and out == "[]\n"
    code, out, _ = run_cli(tmp_path / "empty.db", "list", "--search", "zzz", "--json")
    assert code == 0 and out == "[]\n"


def test_iter_upcoming_is_upcoming(big: Store) -> None:
    for s in big.list("all"):
        for count in (0, 1, 2, 9, 200):
            assert list(islice(spec.iter_upcoming(s, NOW), count)) == spec.upcoming(s, NOW, count)


@pytest.mark.parametrize("command", ["--help", "list --help", "run --help", "next --help"])
def test_help_imports_only_what_it_needs(command: str) -> None:
    """What a command does not use is not imported to show its help."""
    heavy = (
        "sqlite_utils",
        "cron_descriptor",
        "croniter",
        "dateutil",
        "asyncio",
        "httpx",
        "textual",
        "tickwork.store.schedules",
        "tickwork.domain.spec",
    )
    code = (
        "import sys; from tickwork.cli.main import cli\n"
        f"try: cli({command.split()!r}, prog_name='tickwork')\n"
        "except SystemExit: pass\n"
        f"bad = sorted({{m.split('.')[0] if not m.startswith('tickwork') else m "
        f"for m in sys.modules}} & set({heavy!r}))\n"
        "sys.stderr.write(repr(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_list_does_not_load_the_migration_library(tmp_path: Path) -> None:
    """sqlite-utils is for migrations: an up-to-date file is listed without importing it."""
    Store.open(tmp_path / "t.db").close()
    code = (
        "import sys; from tickwork.cli.main import cli\n"
        f"try: cli(['--db', {str(tmp_path / 't.db')!r}, 'list'], prog_name='tickwork')\n"
        "except SystemExit: pass\n"
        "sys.exit(1 if 'sqlite_utils' in sys.modules or 'asyncio' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


SECRETS: list[dict[str, Any]] = [
    {
        "cron": "0 * * * *",
        "action": {
            "kind": "http",
            "url": "https://user:hunter2@example.com/h?token=abc&x=1",
            "headers": {"Authorization": "Bearer abc", "X-Plain": "ok"},
        },
        "on_failure": "curl https://me:pw@hooks.example.com/f?sig=zz",
        "on_success": "",
        "signing_secret": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
    },
    {
        "every": "45s",
        "action": {
            "kind": "command",
            "command": "deploy --password=s3cret",
            "env": {"API_TOKEN": "t0k", "HOME_DIR": "/h"},
        },
        "timeout_seconds": 10.1,
        "retry_backoff_seconds": 12.5,
        "jitter_seconds": 1e-3,
        "max_duration_warning": 3.0,
    },
]


@pytest.mark.parametrize("chunk", [1, 3, 500])
def test_json_lines_are_json_from_row_byte_for_byte(big: Store, chunk: int) -> None:
    """The chunked encoder prints what encoding json_from_row gives, secrets masked."""
    from tickwork.store.json_lines import JSON_COLUMNS, json_lines
    from tickwork.store.listing import stream_rows

    for i, data in enumerate(SECRETS):
        big.create({"name": f"secret-{i}", **data})
    with big.write() as conn:  # what validation refuses now, as a hand edit may have stored it
        conn.execute(
            "UPDATE schedules SET name = ?, description = ? WHERE name = 'secret-1'",
            ('quotes " back\\slash tab\t nl\n bell\x07 del\x7f é ☃ \u2028', "ctl \x01\x1f \ud7ff"),
        )
    rows = big.query(f"{SELECT_SCHEDULE} ORDER BY next_run_at IS NULL, next_run_at, name, id")
    expected = [json.dumps(json_from_row(row), ensure_ascii=False) for row in rows]
    got = list(json_lines(stream_rows(big.dialect, JSON_COLUMNS), chunk))
    assert got == expected
    text = "\n".join(got)
    for secret in ("hunter2", "Bearer abc", "t0k", "QUJDREVGR0hJSktMTU5P", ":pw@"):
        assert secret not in text
    assert "\\u0007" in text and "\u2028" in text and "\\t" in text


def test_json_lines_take_stored_values_of_unexpected_types_as_json_from_row(big: Store) -> None:
    """A stored value of an unexpected type (a REAL run count, a float in the days) comes out
    as json_from_row makes it."""
    from tickwork.store.json_lines import JSON_COLUMNS, json_lines
    from tickwork.store.listing import stream_rows

    with big.write() as conn:
        conn.execute(
            "UPDATE schedules SET run_count = 2.5, days_of_week = '[1.5, 2]' WHERE name = 'v0'"
        )
    rows = big.query(f"{SELECT_SCHEDULE} ORDER BY next_run_at IS NULL, next_run_at, name, id")
    expected = [json.dumps(json_from_row(row), ensure_ascii=False) for row in rows]
    assert list(json_lines(stream_rows(big.dialect, JSON_COLUMNS))) == expected
