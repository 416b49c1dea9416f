"""Opening a tickwork database: checks, pragmas, versioned migrations (PRAGMA user_version)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from tickwork.store.migrations import MIGRATIONS
from tickwork.store.ownership import creation_target, untrusted

APPLICATION_ID = 0x7469636B  # "tick"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
OPEN_WAIT_SECONDS = 60


class StoreError(RuntimeError):
    """A database that cannot be used: the message says why and what to do."""


def default_db_path() -> Path:
    """$TICKWORK_DB, else $XDG_DATA_HOME/tickwork/tickwork.db (~/.local/share/tickwork/...)."""
    env = os.environ.get("TICKWORK_DB")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tickwork" / "tickwork.db"


def latest_version() -> int:
    return len(MIGRATIONS)


def _check_existing(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not a tickwork database (not an SQLite file); "
            "it was left untouched: pass another --db path"
        )


def _create_file(path: Path) -> None:
    """A new empty file readable by its owner only (also where a dangling link points)."""
    target = creation_target(path)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    problem = untrusted(path)  # the directory just made, or a link's target directory
    if problem:
        raise StoreError(problem)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    os.close(fd)


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (creating with mode 0600 if missing), check, configure and migrate the database."""
    path = Path(path)
    problem = untrusted(path)
    if problem:
        raise StoreError(problem)
    fresh = False
    if path.exists():
        if path.is_dir():
            raise StoreError(f"{path} is a directory: pass a file path with --db")
        _check_existing(path)
        fresh = path.stat().st_size == 0
    elif not create:
        raise StoreError(f"{path} does not exist")
    else:
        try:
            _create_file(path)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror}") from None
        fresh = True
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}") from None
    try:
        _open_waiting(conn, path, fresh)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"{path} is damaged or not a tickwork database ({exc}); it was left untouched"
        ) from None
    except StoreError:
        conn.close()
        raise
    return conn


def is_busy(exc: BaseException) -> bool:
    """A lock held by another connection (not damage): wait and try again."""
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _open_waiting(conn: sqlite3.Connection, path: Path, fresh: bool) -> None:
    """Configure and migrate; another process's long write lock is waited out, up to a limit."""
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    delay = 0.1
    while True:
        try:
            _configure(conn, path, fresh)
            migrate(conn, path)
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() > deadline:
                raise StoreError(
                    f"{path} stayed locked by another process for {OPEN_WAIT_SECONDS} s; "
                    "try again when it is done"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _configure(conn: sqlite3.Connection, path: Path, fresh: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if app_id != APPLICATION_ID and (tables or (not fresh and app_id != 0)):
        raise StoreError(
            f"{path} is an SQLite database of another program, not tickwork's; "
            "it was left untouched: pass another --db path"
        )
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > latest_version():
        raise StoreError(
            f"{path} was written by a newer tickwork (schema {version}, this one knows "
            f"{latest_version()}): upgrade tickwork"
        )
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the missing migrations in one write transaction."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= latest_version():
        return
    import sqlite_utils  # only here: importing it costs ~80 ms that an up-to-date file never needs

    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        db = sqlite_utils.Database(conn)
        step: Callable[[sqlite_utils.Database], None]
        for number, step in enumerate(MIGRATIONS, start=1):
            if number > version:
                step(db)
        conn.execute(f"PRAGMA user_version = {latest_version()}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
