"""A declared schedule's identity survives a move or rename of its file; the schedules of a
file that no longer exists can be removed (issue 11)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from tickwork.store import Store
from tickwork.store.migrations import MIGRATIONS

from .helpers import FIXTURES, listed, rows, run_cli

SAMPLE = (FIXTURES / "tickwork.toml").read_text()
KEYS = ["heartbeat", "nightly-backup", "weekday-report"]


def by_key(db: Path) -> dict[str, dict[str, object]]:
    return {str(s["declared_key"]): s for s in listed(db)}


def sync(db: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(db, "sync", *args)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    f = tmp_path / "a" / "tickwork.toml"
    f.parent.mkdir()
    f.write_text(SAMPLE)
    return f


def test_moving_the_file_keeps_its_schedules(db_path: Path, repo: Path, tmp_path: Path) -> None:
    assert sync(db_path, str(repo))[0] == 0
    before = by_key(db_path)
    moved = tmp_path / "b" / "renamed.toml"
    moved.parent.mkdir()
    repo.rename(moved)
    code, out, err = sync(db_path, str(moved))
    assert code == 0, err
    assert out.splitlines()[0] == f"{moved}: 0 to create, 3 to update, 0 to delete, 0 unchanged"
    assert f"~ heartbeat: moved from {repo.resolve()}" in out
    after = by_key(db_path)
    assert sorted(after) == KEYS  # every job once, not twice
    for key in KEYS:
        assert after[key]["id"] == before[key]["id"]  # the same schedules, history kept
        assert after[key]["declared_in"] == str(moved.resolve())
        assert after[key]["next_run_at"] == before[key]["next_run_at"]
    assert sync(db_path, str(moved))[1].startswith(f"{moved}: in sync (3 schedule(s))")


def test_a_move_with_edits_still_takes_the_schedules_over(
    db_path: Path, repo: Path, tmp_path: Path
) -> None:
    sync(db_path, str(repo))
    before = by_key(db_path)
    moved = tmp_path / "b.toml"
    moved.write_text(SAMPLE.replace('timezone = "Europe/Paris"', 'timezone = "Asia/Tokyo"'))
    repo.unlink()
    code, out, err = sync(db_path, str(moved))
    assert code == 0, err
    assert f"~ nightly-backup: timezone, moved from {repo.resolve()}" in out
    assert {k: v["id"] for k, v in by_key(db_path).items()} == {
        k: v["id"] for k, v in before.items()
    }


def test_a_file_sharing_few_keys_takes_nothing_over(
    db_path: Path, repo: Path, tmp_path: Path
) -> None:
    sync(db_path, str(repo))
    other = tmp_path / "other.toml"
    other.write_text('[schedules.heartbeat]\nevery = "1m"\ncommand = "true"\n')
    repo.unlink()
    # one key of three: not the same file; the old schedules are reported, not taken
    other.write_text(
        other.read_text() + '[schedules.x]\nevery = "1m"\ncommand = "true"\n'
        '[schedules.y]\nevery = "1m"\ncommand = "true"\n'
    )
    code, out, err = sync(db_path, str(other))
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"{other}: 3 to create, 0 to update")
    assert (
        f"note: 3 schedule(s) are declared in files that no longer exist ({repo.resolve()}); "
        "they still run: remove them with tickwork sync --prune-missing"
    ) in out


def test_two_vanished_files_matching_equally_is_an_error(
    db_path: Path, repo: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin.toml"
    twin.write_text(SAMPLE)
    sync(db_path, str(repo))
    sync(db_path, str(twin))
    repo.unlink()
    twin.unlink()
    new = tmp_path / "new.toml"
    new.write_text(SAMPLE)
    before = rows(db_path)
    code, _, err = sync(db_path, str(new))
    assert code == 1
    assert "match its keys equally well" in err and "(nothing was changed)" in err
    assert rows(db_path) == before


def test_a_project_key_makes_the_file_path_irrelevant(db_path: Path, tmp_path: Path) -> None:
    text = 'project = "billing"\n\n' + SAMPLE
    first, second = tmp_path / "one" / "tickwork.toml", tmp_path / "two" / "tickwork.toml"
    for f in (first, second):
        f.parent.mkdir()
        f.write_text(text)
    assert sync(db_path, str(first))[0] == 0
    ids = {k: v["id"] for k, v in by_key(db_path).items()}
    code, out, err = sync(db_path, str(second))  # another checkout of the same repository
    assert code == 0, err
    assert "3 to update" in out and "0 to create" in out
    after = by_key(db_path)
    assert {k: v["id"] for k, v in after.items()} == ids
    assert {v["declared_project"] for v in after.values()} == {"billing"}
    assert {v["declared_in"] for v in after.values()} == {str(second.resolve())}


def test_adding_a_project_key_adopts_the_files_schedules(db_path: Path, repo: Path) -> None:
    sync(db_path, str(repo))
    ids = {k: v["id"] for k, v in by_key(db_path).items()}
    repo.write_text('project = "ops"\n' + SAMPLE)
    code, _out, err = sync(db_path, str(repo))
    assert code == 0, err
    assert {k: v["id"] for k, v in by_key(db_path).items()} == ids
    assert {v["declared_project"] for v in by_key(db_path).values()} == {"ops"}


@pytest.mark.parametrize("value", ['""', "1", '"a\\nb"'])
def test_a_bad_project_is_one_error(db_path: Path, repo: Path, value: str) -> None:
    repo.write_text(f"project = {value}\n" + SAMPLE)
    code, _, err = sync(db_path, str(repo))
    assert code == 1 and f"{repo}:1: project: " in err and "(nothing was changed)" in err
    assert rows(db_path) == []


def _orphans(db_path: Path, repo: Path, tmp_path: Path) -> Path:
    """Today's state after the bug: the file was copied and synced, then the old one removed."""
    copy = tmp_path / "b" / "tickwork.toml"
    copy.parent.mkdir()
    copy.write_text(SAMPLE)
    sync(db_path, str(repo))
    sync(db_path, str(copy))
    repo.unlink()
    return copy


def test_schedules_of_a_missing_file_are_pruned(db_path: Path, repo: Path, tmp_path: Path) -> None:
    copy = _orphans(db_path, repo, tmp_path)
    assert len(listed(db_path)) == 6
    code, out, err = sync(db_path, str(copy))
    assert code == 0 and "they still run: remove them with tickwork sync --prune-missing" in out
    before = rows(db_path)
    code, out, err = sync(db_path, "--prune-missing", "--dry-run")
    assert code == 0 and "dry run: nothing written" in out and rows(db_path) == before
    code, out, err = sync(db_path, "--prune-missing")
    assert code == 0, err
    assert out.splitlines()[0] == "3 schedule(s) are declared in files that no longer exist:"
    assert out.splitlines()[-1] == "pruned: 3 deleted"
    left = listed(db_path)
    assert len(left) == 3 and {s["declared_in"] for s in left} == {str(copy.resolve())}
    assert sync(db_path, "--prune-missing")[1].strip() == (
        "no schedules are declared in files that no longer exist"
    )


def test_a_missing_files_schedule_can_be_forced_out(
    db_path: Path, repo: Path, tmp_path: Path
) -> None:
    _orphans(db_path, repo, tmp_path)
    orphan = next(s for s in listed(db_path) if s["declared_in"] == str(repo.resolve()))
    before = rows(db_path)
    for args in (["pause", str(orphan["id"])], ["delete", str(orphan["id"]), "--yes"]):
        code, _, err = run_cli(db_path, *args)
        assert code == 1
        assert err.strip() == (
            f"error: {orphan['name']!r} is DECLARATIVE, declared in {repo.resolve()}, which no "
            f"longer exists: delete it with tickwork delete --force {orphan['id']} (or the "
            "schedules of every missing file with tickwork sync --prune-missing)"
        )
    assert rows(db_path) == before
    code, _out, err = run_cli(db_path, "delete", str(orphan["id"]), "--yes", "--force")
    assert code == 0, err
    assert err.startswith(f"warning: {orphan['name']!r} is DECLARATIVE, declared in")
    assert "(that file no longer exists)" in err
    assert len(listed(db_path)) == 5


def test_forcing_out_a_schedule_whose_file_exists_warns(db_path: Path, repo: Path) -> None:
    sync(db_path, str(repo))
    code, _, err = run_cli(db_path, "delete", "heartbeat", "--yes", "--force")
    assert code == 0
    assert "that file still declares it, so its next tickwork sync creates it again" in err
    assert "+ heartbeat" in sync(db_path, str(repo))[1]


def test_sync_needs_a_file_or_prune(db_path: Path) -> None:
    code, _, err = sync(db_path)
    assert code == 2 and "give the schedules FILE to sync (or --prune-missing)" in err


def test_migration_v7_keeps_declared_schedules_of_a_v6_database(db_path: Path, repo: Path) -> None:
    """A database at schema 6 with a declared schedule in it opens, and its file still owns
    it: the next sync changes nothing."""
    with Store.open(tmp := db_path.with_name("v-now.db")) as store:
        from tickwork.exchange.declarative import sync as do_sync

        do_sync(store, repo)
        row = store.conn.execute("SELECT * FROM schedules WHERE declared_key = 'heartbeat'")
        names = [d[0] for d in row.description]
        values = row.fetchone()
    old = dict(zip(names, values, strict=True))
    del old["declared_project"]
    conn = sqlite3.connect(db_path)
    db = sqlite_utils.Database(conn)
    for migrate in MIGRATIONS[:6]:
        migrate(db)
    conn.execute("PRAGMA user_version = 6")
    conn.execute("PRAGMA application_id = 1953063787")
    conn.execute(
        f"INSERT INTO schedules ({', '.join(old)}) VALUES ({', '.join('?' for _ in old)})",
        list(old.values()),
    )
    conn.commit()
    conn.close()
    tmp.unlink()
    [migrated] = listed(db_path)
    assert migrated["declared_key"] == "heartbeat" and migrated["declared_project"] is None
    assert migrated["id"] == old["id"] and migrated["declared_in"] == str(repo.resolve())
    repo.write_text(
        SAMPLE.split("[schedules.heartbeat]")[0].split("\n", 1)[0]
        + "\n"
        + "[schedules.heartbeat]"
        + SAMPLE.split("[schedules.heartbeat]")[1]
    )
    code, out, err = sync(db_path, str(repo))
    assert code == 0, err
    assert out.strip() == f"{repo}: in sync (1 schedule(s)), nothing to do"
