"""The store API: schedules in and out as dataclasses. Every write is one short transaction."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tickwork.domain import spec
from tickwork.domain.errors import NotAllowed, ScheduleNotFound
from tickwork.domain.masked_input import restore_secrets
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock, floor_second, iso, utcnow
from tickwork.store.db import BUSY_TIMEOUT_MS, connect, default_db_path, verify
from tickwork.store.faults import StoreError, describe, is_busy
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, from_row, to_row
from tickwork.store.runs import LeaseStore, RunStore

State = Literal["active", "paused", "all"]
Order = Literal["next", "name", "status"]
_ORDER_BY = {
    "next": "ORDER BY next_run_at IS NULL, next_run_at, name, id",
    "name": "ORDER BY name, id",
    # failing first, then never-run, then the rest; soonest next run within each group
    "status": "ORDER BY CASE WHEN last_status IN ('failed', 'timed_out', 'abandoned') THEN 0 "
    "WHEN last_status IS NULL THEN 2 ELSE 1 END, next_run_at IS NULL, next_run_at, name, id",
}
ScheduleList = list[Schedule]
PathCounts = list[tuple[str, int]]  # `list` is a method of Store: name the type out here


@dataclass(frozen=True)
class CreateResult:
    schedule: Schedule
    created: bool  # False: an existing schedule with the same deduplication_key was updated


@dataclass(frozen=True)
class Changes:
    """Whole schedules to insert, replace and delete in one transaction (imports, sync)."""

    create: tuple[Schedule, ...] = ()
    update: tuple[Schedule, ...] = ()
    delete: tuple[Schedule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)


class Store:
    """One SQLite file. Thread-safe: calls are serialised on one connection."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock = utcnow) -> None:
        self.conn = conn
        self.path = path
        self.clock = clock
        self.lock = threading.RLock()
        self.runs = RunStore(self)
        self.leases = LeaseStore(self)
        self._verified = False  # PRAGMA quick_check passed (done before the first write)

    @classmethod
    def open(cls, path: Path | str | None = None, *, clock: Clock = utcnow) -> Store:
        p = Path(path).expanduser() if path is not None else default_db_path()
        return cls(connect(p), p, clock)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def verify_file(self) -> None:
        """PRAGMA quick_check of the file as it is on disk now, through a connection of its own
        (this one's page cache may hold pages since damaged); raises StoreError if damaged."""
        try:
            uri = self.path.absolute().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise self._fault(exc) from None
        try:
            verify(conn, self.path)
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
                mine = os.stat(f"{self.path}{suffix}")
            except OSError:
                continue
            if (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino):
                return True
        return False

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
                    verify(conn, self.path)
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
        return exc if is_busy(exc) else describe(self.path, exc)

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
                raise
            except sqlite3.Error as exc:
                raise self._fault(exc) from None

    def stream(
        self, sql: str, params: tuple[Any, ...] | list[Any] = (), *, chunk: int = 500
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a read as they come, `chunk` at a time, for reads too big to hold at once
        (the CLI's list and next). The statement stays open while the caller iterates: use it
        where nothing else writes on this connection meanwhile."""
        with self.lock:
            cursor = self.conn.execute(sql, params)
        while True:
            with self.lock:
                rows = cursor.fetchmany(chunk)
            if not rows:
                return
            yield from rows

    def data_version(self) -> int:
        """Changes when another connection commits (PRAGMA data_version): cheap change detection."""
        return int(self.query("PRAGMA data_version")[0][0])

    def content_version(self) -> int:
        """Moves on every change to schedules or runs (by any connection), not on heartbeats."""
        return int(self.query("SELECT value FROM change_counter WHERE id = 1")[0][0])

    # --- reads -----------------------------------------------------------------------------

    def find(self, schedule_id: str) -> Schedule | None:
        rows = self.query(f"{SELECT_SCHEDULE} WHERE id = ?", (schedule_id,))
        return from_row(rows[0]) if rows else None

    def get(self, schedule_id: str) -> Schedule:
        s = self.find(schedule_id)
        if s is None:
            raise ScheduleNotFound(f"no schedule with id {schedule_id!r}")
        return s

    def resolve(self, ref: str) -> Schedule:
        """REF is an id, an exact name, or a unique id prefix."""
        ref = ref.strip()
        if not ref:
            raise ScheduleNotFound("give a schedule id, id prefix or name")
        if len(ref) > 200:  # longer than any id or name (and SQLite refuses long LIKE patterns)
            raise ScheduleNotFound(
                f"no schedule matches the {len(ref)}-character reference: give an id, a unique "
                "id prefix or an exact name (see tickwork list)"
            )
        found = self.find(ref)
        if found is not None:
            return found
        by_name = self.query(f"{SELECT_SCHEDULE} WHERE name = ? LIMIT 6", (ref,))
        if len(by_name) == 1:
            return from_row(by_name[0])
        if len(by_name) > 1:
            ids = ", ".join(from_row(r).id for r in by_name[:5])
            raise ScheduleNotFound(
                f"{len(by_name)} schedules are named {ref!r} ({ids}): use the id"
            )
        escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        by_prefix = self.query(
            f"{SELECT_SCHEDULE} WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6", (escaped + "%",)
        )
        if len(by_prefix) == 1:
            return from_row(by_prefix[0])
        if len(by_prefix) > 1:
            ids = ", ".join(from_row(r).id for r in by_prefix[:5])
            raise ScheduleNotFound(f"{ref!r} matches several ids ({ids}): give more of the id")
        raise ScheduleNotFound(
            f"no schedule matches {ref!r}: give an id, a unique id prefix or an exact name "
            "(see tickwork list)"
        )

    def _where(self, state: State, search: str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if state == "active":
            clauses.append("active = 1")
        elif state == "paused":
            clauses.append("active = 0")
        if search and len(search) > 1000:  # longer than any field it is looked for in
            clauses.append("0")
        elif search:
            like = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%") + "%"
            fields = ("name", "expression", "external_id", "deduplication_key", "id")
            clauses.append(
                "(" + " OR ".join(f"lower({f}) LIKE ? ESCAPE '\\'" for f in fields) + ")"
            )
            params.extend([like] * len(fields))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list(
        self,
        state: State = "all",
        search: str | None = None,
        *,
        order: Order = "next",
        limit: int | None = None,
        offset: int = 0,
    ) -> ScheduleList:
        where, params = self._where(state, search)
        order_by = _ORDER_BY[order]
        sql = f"{SELECT_SCHEDULE}{where} {order_by}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [from_row(r) for r in self.query(sql, params)]

    def rows(
        self, state: State = "all", search: str | None = None, *, order: Order = "next"
    ) -> Iterator[tuple[Any, ...]]:
        """The stored rows list() would make Schedules of, streamed (see rows.json_from_row)."""
        where, params = self._where(state, search)
        return self.stream(f"{SELECT_SCHEDULE}{where} {_ORDER_BY[order]}", params)

    def count(self, state: State = "all", search: str | None = None) -> int:
        where, params = self._where(state, search)
        return int(self.query(f"SELECT count(*) FROM schedules{where}", params)[0][0])

    def counts(self) -> dict[str, int]:
        rows = self.query("SELECT active, count(*) FROM schedules GROUP BY active")
        by = {bool(a): n for a, n in rows}
        return {"active": by.get(True, 0), "paused": by.get(False, 0)}

    def due(self, now: datetime, limit: int = 100) -> ScheduleList:
        """Active schedules whose next_run_at <= now, oldest first (reads the due index only)."""
        rows = self.query(
            f"{SELECT_SCHEDULE} WHERE active = 1 AND next_run_at IS NOT NULL AND next_run_at <= ? "
            "ORDER BY next_run_at LIMIT ?",
            (iso(now), limit),
        )
        return [from_row(r) for r in rows]

    def find_by_dedup(self, key: str) -> Schedule | None:
        rows = self.query(f"{SELECT_SCHEDULE} WHERE deduplication_key = ?", (key,))
        return from_row(rows[0]) if rows else None

    def find_declared(self, declared_in: str, declared_key: str) -> Schedule | None:
        rows = self.query(
            f"{SELECT_SCHEDULE} WHERE declared_in = ? AND declared_key = ?",
            (declared_in, declared_key),
        )
        return from_row(rows[0]) if rows else None

    def declared(self, declared_in: str) -> ScheduleList:
        """The DECLARATIVE schedules a file (absolute path) declares, by key."""
        rows = self.query(
            f"{SELECT_SCHEDULE} WHERE type = 'DECLARATIVE' AND declared_in = ? "
            "ORDER BY declared_key, id",
            (declared_in,),
        )
        return [from_row(r) for r in rows]

    def declared_in_project(self, project: str) -> ScheduleList:
        """The DECLARATIVE schedules of a project (`project = "NAME"` in their file), by key."""
        rows = self.query(
            f"{SELECT_SCHEDULE} WHERE type = 'DECLARATIVE' AND declared_project = ? "
            "ORDER BY declared_key, id",
            (project,),
        )
        return [from_row(r) for r in rows]

    def declared_paths(self) -> PathCounts:
        """(file, how many schedules it declares) of every file DECLARATIVE schedules name."""
        rows = self.query(
            "SELECT declared_in, count(*) FROM schedules WHERE type = 'DECLARATIVE' "
            "AND declared_in IS NOT NULL GROUP BY declared_in ORDER BY declared_in"
        )
        return [(str(path), int(n)) for path, n in rows]

    # --- writes ----------------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, s: Schedule) -> None:
        row = to_row(s)
        cols = ", ".join(SCHEDULE_COLUMNS)
        marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
        conn.execute(
            f"INSERT INTO schedules ({cols}) VALUES ({marks})", [row[c] for c in SCHEDULE_COLUMNS]
        )

    def _replace(self, conn: sqlite3.Connection, s: Schedule) -> None:
        row = to_row(s)
        sets = ", ".join(f"{c} = ?" for c in SCHEDULE_COLUMNS if c != "id")
        conn.execute(
            f"UPDATE schedules SET {sets} WHERE id = ?",
            [row[c] for c in SCHEDULE_COLUMNS if c != "id"] + [s.id],
        )

    def _find_in(self, conn: sqlite3.Connection, schedule_id: str) -> Schedule:
        row = conn.execute(f"{SELECT_SCHEDULE} WHERE id = ?", (schedule_id,)).fetchone()
        if row is None:
            raise ScheduleNotFound(f"schedule {schedule_id!r} no longer exists")
        return from_row(row)

    def create(
        self,
        data: Mapping[str, Any],
        *,
        type: str = "IMPERATIVE",
        declared_in: str | None = None,
    ) -> CreateResult:
        """Validate and insert; an existing deduplication_key updates that schedule instead."""
        now = self.clock()
        fresh = spec.build(data, now, type=type, declared_in=declared_in, keep_masks=True)
        with self.write() as conn:
            if fresh.deduplication_key is not None:
                row = conn.execute(
                    f"{SELECT_SCHEDULE} WHERE deduplication_key = ?", (fresh.deduplication_key,)
                ).fetchone()
                if row is not None:
                    existing = from_row(row)
                    if existing.type == "DECLARATIVE" and type != "DECLARATIVE":
                        raise NotAllowed(_declarative_msg(existing, "updated"))
                    patch = {k: v for k, v in data.items() if k != "deduplication_key"}
                    updated = spec.patch(existing, patch, now)
                    self._replace(conn, updated)
                    return CreateResult(updated, created=False)
            fresh = restore_secrets(fresh, None)  # a mask of a secret nobody stored: refused
            self._insert(conn, fresh)
        return CreateResult(fresh, created=True)

    def update(self, schedule_id: str, data: Mapping[str, Any], *, sync: bool = False) -> Schedule:
        """PATCH: the given fields change, the others stay. `sync` may change DECLARATIVE ones."""
        now = self.clock()
        with self.write() as conn:
            current = self._find_in(conn, schedule_id)
            if current.type == "DECLARATIVE" and not sync:
                raise NotAllowed(_declarative_msg(current, "edited"))
            updated = spec.patch(current, data, now)
            if updated is not current:
                self._replace(conn, updated)
            return updated

    def set_active(
        self, schedule_id: str, active: bool, *, verb: str | None = None
    ) -> tuple[Schedule, bool]:
        """Pause/resume. Returns (schedule, changed); unchanged means nothing was written."""
        now = self.clock()
        with self.write() as conn:
            current = self._find_in(conn, schedule_id)
            updated = spec.set_active(current, active, now, verb=verb)
            if updated is current:
                return current, False
            self._replace(conn, updated)
            return updated, True

    def delete(self, schedule_id: str, *, sync: bool = False, force: bool = False) -> Schedule:
        """Delete a schedule; a DECLARATIVE one only for its file's sync, or with ``force``."""
        with self.write() as conn:
            current = self._find_in(conn, schedule_id)
            if current.type == "DECLARATIVE" and not (sync or force):
                raise NotAllowed(_declarative_msg(current, "deleted"))
            conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            return current

    def apply(self, compute: Callable[[datetime], Changes]) -> Changes:
        """Compute changes inside ONE write transaction (reads see a stable database) and write
        them all, or nothing if `compute` raises or a write fails (e.g. a taken dedup key)."""
        now = floor_second(self.clock())
        with self.write() as conn:
            changes = compute(now)
            try:
                for s in changes.delete:
                    conn.execute("DELETE FROM schedules WHERE id = ?", (s.id,))
                for s in changes.update:
                    self._replace(conn, s)
                for s in changes.create:
                    self._insert(conn, s)
            except sqlite3.IntegrityError as exc:
                raise NotAllowed(_integrity_msg(exc)) from None
        return changes

    def save(self, s: Schedule) -> None:
        """Write a whole schedule as given (used by importers and tests with prepared objects)."""
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM schedules WHERE id = ?", (s.id,)).fetchone():
                self._replace(conn, s)
            else:
                self._insert(conn, s)


def _integrity_msg(exc: sqlite3.IntegrityError) -> str:
    text = str(exc)
    if "deduplication_key" in text:
        return "a deduplication_key is already used by another schedule: nothing was written"
    if "declared_key" in text:
        return "a file declares the same key twice: nothing was written"
    return f"the database refused the change ({text}): nothing was written"


def _declarative_msg(s: Schedule, verb: str) -> str:
    where = s.declared_in or "a schedules file"
    return (
        f"{s.name!r} is DECLARATIVE (declared in {where}) and cannot be {verb} here: "
        "change the file and run tickwork sync"
    )
