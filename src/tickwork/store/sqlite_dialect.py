"""The SQLite dialect: one file, one connection per Store, calls serialised on it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tickwork.store.db import BUSY_TIMEOUT_MS, connect, verify
from tickwork.store.dialect import Dialect, Params, Row
from tickwork.store.faults import StoreError, describe, is_busy


class SqliteDialect(Dialect):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.file = path
        self.target = path
        self.location = str(path)
        self.conn = connect(path)
        self._verified = False  # PRAGMA quick_check passed (done before the first write)

    @property
    def path(self) -> Path:
        return self.file

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def verify_file(self) -> None:
        """PRAGMA quick_check of the file as it is on disk now, through a connection of its own
        (this one's page cache may hold pages since damaged); raises StoreError if damaged."""
        try:
            uri = self.file.absolute().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise self._fault(exc) from None
        try:
            verify(conn, self.file)
        finally:
            conn.close()

    def owns(self, other: Path | str) -> bool:
        """Whether `other` is this database file (or its WAL or SHM), by inode (os.stat, never
        open): such a file must not be read or written outside SQLite (closing a descriptor of
        it drops this process's locks, and replacing it destroys the database)."""
        try:
            theirs = os.stat(Path(other).expanduser())
        except OSError:
            return False
        for suffix in ("", "-wal", "-shm"):
            try:
                mine = os.stat(f"{self.file}{suffix}")
            except OSError:
                continue
            if (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino):
                return True
        return False

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): all or nothing.

        The first write of a Store checks the file (PRAGMA quick_check): nothing is ever written
        to a damaged database. Errors of the file (damaged, read-only, disk full, I/O) become a
        StoreError saying so; a lock held by another process stays an sqlite3 busy error, for the
        caller to wait out.
        """
        with self.lock:
            conn = self.conn
            try:
                if not self._verified:
                    verify(conn, self.file)
                    self._verified = True
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._fault(exc) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:  # SQLite may have rolled back already (disk full)
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error as again:
                        raise self._fault(again) from None
                if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                    raise
                if isinstance(exc, sqlite3.Error):
                    raise self._fault(exc) from None
                raise

    def _fault(self, exc: sqlite3.Error) -> sqlite3.Error | StoreError:
        """A busy error as it is (wait it out); any other as a StoreError naming the fault."""
        return exc if is_busy(exc) else describe(self.file, exc)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self.lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
                raise
            except sqlite3.Error as exc:
                raise self._fault(exc) from None

    def stream(self, sql: str, params: Params = (), *, chunk: int = 500) -> Iterator[Row]:
        """The statement stays open while the caller iterates: use it where nothing else
        writes on this connection meanwhile."""
        with self.lock:
            cursor = self.conn.execute(sql, params)
        while True:
            with self.lock:
                rows = cursor.fetchmany(chunk)
            if not rows:
                return
            yield from rows

    def data_version(self) -> int:
        """Changes when another connection commits (PRAGMA data_version): cheap."""
        return int(self.query("PRAGMA data_version")[0][0])

    def content_version(self) -> int:
        return int(self.query("SELECT value FROM change_counter WHERE id = 1")[0][0])
