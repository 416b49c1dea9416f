"""Runs and runner leases in the store: history reads, run updates, leases, pruning."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import iso, iso_ms, parse_iso
from tickwork.store.dialect import Conn

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

RUN_COLUMNS = (
    "id",
    "schedule_id",
    "scheduled_for",
    "attempt",
    "trigger",
    "status",
    "created_at",
    "runner_id",
    "host",
    "pid",
    "not_before",
    "cancel_requested",
    "webhook_id",
    "started_at",
    "finished_at",
    "duration",
    "exit_code",
    "http_status",
    "output",
    "error",
    "notify_error",
)
RUN_FIELDS = ", ".join(f"r.{c}" for c in RUN_COLUMNS) + ", s.name"  # what run_from_row reads
SELECT_RUN = f"SELECT {RUN_FIELDS} FROM runs r LEFT JOIN schedules s ON s.id = r.schedule_id"
_TIME_COLUMNS = frozenset(
    {"scheduled_for", "created_at", "not_before", "started_at", "finished_at"}
)
# A fire a runner pre-claimed and has not started yet (store.preclaims: pending and owned) is not
# a run anyone waits for: history reads leave it out, it appears once it starts (claim-ahead is
# invisible; a queued or retrying run, pending and nobody's, is listed as waiting).
NOT_PRECLAIMED = "NOT (r.status = 'pending' AND r.runner_id IS NOT NULL)"
_PRECLAIMED_COUNT = (
    "SELECT count(*) FROM runs WHERE status IN ('running', 'pending') AND status = 'pending' "
    "AND runner_id IS NOT NULL"
)
DEFAULT_KEEP = 1000
PRUNE_BATCH = 500  # runs deleted per write transaction: claims never wait long
RunList = list[Run]
IdList = list[str]


def run_from_row(row: tuple[Any, ...]) -> Run:
    r = dict(zip((*RUN_COLUMNS, "schedule_name"), row, strict=True))
    for c in _TIME_COLUMNS:
        r[c] = parse_iso(r[c])
    r["cancel_requested"] = bool(r["cancel_requested"])
    r["status"] = RunStatus(r["status"])
    r["trigger"] = Trigger(r["trigger"])
    return Run(**r)


def run_to_row(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in RUN_COLUMNS:
        value = getattr(run, c)
        if c in _TIME_COLUMNS:
            value = (
                iso(value)
                if c == "scheduled_for" and run.trigger != Trigger.MANUAL
                else iso_ms(value)
            )
        elif c == "cancel_requested":
            value = 1 if value else 0
        out[c] = value
    return out


def insert_run(conn: Conn, run: Run) -> None:
    row = run_to_row(run)
    cols = ", ".join(RUN_COLUMNS)
    marks = ", ".join("?" for _ in RUN_COLUMNS)
    conn.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})", [row[c] for c in RUN_COLUMNS])


def lease_from_row(row: tuple[Any, ...]) -> RunnerLease:
    rid, host, pid, mode, state, started, beat, expires = row
    s, b, e = parse_iso(started), parse_iso(beat), parse_iso(expires)
    assert s is not None and b is not None and e is not None
    return RunnerLease(rid, host, pid, mode, state, s, b, e)


class RunStore:
    """Reads and small writes on runs; the claim protocol lives in store.claims."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, run_id: str) -> Run | None:
        rows = self.store.query(f"{SELECT_RUN} WHERE r.id = ?", (run_id,))
        if rows:
            return run_from_row(rows[0])
        if not run_id or len(run_id) > 100:  # longer than any id (SQLite caps LIKE patterns)
            return None
        escaped = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        prefix = self.store.query(
            f"{SELECT_RUN} WHERE r.id LIKE ? ESCAPE '\\' ORDER BY r.id LIMIT 2", (escaped + "%",)
        )
        return run_from_row(prefix[0]) if len(prefix) == 1 else None

    def list(
        self,
        schedule_id: str | None = None,
        status: str | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
        statuses: tuple[str, ...] | None = None,
    ) -> RunList:
        """Newest first (pre-claimed fires not started yet left out: see NOT_PRECLAIMED)."""
        clauses: list[str] = [NOT_PRECLAIMED]
        params: list[Any] = []
        if schedule_id:
            clauses.append("r.schedule_id = ?")
            params.append(schedule_id)
        wanted = statuses or ((status,) if status else ())
        if wanted:
            clauses.append(f"r.status IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        where = " WHERE " + " AND ".join(clauses)
        sql = f"{SELECT_RUN}{where} ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?"
        return [run_from_row(r) for r in self.store.query(sql, [*params, limit, offset])]

    def since(self, moment: datetime, limit: int = 5000) -> RunList:
        """Runs created at or after `moment`, oldest first (for timelines; pre-claimed fires
        not started yet left out)."""
        rows = self.store.query(
            f"{SELECT_RUN} WHERE r.created_at >= ? AND {NOT_PRECLAIMED} "
            "ORDER BY r.created_at LIMIT ?",
            (iso_ms(moment), limit),
        )
        return [run_from_row(r) for r in rows]

    def count(self, schedule_id: str | None = None, status: str | None = None) -> int:
        """How many runs `list` would list without a limit: pre-claimed fires not started are
        counted through the index of open runs and taken off (a history of any length is
        counted as fast as before)."""
        clauses, params = [], []
        if schedule_id:
            clauses.append("schedule_id = ?")
            params.append(schedule_id)
        if status:
            clauses.append("status = ?")
            params.append(status)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        total = int(self.store.query(f"SELECT count(*) FROM runs{where}", params)[0][0])
        if status not in (None, RunStatus.PENDING):
            return total
        mine = " AND schedule_id = ?" if schedule_id else ""
        ahead = self.store.query(_PRECLAIMED_COUNT + mine, params[:1] if schedule_id else [])
        return total - int(ahead[0][0])

    def update(self, run_id: str, fields: Mapping[str, Any]) -> None:
        row = {k: (iso_ms(v) if k in _TIME_COLUMNS else v) for k, v in fields.items()}
        sets = ", ".join(f"{k} = ?" for k in row)
        with self.store.write() as conn:
            conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*row.values(), run_id])

    def prune(self, keep: int = DEFAULT_KEEP) -> int:
        """Keep the newest `keep` finished runs per schedule; returns how many were deleted.
        (The runner prunes batch by batch instead, see prune_targets and prune_batch.)"""
        deleted = 0
        for schedule_id in self.prune_targets(keep):
            while (n := self.prune_batch(schedule_id, keep)) > 0:
                deleted += n
                if n < PRUNE_BATCH:
                    break
        return deleted

    def prune_targets(self, keep: int) -> IdList:
        """Schedules with more than `keep` runs (a read: no write lock is taken)."""
        rows = self.store.query(
            "SELECT schedule_id FROM runs GROUP BY schedule_id HAVING count(*) > ?", (keep,)
        )
        return [r[0] for r in rows]

    def prune_batch(self, schedule_id: str, keep: int, batch: int = PRUNE_BATCH) -> int:
        """Delete at most `batch` finished runs of one schedule beyond its newest `keep`
        finished ones, in one short write transaction. Open runs are never deleted."""
        with self.store.write() as conn:
            cur = conn.execute(
                "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE schedule_id = ? "
                "AND status NOT IN ('running', 'pending') "
                "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?)",
                (schedule_id, batch, keep),
            )
            return cur.rowcount


class LeaseStore:
    """Runner leases: which runners are alive, where, since when."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> list[RunnerLease]:
        rows = self.store.query(
            "SELECT id, host, pid, mode, state, started_at, heartbeat_at, expires_at "
            "FROM runners ORDER BY started_at"
        )
        return [lease_from_row(r) for r in rows]

    def alive(self, now: datetime) -> list[RunnerLease]:
        return [lease for lease in self.all() if lease.alive(now)]

    def beat(self, lease: RunnerLease, now: datetime, ttl: float, state: str) -> RunnerLease:
        """Insert or refresh this runner's lease."""
        return self.renew(lease, now, ttl, state)[0]

    def renew(
        self, lease: RunnerLease, now: datetime, ttl: float, state: str
    ) -> tuple[RunnerLease, bool]:
        """Insert or refresh this runner's lease; and whether it had been lost meanwhile (gone,
        or expired before this renewal: other runners may have taken its runs over).
        On a database server the times are the server's (the returned lease carries them)."""
        with self.store.write() as conn:
            now = self.store.dialect.server_now(conn) or now
            expires = now + timedelta(seconds=ttl)
            row = conn.execute(
                "SELECT expires_at FROM runners WHERE id = ?", (lease.id,)
            ).fetchone()
            held = row is not None and (parse_iso(row[0]) or now) > now
            conn.execute(
                "INSERT INTO runners (id, host, pid, mode, state, started_at, heartbeat_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "state = excluded.state, heartbeat_at = excluded.heartbeat_at, "
                "expires_at = excluded.expires_at",
                (
                    lease.id,
                    lease.host,
                    lease.pid,
                    lease.mode,
                    state,
                    iso_ms(lease.started_at),
                    iso_ms(now),
                    iso_ms(expires),
                ),
            )
        renewed = RunnerLease(
            lease.id, lease.host, lease.pid, lease.mode, state, lease.started_at, now, expires
        )
        return renewed, not held

    def holds(self, conn: Conn, lease: RunnerLease, now: datetime) -> bool:
        """Inside a write transaction: whether `lease` is still this runner's (fencing)."""
        now = self.store.dialect.server_now(conn) or now
        row = conn.execute("SELECT expires_at FROM runners WHERE id = ?", (lease.id,)).fetchone()
        return row is not None and (parse_iso(row[0]) or now) > now

    def sweep(self, now: datetime, grace: float) -> int:
        """Delete leases expired more than `grace` seconds ago whose runner has no run left
        running (those are abandoned first); returns how many."""
        with self.store.write() as conn:
            cutoff = (self.store.dialect.server_now(conn) or now) - timedelta(seconds=grace)
            cur = conn.execute(
                "DELETE FROM runners WHERE expires_at < ? AND NOT EXISTS (SELECT 1 FROM runs "
                "WHERE runs.runner_id = runners.id AND runs.status = 'running')",
                (iso_ms(cutoff),),
            )
            return cur.rowcount

    def release(self, runner_id: str) -> None:
        with self.store.write() as conn:
            conn.execute("DELETE FROM runners WHERE id = ?", (runner_id,))
