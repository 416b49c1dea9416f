"""The store API: schedules in and out as dataclasses. Every write is one short transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tickwork.domain.errors import NotAllowed, ScheduleNotFound
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock, floor_second, iso, utcnow
from tickwork.store.db import default_target, open_dialect
from tickwork.store.dialect import Conn, Dialect
from tickwork.store.faults import CONFLICTS, StoreError
from tickwork.store.listing import Order, State, select, where
from tickwork.store.location import Target, parse_target
from tickwork.store.preclaims import withdraw
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, from_row, to_row
from tickwork.store.runs import LeaseStore, RunStore

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
    """One database (an SQLite file or a PostgreSQL database, see store.dialect). Thread-safe."""

    def __init__(self, dialect: Dialect, clock: Clock = utcnow) -> None:
        self.dialect = dialect
        self.clock = clock
        self.lock = dialect.lock
        self.runs = RunStore(self)
        self.leases = LeaseStore(self)

    @classmethod
    def open(cls, path: Target | None = None, *, clock: Clock | None = None) -> Store:
        """Open a file path or a postgresql:// URL ($TICKWORK_DB, else the default file).
        `clock` is the time of edits (next runs are computed from it); by default the
        database's: this machine's for a file, the server's for PostgreSQL."""
        target = parse_target(path) if path is not None else default_target()
        assert target is not None
        dialect = open_dialect(target)
        return cls(dialect, clock or dialect.clock())

    @property
    def path(self) -> Path:
        """The database file (SQLite only; a PostgreSQL store raises StoreError)."""
        return self.dialect.path

    @property
    def conn(self) -> sqlite3.Connection:
        """The SQLite connection (tests and SQLite-only tools)."""
        conn = getattr(self.dialect, "conn", None)
        if not isinstance(conn, sqlite3.Connection):
            raise StoreError(f"{self.location} is a PostgreSQL database, not a file")
        return conn

    @property
    def target(self) -> Target:
        """What Store.open takes to open this database again (another connection)."""
        return self.dialect.target

    @property
    def location(self) -> str:
        """The path, or the URL without its password: what messages and the UI show."""
        return self.dialect.location

    def close(self) -> None:
        self.dialect.close()

    def verify_file(self) -> None:
        """Check the database as it is on disk now (SQLite: PRAGMA quick_check through a
        connection of its own); raises StoreError if damaged. A server checks its own pages."""
        self.dialect.verify_file()

    def owns(self, other: Path | str) -> bool:
        """Whether `other` is this database file (or its WAL or SHM), by inode (os.stat, never
        open): such a file must not be read or written outside SQLite (closing a descriptor of
        it drops this process's locks, and replacing it destroys the database)."""
        return self.dialect.owns(other)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self) -> AbstractContextManager[Conn]:
        """One write transaction: all or nothing (see Dialect.write)."""
        return self.dialect.write()

    @contextmanager
    def edit(self) -> Iterator[Conn]:
        """A write transaction that edits schedules (or asks a runner for something): at commit,
        every runner and UI listening is told (PostgreSQL's NOTIFY; SQLite's readers poll)."""
        with self.write() as conn:
            self.dialect.notify(conn)
            yield conn

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        return self.dialect.query(sql, params)

    def stream(
        self, sql: str, params: tuple[Any, ...] | list[Any] = (), *, chunk: int = 500
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a read as they come, `chunk` at a time, for reads too big to hold at once
        (the CLI's list and next)."""
        return self.dialect.stream(sql, params, chunk=chunk)

    def data_version(self) -> int:
        """Changes when another connection commits: cheap change detection."""
        return self.dialect.data_version()

    def on_change(self, callback: Callable[[], None]) -> bool:
        """Call `callback` (from another thread) soon after another host or process edits
        schedules; False if this database cannot tell (SQLite: poll content_version)."""
        return self.dialect.subscribe(callback)

    def content_version(self) -> int:
        """Moves on every change to schedules or runs (by any connection), not on heartbeats."""
        return self.dialect.content_version()

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

    def list(
        self,
        state: State = "all",
        search: str | None = None,
        *,
        order: Order = "next",
        limit: int | None = None,
        offset: int = 0,
    ) -> ScheduleList:
        sql, params = select(SCHEDULE_COLUMNS, state, search, order)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [from_row(r) for r in self.query(sql, params)]

    def rows(
        self,
        state: State = "all",
        search: str | None = None,
        *,
        order: Order = "next",
        columns: tuple[str, ...] = SCHEDULE_COLUMNS,
    ) -> Iterator[tuple[Any, ...]]:
        """The stored rows list() would make Schedules of, streamed (see rows.json_from_row),
        or only the given columns of them (in that order)."""
        sql, params = select(columns, state, search, order)
        return self.stream(sql, params)

    def count(self, state: State = "all", search: str | None = None) -> int:
        clause, params = where(state, search)
        return int(self.query(f"SELECT count(*) FROM schedules{clause}", params)[0][0])

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

    def _insert(self, conn: Conn, s: Schedule) -> None:
        row = to_row(s)
        cols = ", ".join(SCHEDULE_COLUMNS)
        marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
        conn.execute(
            f"INSERT INTO schedules ({cols}) VALUES ({marks})", [row[c] for c in SCHEDULE_COLUMNS]
        )

    def _replace(self, conn: Conn, s: Schedule) -> None:
        """Write a whole schedule (an edit, a pause, a sync). A fire a runner pre-claimed is
        withdrawn in the same transaction: it starts as edited, or not at all."""
        row = to_row(s)
        sets = ", ".join(f"{c} = ?" for c in SCHEDULE_COLUMNS if c != "id")
        conn.execute(
            f"UPDATE schedules SET {sets} WHERE id = ?",
            [row[c] for c in SCHEDULE_COLUMNS if c != "id"] + [s.id],
        )
        withdraw(conn, s.id)

    def _find_in(self, conn: Conn, schedule_id: str) -> Schedule:
        row = conn.execute(
            f"{SELECT_SCHEDULE} WHERE id = ?{self.dialect.row_lock}", (schedule_id,)
        ).fetchone()
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
        from tickwork.domain import spec  # the edits' (reads never import the validation)
        from tickwork.domain.masked_input import restore_secrets

        now = self.clock()
        fresh = spec.build(data, now, type=type, declared_in=declared_in, keep_masks=True)
        with self.edit() as conn:
            if fresh.deduplication_key is not None:
                row = conn.execute(
                    f"{SELECT_SCHEDULE} WHERE deduplication_key = ?{self.dialect.row_lock}",
                    (fresh.deduplication_key,),
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
        from tickwork.domain import spec

        now = self.clock()
        with self.edit() as conn:
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
        from tickwork.domain import spec

        now = self.clock()
        with self.edit() as conn:
            current = self._find_in(conn, schedule_id)
            updated = spec.set_active(current, active, now, verb=verb)
            if updated is current:
                return current, False
            self._replace(conn, updated)
            return updated, True

    def delete(self, schedule_id: str, *, sync: bool = False, force: bool = False) -> Schedule:
        """Delete a schedule; a DECLARATIVE one only for its file's sync, or with ``force``."""
        with self.edit() as conn:
            current = self._find_in(conn, schedule_id)
            if current.type == "DECLARATIVE" and not (sync or force):
                raise NotAllowed(_declarative_msg(current, "deleted"))
            conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            return current

    def apply(self, compute: Callable[[datetime], Changes]) -> Changes:
        """Compute changes inside ONE write transaction (reads see a stable database) and write
        them all, or nothing if `compute` raises or a write fails (e.g. a taken dedup key)."""
        now = floor_second(self.clock())
        with self.edit() as conn:
            self.dialect.lock_schedules(conn)  # the plan reads many rows: none may move
            changes = compute(now)
            try:
                for s in changes.delete:
                    conn.execute("DELETE FROM schedules WHERE id = ?", (s.id,))
                for s in changes.update:
                    self._replace(conn, s)
                for s in changes.create:
                    self._insert(conn, s)
            except CONFLICTS as exc:
                raise NotAllowed(_integrity_msg(exc)) from None
        return changes

    def save(self, s: Schedule) -> None:
        """Write a whole schedule as given (used by importers and tests with prepared objects)."""
        with self.edit() as conn:
            found = f"SELECT 1 FROM schedules WHERE id = ?{self.dialect.row_lock}"
            if conn.execute(found, (s.id,)).fetchone():
                self._replace(conn, s)
            else:
                self._insert(conn, s)


def _integrity_msg(exc: Exception) -> str:
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
