"""`tickwork list` loads little and prints what it always printed.

The table is made from the stored rows (store.listing), not from Schedule objects: it is held
here to the table the Schedules give (the former code, kept below as the reference), and its
reader to every check and migration Store.open makes.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest

from tests.cli_helpers import run_cli
from tickwork.cli.main import COMMAND_HOME, COMMAND_MODULES, cli
from tickwork.cli.output import LIST_COLUMNS, schedule_line, table
from tickwork.domain import timezones
from tickwork.domain.humanize import format_local, relative
from tickwork.domain.model import Schedule
from tickwork.store import Store, StoreError
from tickwork.store.db import latest_version
from tickwork.store.ownership import ALLOW_SHARED_ENV

NOW = datetime(2026, 3, 7, 12, 0, 30, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "schema_fixtures"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def reference_table(schedules: Sequence[Schedule], now: datetime) -> str:
    """The table as `tickwork list` printed it from Schedule objects."""
    if not schedules:
        return "no schedules (add one with: tickwork add NAME --cron '0 9 * * *' --command '...')"
    rows = [("ID", "NAME", "STATE", "SCHEDULE", "TZ", "NEXT RUN", "RUNS")]
    for s in schedules:
        state = "active" if s.active else "paused"
        if s.type == "DECLARATIVE":
            state += "*"
        nxt = (
            f"{format_local(s.next_run_at, s.timezone)} ({relative(s.next_run_at, now)})"
            if s.next_run_at
            else (s.status_reason or "-")
        )
        runs = f"{s.run_count}/{s.max_runs}" if s.max_runs else str(s.run_count)
        rows.append(
            (s.id, _cut(s.name, 28), state, _cut(schedule_line(s), 50), s.timezone, nxt, runs)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        out.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(out)


@pytest.fixture()
def varied(tmp_path: Path) -> Store:
    """Every kind of row the table shows differently."""
    store = Store.open(tmp_path / "list.db", clock=lambda: NOW - timedelta(minutes=3))
    add = store.create
    add(
        {"name": "every-minute", "cron": "* * * * *", "action": {"kind": "command", "command": "t"}}
    )
    add(
        {
            "name": "a name much longer than twenty-eight characters ☃",
            "cron": "0 9 1-7 * mon-fri",
            "timezone": "Australia/Lord_Howe",
            "action": {"kind": "command", "command": "t"},
            "max_runs": 12,
        }
    )
    add(
        {
            "name": "paused",
            "every": "90s",
            "active": False,
            "action": {"kind": "command", "command": "p"},
        }
    )
    add(
        {
            "name": "ended",
            "cron": "@hourly",
            "end_at": "2026-03-07T15:00:00Z",
            "action": {"kind": "command", "command": "e"},
        }
    )
    add(
        {
            "name": "declared",
            "time_of_day": "09:15",
            "days_of_week": "mon-fri",
            "timezone": "America/New_York",
            "action": {"kind": "python", "target": "m:f"},
        },
        type="DECLARATIVE",
        declared_in="/nowhere/tickwork.toml",
    )
    herd = add(
        {
            "name": "herd",
            "cron": "0 13 * * *",
            "timezone": "Europe/Paris",
            "action": {"kind": "command", "command": "h"},
        }
    ).schedule
    for i in range(5):  # the same instant and zone: the table makes their cells once
        store.save(replace(herd, id=f"sched_herd{i:03d}", name=f"herd-{i}", run_count=i))
    with store.write() as conn:  # overdue, ended, and a time written in another ISO form
        conn.execute(
            "UPDATE schedules SET next_run_at = NULL, status_reason = 'ended: end_at passed'"
            " WHERE name = 'ended'"
        )
        conn.execute(
            "UPDATE schedules SET next_run_at = '2026-03-07T11:00:00+00:00' "
            " WHERE name = 'every-minute'"
        )
        conn.execute(
            "UPDATE schedules SET next_run_at = '2026-03-07T13:00:00Z' WHERE id = 'sched_herd003'"
        )
    return store


@pytest.mark.parametrize(
    ("state", "search"),
    [("all", None), ("active", None), ("paused", None), ("all", "HERD"), ("all", "zzz")],
)
def test_the_table_is_the_one_the_schedules_give(
    varied: Store, state: str, search: str | None
) -> None:
    expected = reference_table(varied.list(state, search), NOW)  # type: ignore[arg-type]
    got = table(varied.rows(state, search, columns=LIST_COLUMNS), NOW)  # type: ignore[arg-type]
    assert got == expected
    if search is None and state == "all":
        assert "active*" in got and "ended" in got and "…" in got and "0/12" in got


def test_list_prints_that_table(varied: Store) -> None:
    """From the command: the same lines (the relative times aside: the command reads the clock)."""
    code, out, err = run_cli(varied.path, "list")
    assert code == 0 and err == ""
    expected = reference_table(varied.list(), datetime.now(UTC)) + "\n"
    assert _without_relative(out) == _without_relative(expected)
    assert out.count(" ago)") == expected.count(" ago)")


def _without_relative(text: str) -> str:
    return re.sub(r"\((in [^)]*|[^)]* ago|now)\)", "", text)


def test_list_of_nothing(tmp_path: Path) -> None:
    code, out, _ = run_cli(tmp_path / "empty.db", "list")
    assert code == 0
    assert (
        out == "no schedules (add one with: tickwork add NAME --cron '0 9 * * *' --command '...')\n"
    )


def test_list_migrates_an_old_file_as_store_open_does(tmp_path: Path) -> None:
    """A read-only command on a file of the first schema: migrated, then listed."""
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURES / "v1.sql").read_text())
    conn.close()
    code, out, err = run_cli(db, "list")
    assert code == 0, err
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    conn.close()
    with Store.open(db) as store:
        ids = [s.id for s in store.list()]
    assert ids and all(i in out for i in ids)


def _refused(path: Path) -> str:
    with pytest.raises(StoreError) as caught:
        Store.open(path).close()
    return str(caught.value)


def test_list_refuses_what_store_open_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same one-line error for a file that is not a database, another program's SQLite
    file, a directory, a database others can write, and one from a newer tickwork."""
    monkeypatch.delenv(ALLOW_SHARED_ENV, raising=False)  # an earlier --allow-shared-db sets it
    not_db = tmp_path / "text.db"
    not_db.write_text("not sqlite at all")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    folder = tmp_path / "folder.db"
    folder.mkdir()
    shared = tmp_path / "shared.db"
    Store.open(shared).close()
    os.chmod(shared, 0o666)
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    for path in (not_db, other, folder, shared, newer):
        before = path.read_bytes() if path.is_file() else None
        expected = _refused(path)
        code, out, err = run_cli(path, "list")
        assert (code, out, err) == (1, "", f"error: {expected}\n"), path
        code, out, err = run_cli(path, "list", "--json")
        assert (code, out, err) == (1, "", f"error: {expected}\n"), path
        if before is not None:
            assert path.read_bytes() == before


def test_bad_options_are_usage_errors_as_before(tmp_path: Path) -> None:
    code, out, err = run_cli(tmp_path / "t.db", "list", "--state", "sleepy")
    assert code == 2 and out == ""
    assert "Invalid value for '--state': 'sleepy' is not one of 'active', 'paused', 'all'." in err
    code, _, err = run_cli(tmp_path / "t.db", "lsit")
    assert code == 2 and "No such command 'lsit'." in err
    assert not (tmp_path / "t.db").exists()


def test_every_command_is_found_where_the_table_says() -> None:
    """COMMAND_HOME names each command's module, so running one loads that module alone."""
    import importlib

    found = {}
    for module, attr in COMMAND_MODULES.items():
        for command in getattr(importlib.import_module(module), attr):
            assert command.name not in found, f"{command.name} is in two modules"
            found[command.name] = module
    assert found == COMMAND_HOME
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(found)
    for name in found:
        assert cli.get_command(ctx, name) is not None
    assert cli.get_command(ctx, "nope") is None


def _loaded_by(args: list[str]) -> set[str]:
    code = (
        "import sys, subprocess\n"
        "def refuse(*a, **k): raise SystemExit('a process was started: ' + repr(a))\n"
        "subprocess.Popen.__init__ = refuse\n"
        "from tickwork.cli.main import cli\n"
        f"try: cli({args!r}, prog_name='tickwork')\n"
        "except SystemExit as e:\n"
        "    if e.code not in (0, None): raise\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("\n")[-2].split())


def test_list_loads_no_model_no_edits_and_starts_no_process(varied: Store) -> None:
    """`tickwork list` reads rows: no Schedule model, validation, edits, runner or migration
    library, and no child process (croniter's import used to run `file` on the interpreter)."""
    loaded = _loaded_by(["--db", str(varied.path), "list"])
    for heavy in (
        "tickwork.domain.model",
        "tickwork.domain.spec",
        "tickwork.store.schedules",
        "tickwork.cli.schedules",
        "sqlite_utils",
        "asyncio",
        "difflib",
    ):
        assert heavy not in loaded
    assert "croniter" in loaded  # the descriptions were made
    loaded = _loaded_by(["--db", str(varied.path), "list", "--json"])
    assert "tickwork.store.schedules" not in loaded and "asyncio" not in loaded


def test_croniter_is_imported_without_asking_file() -> None:
    code = (
        "import platform, subprocess, sys\n"
        "real = platform.architecture\n"
        "def refuse(*a, **k): raise SystemExit('a process was started')\n"
        "subprocess.Popen.__init__ = refuse\n"
        "from tickwork.cron import expand\n"
        "assert expand('*/5 * * * *') is not None\n"
        "assert sys.modules['croniter.croniter'].OVERFLOW32B_MODE is False\n"
        "assert platform.architecture is real\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_zone_names_spelt_right_skip_the_scan() -> None:
    """The tzdata index answers exactly as the scan of every zone would."""
    names = timezones._tzdata_names()
    assert names and names <= set(timezones.all_timezones())
    lowered = timezones._lower_map()
    for name in names:
        assert lowered[name.lower()] == name  # what the scan gives for it
    assert timezones.canonical_timezone("europe/paris") == "Europe/Paris"
    assert timezones.canonical_timezone(" Europe/Paris ") == "Europe/Paris"
    for bad in ("Factory", "localtime", "posix/Europe/Paris", "Europe/Pariss"):
        with pytest.raises(timezones.UnknownTimezone):
            timezones.canonical_timezone(bad)
