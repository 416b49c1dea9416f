"""The database file is not trusted blindly: real files, real modes, a real other user."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli, schedule_rows
from tickwork.store import Store, StoreError

ALLOW_SHARED_ENV = "TICKWORK_ALLOW_SHARED_DB"  # documented (README, Security)

ROOT_ONLY = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root to give files to another user (nobody)",
)


def _nobody() -> tuple[int, int]:
    import pwd

    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody' on this machine")
    return entry.pw_uid, entry.pw_gid


def _make_db(path: Path, command: str = "echo hi") -> None:
    with Store.open(path) as store:
        store.create(
            {"name": "job", "every": "1s", "action": {"kind": "command", "command": command}}
        )


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_SHARED_ENV, raising=False)


def test_a_database_writable_by_others_is_refused_with_the_fix(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _make_db(db)
    os.chmod(db, 0o666)
    before = schedule_rows(db)
    code, out, err = run_cli(db, "list")
    assert code == 1
    assert err.strip().count("\n") == 0, err  # one line
    assert f"chmod 600 {db}" in err and "writable by others" in err
    assert ALLOW_SHARED_ENV in err  # names the override
    assert "job" not in out
    assert schedule_rows(db) == before
    assert stat.S_IMODE(db.stat().st_mode) == 0o666  # left as it was


def test_group_writable_is_refused_too(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _make_db(db)
    os.chmod(db, 0o620)
    with pytest.raises(StoreError, match="chmod 600"):
        Store.open(db)


def test_a_directory_writable_by_others_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "t.db"
    _make_db(db)
    os.chmod(folder, 0o1777)  # even sticky, like /tmp: others can plant the -wal file
    code, _, err = run_cli(db, "list")
    assert code == 1
    assert f"chmod go-w {folder}" in err


def test_a_new_database_is_not_created_in_a_directory_others_can_write(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    db = folder / "new.db"
    code, _, err = run_cli(db, "list")
    assert code == 1 and "writable by others" in err
    assert not db.exists()


def test_a_writable_wal_companion_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _make_db(db)
    wal = Path(str(db) + "-wal")
    wal.touch()
    os.chmod(wal, 0o666)
    with pytest.raises(StoreError, match=r"t\.db-wal is writable by others"):
        Store.open(db)


def test_the_override_opens_a_shared_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "t.db"
    _make_db(db)
    os.chmod(db, 0o664)
    code, out, err = run_cli(db, "--allow-shared-db", "list")
    assert code == 0, err
    assert "job" in out
    monkeypatch.delenv(ALLOW_SHARED_ENV, raising=False)  # the flag set it for its process
    monkeypatch.setenv(ALLOW_SHARED_ENV, "1")
    from tickwork.store.ownership import untrusted

    assert untrusted(db) is None
    with Store.open(db) as store:
        assert store.count() == 1


def test_a_dangling_symlink_never_yields_a_readable_file(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: a file made without an explicit mode is 0644
    try:
        target = tmp_path / "real" / "tickwork.db"
        target.parent.mkdir(mode=0o700)
        link = tmp_path / "link.db"
        link.symlink_to(target)
        code, _, err = run_cli(
            link, "add", "x", "--every", "1h", "--env", "A=1", "--command", "true"
        )
        assert code == 0, err
    finally:
        os.umask(old)
    assert target.exists()
    assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0, oct(target.stat().st_mode)
    for suffix in ("-wal", "-shm"):
        companion = Path(str(target) + suffix)
        if companion.exists():
            assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0


def test_a_dangling_symlink_into_a_directory_others_can_write_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    os.chmod(folder, 0o777)
    link = tmp_path / "link.db"
    link.symlink_to(folder / "t.db")
    with pytest.raises(StoreError, match="writable by others"):
        Store.open(link)
    assert not (folder / "t.db").exists()


@ROOT_ONLY
def test_a_database_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    uid, gid = _nobody()
    db = tmp_path / "theirs.db"
    _make_db(db)
    os.chown(db, uid, gid)
    os.chmod(db, 0o600)
    code, _, err = run_cli(db, "list")
    assert code == 1
    assert "belongs to nobody, not to you" in err


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory the user nobody can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="tickwork-security-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@ROOT_ONLY
def test_another_user_renaming_their_database_over_yours_runs_nothing(
    reachable_dir: Path,
) -> None:
    """The attack of the issue: nobody swaps a world-writable directory's database for one of
    their own; root's `run --once` must refuse it instead of running their command as root."""
    if shutil.which("runuser") is None:
        pytest.skip("runuser is not installed")
    uid, gid = _nobody()
    tmp_path = reachable_dir
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    mine = shared / "tickwork.db"
    os.environ[ALLOW_SHARED_ENV] = "1"  # setting up as the old, trusting tickwork would
    try:
        _make_db(mine, "true")
    finally:
        del os.environ[ALLOW_SHARED_ENV]
    marker = tmp_path / "pwned"
    evil = shared / "evil.db"
    os.environ[ALLOW_SHARED_ENV] = "1"
    try:
        _make_db(evil, f"touch {marker}")
    finally:
        del os.environ[ALLOW_SHARED_ENV]
    os.chown(evil, uid, gid)
    subprocess.run(["runuser", "-u", "nobody", "--", "mv", str(evil), str(mine)], check=True)
    assert mine.stat().st_uid == uid
    env = {k: v for k, v in os.environ.items() if k != ALLOW_SHARED_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "tickwork", "--db", str(mine), "run", "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "writable by others" in done.stderr or "belongs to nobody" in done.stderr
    assert not marker.exists()


def test_untrusted_is_none_for_a_private_database(tmp_path: Path) -> None:
    from tickwork.store.ownership import untrusted

    db = tmp_path / "t.db"
    _make_db(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert untrusted(db) is None
    assert untrusted(tmp_path / "missing" / "t.db") is None
