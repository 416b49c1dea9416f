"""The PostgreSQL dialect: pooled connections, READ COMMITTED write transactions, row locks.

Every write is one transaction on a pooled connection (autocommit between transactions, so a
read is one round trip). A read inside a write on the same thread uses that transaction's
connection, as SQLite's single connection does. Errors become the store's (postgres.faults).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from tickwork.domain.timeutil import Clock, parse_iso, utcnow
from tickwork.store.dialect import Conn, Cursor, Dialect, Params, Row
from tickwork.store.faults import StoreError
from tickwork.store.location import redact
from tickwork.store.postgres.changes import ChangeWatcher
from tickwork.store.postgres.faults import store_error
from tickwork.store.postgres.schema import CHANNEL, migrate
from tickwork.store.postgres.sql import adapt_params, conninfo, register_types, translate

POOL_SIZE = 8  # at most; one is opened up front, more only when calls overlap
POOL_TIMEOUT = 10.0  # seconds to wait for a connection before saying the server is unreachable
RawConnection = psycopg.Connection[Any]


class PgConn:
    """A pooled connection as the shared SQL uses it: `?` placeholders, the store's errors."""

    def __init__(self, raw: RawConnection, url: str) -> None:
        self.raw = raw
        self.url = url

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        try:
            return self.raw.execute(translate(sql), adapt_params(list(parameters)))
        except psycopg.Error as exc:
            raise store_error(self.url, exc) from None

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor:
        try:
            cursor = self.raw.cursor()
            cursor.executemany(translate(sql), [adapt_params(list(p)) for p in parameters])
            return cursor
        except psycopg.Error as exc:
            raise store_error(self.url, exc) from None


class PgDialect(Dialect):
    name = "postgresql"
    row_lock = " FOR NO KEY UPDATE"
    skip_locked = " FOR NO KEY UPDATE SKIP LOCKED"
    native_times = True
    shared_hosts = True

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.target = url
        self.location = redact(url)
        self.conninfo = conninfo(url)
        self._local = threading.local()
        self._watcher: ChangeWatcher | None = None
        try:
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
                register_types(conn)
                migrate(conn, url)
        except psycopg.Error as exc:
            raise store_error(url, exc, opening=True) from None
        self.pool: ConnectionPool[RawConnection] = ConnectionPool(
            self.conninfo,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True},
            configure=register_types,
            check=ConnectionPool.check_connection,
            timeout=POOL_TIMEOUT,
            name="tickwork",
            open=True,
        )

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
        self.pool.close()

    def subscribe(self, callback: Callable[[], None]) -> bool:
        """LISTEN for edits on a connection of its own (see postgres.changes)."""
        with self.lock:
            if self._watcher is None:
                self._watcher = ChangeWatcher(self.conninfo, self.location)
        self._watcher.subscribe(callback)
        return True

    def _fault(self, exc: Exception) -> Exception:
        if isinstance(exc, PoolTimeout):
            return StoreError(
                f"no connection to {self.location} within {POOL_TIMEOUT:g} s (is the server "
                "up?); nothing was changed: try again",
                "io",
            )
        return store_error(self.url, exc)

    @contextmanager
    def _connection(self) -> Iterator[RawConnection]:
        try:
            with self.pool.connection() as raw:
                yield raw
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._fault(exc) from None

    @contextmanager
    def write(self) -> Iterator[Conn]:
        """One READ COMMITTED transaction on a pooled connection."""
        if getattr(self._local, "conn", None) is not None:
            raise RuntimeError("a write transaction is already open on this thread")
        with self._connection() as raw:
            self._local.conn = raw
            try:
                with raw.transaction():
                    yield PgConn(raw, self.url)
            finally:
                self._local.conn = None

    @contextmanager
    def read(self) -> Iterator[Conn]:
        current: RawConnection | None = getattr(self._local, "conn", None)
        if current is not None:
            yield PgConn(current, self.url)
            return
        with self._connection() as raw:
            yield PgConn(raw, self.url)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self.read() as conn:
            return [tuple(r) for r in conn.execute(sql, params).fetchall()]

    def stream(self, sql: str, params: Params = (), *, chunk: int = 500) -> Iterator[Row]:
        """A server-side cursor: rows arrive `chunk` at a time, never all in memory."""
        with self._connection() as raw, raw.transaction():
            try:
                with raw.cursor(name="tickwork_stream") as cursor:
                    cursor.execute(translate(sql), adapt_params(list(params)))
                    while True:
                        rows = cursor.fetchmany(chunk)
                        if not rows:
                            return
                        yield from rows
            except psycopg.Error as exc:
                raise self._fault(exc) from None

    def content_version(self) -> int:
        """The sum of change_counter's stripes (see postgres.schema): moved inside the writing
        transaction, so a reader never sees the count before the data."""
        return int(self.query("SELECT sum(value) FROM change_counter")[0][0] or 0)

    def data_version(self) -> int:
        return self.content_version()

    def clock(self) -> Clock:
        """This machine's clock corrected by its offset to the server's, measured now: edits
        made on a host whose clock is wrong compute next runs from the server's time."""
        sent = utcnow()
        try:
            server = parse_iso(self.query("SELECT clock_timestamp()")[0][0])
        except StoreError:
            return utcnow
        offset = server - (sent + (utcnow() - sent) / 2) if server else timedelta(0)

        def server_time() -> datetime:
            return utcnow() + offset

        return server_time

    def server_now(self, conn: Conn) -> datetime | None:
        """The server's clock: the transaction's start (now())."""
        return parse_iso(conn.execute("SELECT now()").fetchone()[0])

    def lock_schedules(self, conn: Conn) -> None:
        # Blocks every other writer of schedules (claims too), not readers; waits at most
        # lock_timeout for the writers already there.
        conn.execute("LOCK TABLE schedules IN SHARE ROW EXCLUSIVE MODE")

    def notify(self, conn: Conn) -> None:
        conn.execute(f"SELECT pg_notify('{CHANNEL}', '')")
