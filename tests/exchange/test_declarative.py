"""Schedules as code: `tickwork sync FILE`, its errors, and re-syncing when the file changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from tickwork.domain.errors import NotAllowed
from tickwork.exchange.declarative import SyncError, SyncResult, sync
from tickwork.exchange.watch import watch_and_sync
from tickwork.store import Store

from ..conftest import FakeClock
from .helpers import FIXTURES, listed, rows, run_cli

SAMPLE = (FIXTURES / "tickwork.toml").read_text()


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    f = tmp_path / "repo" / "tickwork.toml"
    f.parent.mkdir()
    f.write_text(SAMPLE)
    return f


def test_sync_creates_declarative_schedules(db_path: Path, toml: Path) -> None:
    code, out, err = run_cli(db_path, "sync", str(toml))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{toml}: 3 to create, 0 to update, 0 to delete, 0 unchanged"
    assert "+ nightly-backup: 30 2 * * * (Europe/Paris), next run" in out
    assert lines[-1] == "synced: 3 created, 0 updated, 0 deleted"
    by_key = {s["declared_key"]: s for s in listed(db_path)}
    backup = by_key["nightly-backup"]
    assert backup["type"] == "DECLARATIVE" and backup["declared_in"] == str(toml.resolve())
    assert backup["name"] == "nightly-backup" and backup["max_runs"] == 100
    assert backup["on_failure"] == "https://hooks.example.com/tickwork"
    assert backup["action"]["env"] == {"BACKUP_TARGET": "s3://bucket/nightly"}
    report = by_key["weekday-report"]
    assert report["time_of_day"] == "09:15" and report["days_of_week"] == [1, 2, 3, 4, 5]
    assert report["action"]["method"] == "PUT" and report["description"]
    assert by_key["heartbeat"]["generator"]["expression"] == "@every 30s"
    code, out, _ = run_cli(db_path, "list")
    assert "active*" in out  # the list marks DECLARATIVE schedules
    code, out, _ = run_cli(db_path, "sync", str(toml))
    assert out.strip() == f"{toml}: in sync (3 schedule(s)), nothing to do"


def test_declarative_schedules_are_read_only_from_the_cli(db_path: Path, toml: Path) -> None:
    run_cli(db_path, "sync", str(toml))
    before = rows(db_path)
    where = str(toml.resolve())
    for args in (
        ["edit", "nightly-backup", "--tz", "UTC"],
        ["pause", "nightly-backup"],
        ["deactivate", "nightly-backup"],
        ["delete", "nightly-backup", "--yes"],
    ):
        code, _, err = run_cli(db_path, *args)
        assert code == 1, args
        assert err.startswith("error: 'nightly-backup' is DECLARATIVE") and where in err, err
        assert "tickwork sync" in err and len(err.strip().splitlines()) == 1
    assert rows(db_path) == before


def test_sync_updates_only_what_changed(tmp_path: Path, toml: Path, clock: FakeClock) -> None:
    with Store.open(tmp_path / "t.db", clock=clock) as store:
        sync(store, toml)
        store.conn.execute("UPDATE schedules SET run_count = 7 WHERE declared_key = 'heartbeat'")
        before = {s.declared_key: s for s in store.list()}
        clock.now += timedelta(hours=1)
        assert sync(store, toml).changes == ()  # nothing written, not even updated_at
        assert {s.declared_key: s for s in store.list()} == before
        edited = SAMPLE.replace('timezone = "Europe/Paris"', 'timezone = "Asia/Tokyo"')
        edited = edited.replace('overlap = "allow"', 'overlap = "allow"\nretries = 1')
        edited = edited.replace("max_runs = 100\n", "")
        toml.write_text(edited)
        plan = sync(store, toml, dry_run=True)
        assert [str(c) for c in plan.changes] == [
            "~ nightly-backup: timezone, max_runs",
            "~ heartbeat: retries",
        ]
        assert {s.declared_key: s for s in store.list()} == before  # dry run
        result = sync(store, toml)
        assert result.applied and result.unchanged == 1
        after = {s.declared_key: s for s in store.list()}
        backup = after["nightly-backup"]
        assert backup.timezone == "Asia/Tokyo" and backup.max_runs is None
        assert backup.next_run_at != before["nightly-backup"].next_run_at  # recomputed
        assert backup.updated_at == clock.now and backup.id == before["nightly-backup"].id
        heartbeat = after["heartbeat"]
        assert heartbeat.policies.retries == 1 and heartbeat.run_count == 7
        assert heartbeat.next_run_at == before["heartbeat"].next_run_at  # timing unchanged
        assert after["weekday-report"] == before["weekday-report"]


def test_sync_deletes_what_left_the_file_and_never_touches_others(
    db_path: Path, toml: Path, tmp_path: Path
) -> None:
    run_cli(db_path, "add", "mine", "--cron", "0 1 * * *", "--command", "true")
    other = tmp_path / "other.toml"
    other.write_text('[schedules.heartbeat]\nevery = "1m"\ncommand = "true"\n')
    run_cli(db_path, "sync", str(other))
    run_cli(db_path, "sync", str(toml))
    assert len(listed(db_path)) == 5
    toml.write_text(
        SAMPLE.split("[schedules.heartbeat]")[0] + '[schedules.new]\ncron = "@daily"\n'
        'command = "echo new"\nactive = false\n'
    )
    code, out, _ = run_cli(db_path, "sync", str(toml), "--dry-run")
    assert "+ new: @daily (UTC), paused" in out and "- heartbeat: 'heartbeat'" in out
    assert out.splitlines()[-1] == "dry run: nothing written" and len(listed(db_path)) == 5
    code, out, _ = run_cli(db_path, "sync", str(toml))
    assert code == 0 and "synced: 1 created, 0 updated, 1 deleted" in out
    names = sorted((s["name"], s["declared_in"] or "-") for s in listed(db_path))
    assert ("mine", "-") in names and ("heartbeat", str(other.resolve())) in names
    assert ("heartbeat", str(toml.resolve())) not in names
    new = next(s for s in listed(db_path) if s["name"] == "new")
    assert new["active"] is False and new["status_reason"] == "paused"
    toml.write_text("")
    code, out, _ = run_cli(db_path, "sync", str(toml))
    assert "synced: 0 created, 0 updated, 3 deleted" in out
    assert sorted(s["name"] for s in listed(db_path)) == ["heartbeat", "mine"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[schedules.a]\ncron = "0 9 * * *\ncommand = "x"\n', ":6: "),  # unclosed string
        ('[schedules.a]\ncron = "61 9 * * *"\ncommand = "x"\n', ":6: schedules.a.cron: minute 61"),
        (
            '[schedules.a]\ncron = "0 9 * * *"\ntimezon = "UTC"\ncommand = "x"\n',
            ":7: schedules.a.timezon: unknown field 'timezon': did you mean timezone?",
        ),
        (
            '[schedules.a]\ncron = "0 9 * * *"\ntimezone = "Europe/Londn"\ncommand = "x"\n',
            ":7: schedules.a.timezone: unknown time zone; did you mean Europe/London?",
        ),
        ('[schedules.a]\nevery = "30s"\n', ":5: schedules.a.command: say what firing does"),
        (
            '[schedules.a]\ncron = "@daily"\nurl = "https://x.y"\ncwd = "/tmp"\n',
            ":8: schedules.a.cwd: applies to command actions only",
        ),
        (
            '[schedules.a]\ncron = "@daily"\ncommand = "x"\non_failure = "ftp://x"\n',
            ":8: schedules.a.on_failure: a URL must start with http:// or https://",
        ),
        (
            '[schedules.a]\ncron = "@daily"\ncommand = "x"\nend_at = 2020-01-01T00:00:00Z\n',
            ":8: schedules.a.end_at: 2020-01-01T00:00:00+00:00 has already passed",
        ),
        ('[jobs.a]\ncron = "@daily"\n', ":5: jobs: unknown top-level key 'jobs'"),
        ("[schedules]\na = 5\n", ":6: schedules.a: must be a table"),
    ],
)
def test_sync_errors_name_file_line_field_and_change_nothing(
    db_path: Path, toml: Path, body: str, expected: str
) -> None:
    run_cli(db_path, "sync", str(toml))
    ok = '[schedules.ok]\ncron = "@daily"\ncommand = "true"\n\n'  # lines 1-4: a good new entry
    toml.write_text(ok + body)
    before = rows(db_path)
    code, out, err = run_cli(db_path, "sync", str(toml))
    assert code == 1 and out == ""
    assert err.startswith(f"error: {toml}{expected}"), err
    assert err.rstrip().endswith("(nothing was changed)") and "Traceback" not in err
    assert rows(db_path) == before


def test_all_errors_are_reported_at_once(tmp_path: Path, toml: Path, clock: FakeClock) -> None:
    toml.write_text(
        '[schedules.a]\ncron = "61 * * * *"\ncommand = "x"\n\n'
        '[schedules.b]\ncron = "@daily"\ncommand = "x"\nretries = -1\n'
    )
    with Store.open(tmp_path / "t.db", clock=clock) as store, pytest.raises(SyncError) as info:
        sync(store, toml)
    assert [(line, field) for line, field, _ in info.value.problems] == [
        (2, "schedules.a.cron"),
        (8, "schedules.b.retries"),
    ]


def test_missing_file_is_one_error(db_path: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(db_path, "sync", str(tmp_path / "nope.toml"))
    assert code == 1 and err == (
        f"error: {tmp_path / 'nope.toml'}: file not found: give the path of a TOML schedules "
        "file (nothing was changed)\n"
    )


def test_active_flag_pauses_resumes_and_revives(
    tmp_path: Path, toml: Path, clock: FakeClock
) -> None:
    entry = '[schedules.j]\ncron = "*/5 * * * *"\ncommand = "true"\nmax_runs = 2\n'
    toml.write_text(entry)
    with Store.open(tmp_path / "t.db", clock=clock) as store:
        sync(store, toml)
        toml.write_text(entry + "active = false\n")
        assert [str(c) for c in sync(store, toml).changes] == ["~ j: active"]
        (j,) = store.list()
        assert not j.active and j.next_run_at is None and j.status_reason == "paused"
        toml.write_text(entry)
        sync(store, toml)
        (j,) = store.list()
        assert j.active and j.next_run_at is not None
        # done after max_runs: the file saying active does not churn it ...
        store.conn.execute(
            "UPDATE schedules SET run_count = 2, active = 0, next_run_at = NULL, "
            "status_reason = 'max_runs reached (2 runs)'"
        )
        assert sync(store, toml).changes == ()
        # ... until its limit is raised
        toml.write_text(entry.replace("max_runs = 2", "max_runs = 5"))
        sync(store, toml)
        (j,) = store.list()
        assert j.active and j.next_run_at is not None and j.run_count == 2


def test_dedup_key_taken_by_an_imperative_schedule(db_path: Path, toml: Path) -> None:
    run_cli(db_path, "add", "mine", "--cron", "@daily", "--command", "x", "--dedup-key", "k1")
    toml.write_text('[schedules.a]\ncron = "@daily"\ncommand = "x"\ndeduplication_key = "k1"\n')
    code, _, err = run_cli(db_path, "sync", str(toml))
    assert code == 1
    assert f"{toml}:4: schedules.a.deduplication_key: 'k1' is already used by 'mine'" in err
    assert len(listed(db_path)) == 1


def test_apply_runs_in_one_transaction(tmp_path: Path, toml: Path, clock: FakeClock) -> None:
    """A write that fails half-way (here: a trigger) leaves no partial sync behind."""
    with Store.open(tmp_path / "t.db", clock=clock) as store:
        store.conn.execute(
            "CREATE TRIGGER no_heartbeat BEFORE INSERT ON schedules "
            "WHEN NEW.declared_key = 'heartbeat' BEGIN SELECT RAISE(ABORT, 'nope'); END"
        )
        with pytest.raises(NotAllowed, match="nothing was written"):
            sync(store, toml)
        assert store.count() == 0


async def test_watch_and_sync_follows_the_file(
    tmp_path: Path, toml: Path, clock: FakeClock
) -> None:
    results: list[SyncResult | SyncError] = []
    got = asyncio.Event()

    def on_result(r: SyncResult | SyncError) -> None:
        results.append(r)
        got.set()

    async def next_result() -> SyncResult | SyncError:
        await asyncio.wait_for(got.wait(), timeout=5)
        got.clear()
        return results[-1]

    with Store.open(tmp_path / "t.db", clock=clock) as store:
        task = asyncio.create_task(watch_and_sync(store, toml, on_result, interval=0.05))
        try:
            first = await next_result()
            assert isinstance(first, SyncResult) and first.count("create") == 3
            toml.write_text(SAMPLE.replace('"30s"', '"45s"'))
            second = await next_result()
            assert isinstance(second, SyncResult)
            assert [str(c) for c in second.changes] == ["~ heartbeat: every"]
            toml.write_text(SAMPLE.replace('"30s"', '"0s"'))
            bad = await next_result()
            assert isinstance(bad, SyncError) and "schedules.heartbeat.every" in str(bad)
            assert store.find_declared(str(toml.resolve()), "heartbeat").expression == (  # type: ignore[union-attr]
                "@every 45s"
            )
            toml.unlink()
            gone = await next_result()
            assert isinstance(gone, SyncError) and "file not found" in str(gone)
            await asyncio.sleep(0.3)
            assert len(results) == 4  # reported once, not at every poll
            assert store.count() == 3  # the last good state stays
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
