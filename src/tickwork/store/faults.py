"""What went wrong with a database file, in words a person can act on.

SQLite's own error codes decide: a file that is not a database, a damaged one, a read-only file
or folder, a full disk, another process's lock. Each becomes a StoreError with a `kind` the
runner acts on (wait out `busy`, retry `full` and `io`, stop on `damaged` and `readonly`) and a
one-line message the CLI and the UI show as they are.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Literal

FaultKind = Literal["busy", "full", "readonly", "damaged", "notadb", "io", "cantopen", "other"]
# Faults that more of the same cannot fix: a runner stops instead of retrying.
FATAL_KINDS = frozenset({"damaged", "notadb", "readonly", "cantopen"})


class StoreError(RuntimeError):
    """A database that cannot be used (or a write that could not be made): the message says
    why and what to do; `kind` says what kind of fault it is."""

    def __init__(self, message: str, kind: FaultKind = "other") -> None:
        super().__init__(message)
        self.kind: FaultKind = kind

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL_KINDS


class Conflict(Exception):
    """A write the database refused for one of its constraints (a unique key already taken):
    PostgreSQL's integrity errors. SQLite's stay sqlite3.IntegrityError; catch CONFLICTS."""


CONFLICTS = (sqlite3.IntegrityError, Conflict)


def classify(exc: BaseException) -> FaultKind:
    """The kind of an sqlite3 error, from SQLite's extended result code (its name)."""
    if isinstance(exc, StoreError):
        return exc.kind
    if not isinstance(exc, sqlite3.Error):
        return "other"
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or (
        not name and ("locked" in text or "busy" in text)
    ):
        return "busy"
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return "full"
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return "readonly"
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return "notadb"
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return "damaged"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "cantopen"
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return "io"
    return "other"


def is_busy(exc: BaseException) -> bool:
    """A lock held by another connection (not damage): wait and try again."""
    return classify(exc) == "busy"


def disk_full(path: Path) -> bool:
    """Whether the file system holding `path` has no space left for a write (os.statvfs)."""
    try:
        st = os.statvfs(path.parent if not path.is_dir() else path)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024 or (st.f_files > 0 and st.f_favail == 0)


def read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def read_only_message(path: Path, folder: bool = False) -> str:
    what = f"the folder {path}" if folder else str(path)
    if read_only_fs(path):
        why = "is on a read-only file system"
    else:
        why = "is read-only (no write permission)"
    need = (
        f"SQLite keeps {path.name}-wal and {path.name}-shm beside the database"
        if folder
        else "tickwork writes to its database even to read it (WAL)"
    )
    return f"{what} {why}: {need}; make it writable or pass another --db. Nothing was changed"


def describe(path: Path, exc: BaseException) -> StoreError:
    """The StoreError (one line, with its kind) for an sqlite3 error on the database `path`."""
    kind = classify(exc)
    if kind == "io" and disk_full(path):
        kind = "full"  # a write that failed for want of space, reported as an I/O error
    detail = " ".join(str(exc).split())  # one line, whatever SQLite says
    if kind == "busy":
        msg = (
            f"{path} is locked by another process (a long write?); nothing was changed: "
            "try again in a moment"
        )
    elif kind == "full":
        msg = (
            f"the disk holding {path} is full ({detail}); this change was not written "
            "(the database is intact): free some space and try again"
        )
    elif kind == "readonly":
        msg = read_only_message(path)
    elif kind == "notadb":
        msg = (
            f"{path} is not a tickwork database (not an SQLite file); "
            "it was left untouched: pass another --db path"
        )
    elif kind == "damaged":
        msg = (
            f"{path} is damaged ({detail}); it was left untouched: restore it from a backup "
            "(or try `sqlite3 FILE .recover`)"
        )
    elif kind == "cantopen":
        folder = path.parent
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            msg = read_only_message(folder, folder=True)
            kind = "readonly"
        else:
            msg = f"cannot open {path} ({detail}); nothing was changed"
    elif kind == "io":
        msg = f"disk I/O error on {path} ({detail}); nothing was changed: check the disk"
    else:
        msg = f"database error on {path} ({detail})"
    return StoreError(msg, kind)
