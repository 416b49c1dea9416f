"""Opening a tickwork database: checks, pragmas, versioned migrations (PRAGMA user_version)."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tickwork.store.faults import FaultKind, StoreError, describe, is_busy, read_only_message
from tickwork.store.location import Target, is_url, looks_like_url, redact
from tickwork.store.migrations import MIGRATIONS
from tickwork.store.ownership import creation_target, untrusted

if TYPE_CHECKING:
    from tickwork.store.dialect import Dialect

__all__ = [
    "StoreError",
    "connect",
    "default_db_path",
    "default_target",
    "is_busy",
    "latest_version",
    "open_dialect",
    "verify",
]

APPLICATION_ID = 0x7469636B  # "tick"
BUSY_TIMEOUT_MS = 5000
OPEN_WAIT_SECONDS = 60


def default_db_path() -> Path:
    """$TICKWORK_DB, else tickwork.db in the user's data directory (platformdirs): on Linux
    $XDG_DATA_HOME/tickwork/, ~/.local/share/tickwork/ when that is unset or empty."""
    env = os.environ.get("TICKWORK_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs  # only here: a command given --db or TICKWORK_DB never needs it

    return platformdirs.user_data_path("tickwork", appauthor=False) / "tickwork.db"


def default_target() -> Target:
    """$TICKWORK_DB when it is a URL (postgresql://...), else default_db_path()."""
    env = (os.environ.get("TICKWORK_DB") or "").strip()
    if env and looks_like_url(env):
        return env
    return default_db_path()


POSTGRES_EXTRA = (
    "pip install 'tickwork[postgres]' (psycopg 3 and psycopg-pool; with uv: "
    "uv pip install 'tickwork[postgres]')"
)


def open_dialect(target: Target) -> Dialect:
    """Open what `target` names: a postgresql:// URL, or an SQLite file (created if missing)."""
    if isinstance(target, str) and looks_like_url(target):
        if not is_url(target):
            scheme = target.partition("://")[0]
            raise StoreError(
                f"--db {redact(target)}: tickwork takes a file path or a postgresql:// URL, "
                f"not {scheme}://",
                "cantopen",
            )
        try:
            from tickwork.store.postgres.dialect import PgDialect
        except ImportError as exc:
            if exc.name not in ("psycopg", "psycopg_pool", "psycopg_binary"):
                raise
            raise StoreError(
                f"{redact(target)} is a PostgreSQL database and the PostgreSQL driver is not "
                f"installed: {POSTGRES_EXTRA}",
                "cantopen",
            ) from None
        return PgDialect(target)
    from tickwork.store.sqlite_dialect import SqliteDialect

    return SqliteDialect(Path(target).expanduser())


def latest_version() -> int:
    return len(MIGRATIONS)


def _check_path(path: Path) -> bool:
    """Checks by path only (os.stat, os.access: never open(), see the module docstring).
    Returns whether the file is new (empty): it gets tickwork's schema."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{path} is a directory: pass a file path with --db")
    if not os.access(path, os.R_OK):
        raise StoreError(f"cannot read {path}: permission denied", "readonly")
    if not os.access(path, os.W_OK):
        raise StoreError(read_only_message(path), "readonly")
    folder = path.parent
    sidecars = all(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))
    if not sidecars and not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(read_only_message(folder, folder=True), "readonly")
    return st.st_size == 0


def _create_file(path: Path) -> None:
    """A new empty file readable by its owner only (also where a dangling link points); this
    process holds no lock on it yet."""
    target = creation_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}", _kind(exc)) from None
    problem = untrusted(path)  # the directory just made, or a link's target directory
    if problem:
        raise StoreError(problem)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        return  # another process created it meanwhile
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}", _kind(exc)) from None
    os.close(fd)


def _kind(exc: OSError) -> FaultKind:
    if exc.errno == errno.ENOSPC:
        return "full"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "readonly"
    return "cantopen"


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (creating with mode 0600 if missing), check, configure and migrate the database.

    The file is never opened outside SQLite: closing any descriptor of it would drop every POSIX
    lock this process holds on it (its other connections' too), and another process would then
    take itself for the last user and delete the WAL under this one. The header is checked by
    SQLite itself: its "file is not a database" error drives the refusal. Checks by path only
    (os.stat, os.access) come first.
    """
    path = Path(path)
    problem = untrusted(path)
    if problem:
        raise StoreError(problem)
    if not path.exists():
        if not create:
            raise StoreError(f"{path} does not exist")
        _create_file(path)
    fresh = _check_path(path)
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise describe(path, exc) from None
    try:
        _open_waiting(conn, path, fresh)
    except sqlite3.Error as exc:
        conn.close()
        raise describe(path, exc) from None
    except StoreError:
        conn.close()
        raise
    return conn


def verify(conn: sqlite3.Connection, path: Path, table: str | None = None) -> None:
    """PRAGMA quick_check of the whole file (before a Store's first write: nothing is written
    to a damaged file) or of one table and its indexes (on every open: cheap)."""
    arg = f"({table})" if table else ""
    try:
        rows = conn.execute(f"PRAGMA quick_check{arg}").fetchall()
    except sqlite3.Error as exc:
        raise describe(path, exc) from None
    problems = [
        " ".join(str(r[0]).replace("*** in database main ***", "").split())
        for r in rows
        if r[0] != "ok"
    ]
    if problems:  # SQLite's lines joined into one
        raise StoreError(
            f"{path} is damaged ({'; '.join(problems[:3])[:200]}); it was left untouched: "
            "restore it from a backup (or try `sqlite3 FILE .recover`)",
            "damaged",
        )


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
                    "try again when it is done",
                    "busy",
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
            "it was left untouched: pass another --db path",
            "notadb",
        )
    if tables:
        verify(conn, path, "schedules")  # what every command reads; the rest before a write
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > latest_version():
        raise StoreError(
            f"{path} was written by a newer tickwork (schema {version}, this one knows "
            f"{latest_version()}): upgrade tickwork"
        )
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        if not fresh:
            verify(conn, path)  # the first write to this file: never to a damaged one
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the missing migrations in one write transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= latest_version():
        return
    if version > 0:
        verify(conn, path)  # an older schema's data: never migrate a damaged file
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
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
