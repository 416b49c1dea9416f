"""What differs between the two databases a Store can sit on, behind one small interface.

The business SQL (store.schedules, store.claims, store.runs, ...) is written once, with `?`
placeholders, in the SQL both SQLite and PostgreSQL accept. A dialect owns the rest: connecting
and migrating, the write transaction (SQLite's BEGIN IMMEDIATE, a pooled PostgreSQL connection in
READ COMMITTED), placeholders, the row-lock suffix of a read that a write follows, the
database's clock, change detection, and which errors are which (see store.faults).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from tickwork.domain.timeutil import Clock, utcnow
from tickwork.store.location import Target

Params = tuple[Any, ...] | list[Any]
Row = tuple[Any, ...]


class Cursor(Protocol):
    """What a statement gives back (sqlite3's cursor, psycopg's)."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ...) -> list[Any]: ...


class Conn(Protocol):
    """A connection inside a transaction: `execute(sql, params)` with `?` placeholders."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor: ...


class Dialect(ABC):
    """One open database. Thread-safe."""

    name: Literal["sqlite", "postgresql"]
    target: Target  # what Store.open takes to open it again (a URL keeps its password)
    location: str  # what to show: the path, or the URL without its password
    # Appended to a SELECT of rows the transaction then writes: PostgreSQL locks them (other
    # writers of those rows wait; READ COMMITTED sees their commits); SQLite's BEGIN IMMEDIATE
    # already holds the whole database.
    row_lock: str = ""
    # The same, passing over rows another transaction holds (work someone else is doing).
    skip_locked: str = ""
    # Times are stored in the database's own type (timestamptz), so every stored time is
    # canonical and compares as a time; SQLite stores ISO text.
    native_times: bool = False
    # Runners on other hosts share it: one whose lease expired may have its runs taken over by
    # a runner that cannot see its process, so a runner that cannot renew fences itself.
    shared_hosts: bool = False

    def __init__(self) -> None:
        self.lock = threading.RLock()

    @abstractmethod
    def write(self) -> AbstractContextManager[Conn]:
        """One write transaction: all or nothing. A lock held by another connection for too
        long raises a StoreError of kind `busy` (or SQLite's busy error), for the caller to
        wait out; any other fault a StoreError saying what it is."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Conn]:
        """A connection for several reads (inside a write on this thread: that transaction's)."""

    @abstractmethod
    def query(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    def stream(self, sql: str, params: Params = (), *, chunk: int = 500) -> Iterator[Row]:
        """The rows of a big read as they come, `chunk` at a time."""

    @abstractmethod
    def data_version(self) -> int:
        """Moves when another connection commits something the runner acts on."""

    @abstractmethod
    def content_version(self) -> int:
        """Moves on every change to schedules or runs (by anyone), not on heartbeats."""

    def clock(self) -> Clock:
        """The database's time, as a clock for a Store's edits (SQLite: this machine's)."""
        return utcnow

    def server_now(self, conn: Conn) -> datetime | None:
        """The database's clock inside a transaction; None where it is this machine's."""
        return None

    def lock_schedule(self, conn: Conn, schedule_id: str) -> None:
        """Lock one schedule's row first, in a transaction that reads then writes its runs
        (others doing the same for that schedule wait; SQLite's transaction already holds all)."""
        if self.row_lock:
            conn.execute(f"SELECT 1 FROM schedules WHERE id = ?{self.row_lock}", (schedule_id,))

    def lock_schedules(self, conn: Conn) -> None:
        """Hold off every other writer of schedules until this transaction ends (imports and
        syncs that plan over many rows). SQLite's write transaction already does."""
        return None

    def notify(self, conn: Conn) -> None:
        """Tell every listening runner and UI, at commit, that schedules were edited."""
        return None

    def verify_file(self) -> None:
        """Check the stored pages as they are now (SQLite's file); a server checks its own."""
        return None

    def subscribe(self, callback: Callable[[], None]) -> bool:
        """Call `callback` (from another thread) soon after another connection edits something;
        False where the dialect cannot (SQLite: readers poll data_version)."""
        return False

    def owns(self, other: Path | str) -> bool:
        """Whether `other` is one of this database's files (never for a server)."""
        return False

    @property
    def path(self) -> Path:
        from tickwork.store.faults import StoreError

        raise StoreError(f"{self.location} is a PostgreSQL database, not a file")

    @abstractmethod
    def close(self) -> None: ...
