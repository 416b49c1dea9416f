"""The claim protocol: how runners take due fires without duplicates or losses.

One write transaction claims a batch: every schedule due by a time, up to a limit, oldest first.
For each it re-reads the row, plans the fires (domain.claim_plan: catch-up, overlap, max_runs),
advances next_run_at with a compare-and-swap on the value it read and inserts the run rows
(unique per schedule, scheduled_for, attempt). The actions start only after the commit. Several
runners, in several processes, share one database this way: SQLite's write transaction holds
the whole file; on PostgreSQL the same statements run with the dialect's row-lock suffix
(`FOR NO KEY UPDATE SKIP LOCKED`: another runner's batch is passed over, not waited for).

Waiting runs (queued fires, retries, manual runs) are started by store.waiting; a wall clock
stepped back is dealt with by store.clock_steps.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tickwork.domain.claim_plan import (
    MAX_CATCHUP_RUNS,
    ON_TIME_GRACE,
    Claim,
    Due,
    Walks,
    new_run,
    plan_claim,
)
from tickwork.domain.errors import ScheduleNotFound
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import iso, parse_iso
from tickwork.store.dialect import Conn
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, from_row
from tickwork.store.runs import RUN_COLUMNS, SELECT_RUN, insert_run, run_from_row, run_to_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

__all__ = [
    "BATCH",
    "MAX_CATCHUP_RUNS",
    "NOT_OWNED",
    "ON_TIME_GRACE",
    "UNREADABLE",
    "Claim",
    "Invalid",
    "LeaseLost",
    "claim_batch",
    "claim_due",
    "disable_invalid",
    "enqueue_manual",
    "open_runs",
    "previous_fire",
]

_NEXT_RUN_COLUMN = SCHEDULE_COLUMNS.index("next_run_at")
BATCH = 256  # schedules claimed per transaction at most
_IN_CHUNK = 400  # values per IN (...) list
# What reading a stored schedule that tickwork cannot use raises (edited by hand, another
# version): bad JSON, an expression or time zone the cron engine rejects, a bad timestamp.
UNREADABLE = (ValueError, KeyError, TypeError)
# A schedule whose next fire a runner owns already (pre-claimed, or started and not yet moved
# on: see store.preclaims) is that runner's to start.
NOT_OWNED = (
    "NOT EXISTS (SELECT 1 FROM runs x WHERE x.schedule_id = schedules.id "
    "AND x.status IN ('running', 'pending') AND x.runner_id IS NOT NULL "
    "AND x.scheduled_for = schedules.next_run_at AND x.attempt = 1)"
)
# The due schedules, oldest first, from the due index (its WHERE terms, as written there).
DUE = (
    f"{SELECT_SCHEDULE} WHERE active = 1 AND next_run_at IS NOT NULL AND next_run_at <= ? "
    f"AND {NOT_OWNED} ORDER BY next_run_at LIMIT ?"
)
_SET_CLAIMED = (
    "UPDATE schedules SET next_run_at = ?, run_count = ?, last_run_at = ?, active = ?, "
    "status_reason = ? WHERE id = ? AND next_run_at = ?"
)
_INSERT_RUN = (
    f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' for _ in RUN_COLUMNS)})"
)


class LeaseLost(Exception):
    """The claiming runner's lease expired or is gone (it was stopped or suspended meanwhile):
    nothing was claimed; the runner renews its lease before it claims again (self-fencing)."""


@dataclass(frozen=True)
class Invalid:
    """A due schedule whose stored row tickwork cannot use: deactivated by the claim, reason
    shown (`invalid: ...`)."""

    schedule_id: str
    error: str


def claim_batch(
    store: Store,
    now: datetime,
    lease: RunnerLease,
    *,
    due_by: datetime | None = None,
    limit: int = BATCH,
) -> tuple[list[Claim], list[Invalid]]:
    """Claim, in one write transaction, the due fires of up to `limit` schedules due by `due_by`
    (default `now`; never later than `now`: no fire is claimed before its time), oldest first.
    `now` is the claim's time: what is late, what starts. Returns the claims and the schedules
    found unreadable (deactivated in the same transaction). Raises LeaseLost (nothing claimed)
    when `lease` is no longer this runner's."""
    if limit <= 0:
        return [], []
    bound = now if due_by is None else min(due_by, now)
    with store.write() as conn:
        if not store.leases.holds(conn, lease, now):
            raise LeaseLost(f"runner {lease.id} lost its lease")
        # PostgreSQL: locks the rows it takes and passes over those another runner's batch holds
        rows = conn.execute(f"{DUE}{store.dialect.skip_locked}", (iso(bound), limit)).fetchall()
        return _claim_rows(conn, rows, now, lease)


def claim_due(
    store: Store, schedule_id: str, expected_next: datetime, now: datetime, lease: RunnerLease
) -> Claim | None:
    """Claim the due fires of one schedule; None if another runner got there first."""
    with store.write() as conn:
        if not store.leases.holds(conn, lease, now):
            raise LeaseLost(f"runner {lease.id} lost its lease")
        sql = f"{SELECT_SCHEDULE} WHERE id = ?{store.dialect.row_lock}"
        row = conn.execute(sql, (schedule_id,)).fetchone()
        if row is None:
            return None
        s = from_row(row)  # unreadable: raised (the caller deactivates it)
        if not s.active or s.next_run_at != expected_next or expected_next > now:
            return None
        claimed, _ = _claim_rows(conn, [row], now, lease, strict=True)
        return claimed[0] if claimed else None


def _walk(
    rows: Iterable[tuple[Any, ...]], walks: Walks, strict: bool
) -> tuple[list[tuple[Schedule, Due]], list[Invalid]]:
    """Each row as a Schedule with its due fires; a row that cannot be used is set aside (or,
    `strict`, raised)."""
    good: list[tuple[Schedule, Due]] = []
    bad: list[Invalid] = []
    for row in rows:
        try:
            s = from_row(row)
            if s.next_run_at is None:
                raise ValueError("next_run_at is not a time")
            good.append((s, walks.due(s)))
        except UNREADABLE as exc:
            if strict:
                raise
            bad.append(Invalid(str(row[0]), str(exc)))
    return good, bad


def _claim_rows(
    conn: Conn,
    rows: list[tuple[Any, ...]],
    now: datetime,
    lease: RunnerLease,
    *,
    strict: bool = False,
) -> tuple[list[Claim], list[Invalid]]:
    """Plan and write the claims of these due rows (inside the caller's write transaction)."""
    walks = Walks(now)
    due, invalid = _walk(rows, walks, strict)
    stored = {str(r[0]): r[_NEXT_RUN_COLUMN] for r in rows}  # the CAS compares stored text
    waiting = open_runs(conn, [s.id for s, _ in due])
    # Read after the rows were locked (PostgreSQL may have selected a row locked after another
    # runner's pre-claim committed with an older view of runs): a fire a runner owns is its own.
    due = [(s, d) for s, d in due if not owned_fire(s, waiting.get(s.id, ()))]
    recorded = _recorded(conn, {s.id: d[0] for s, d in due})
    claims: list[Claim] = []
    for s, fires in due:
        try:
            claim = plan_claim(
                s, fires, waiting.get(s.id, ()), now, lease, recorded=_without(recorded.get(s.id))
            )
            claim.upcoming = walks.upcoming(claim.schedule)
        except UNREADABLE as exc:
            if strict:
                raise
            invalid.append(Invalid(s.id, str(exc)))
            continue
        claims.append(claim)
    if invalid:
        _disable(conn, invalid)
    updates = []
    for c in claims:
        u = c.schedule
        updates.append(
            (
                iso(u.next_run_at),
                u.run_count,
                iso(u.last_run_at),
                1 if u.active else 0,
                u.status_reason,
                u.id,
                stored[u.id],
            )
        )
    if updates:
        cur = conn.executemany(_SET_CLAIMED, updates)
        if cur.rowcount != len(updates):  # cannot happen inside the write lock: the CAS guard
            raise sqlite3.IntegrityError("claim lost its compare-and-swap")
    new_rows = [run_to_row(run) for c in claims for run in (*c.start, *c.recorded)]
    if new_rows:
        conn.executemany(_INSERT_RUN, [[r[c] for c in RUN_COLUMNS] for r in new_rows])
    cancels = [(run_id,) for c in claims for run_id in c.cancel]
    if cancels:
        conn.executemany("UPDATE runs SET cancel_requested = 1 WHERE id = ?", cancels)
    return claims, invalid


def owned_fire(s: Schedule, runs: Iterable[Run]) -> bool:
    """Whether a runner owns the fire at s.next_run_at (pre-claimed, or started from a
    pre-claim and not moved on yet: store.preclaims); NOT_OWNED in Python."""
    return any(
        r.runner_id is not None and r.attempt == 1 and r.scheduled_for == s.next_run_at
        for r in runs
    )


def _without(done: set[datetime] | None) -> Callable[[list[datetime]], list[datetime]] | None:
    if not done:
        return None
    return lambda times: [t for t in times if t not in done]


def _disable(conn: Conn, invalid: list[Invalid]) -> None:
    conn.executemany(
        "UPDATE schedules SET active = 0, next_run_at = NULL, status_reason = ? WHERE id = ?",
        [(f"invalid: {bad.error}"[:500], bad.schedule_id) for bad in invalid],
    )


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i : i + _IN_CHUNK]


def _marks(items: list[Any]) -> str:
    return ", ".join("?" for _ in items)


def _recorded(conn: Conn, wanted: dict[str, list[datetime]]) -> dict[str, set[datetime]]:
    """Which of the wanted fires already have a first attempt (fired, missed or skipped before
    the wall clock was stepped back and the same instants came round again): never a fire
    twice. Schedules with a few due fires are looked up together, a backlog on its own."""
    found: dict[str, set[datetime]] = defaultdict(set)
    few = [sid for sid, times in wanted.items() if len(times) <= 4]
    many = [sid for sid, times in wanted.items() if len(times) > 4]
    instants = sorted({x for sid in few for t in wanted[sid] if (x := iso(t)) is not None})
    for ids in _chunks(few):
        for at in _chunks(instants):
            rows = conn.execute(
                f"SELECT schedule_id, scheduled_for FROM runs WHERE attempt = 1 AND schedule_id "
                f"IN ({_marks(ids)}) AND scheduled_for IN ({_marks(at)})",
                (*ids, *at),
            ).fetchall()
            for sid, text in rows:
                if (t := parse_iso(text)) is not None:
                    found[sid].add(t)
    for sid in many:
        texts = [x for x in (iso(t) for t in wanted[sid]) if x is not None]
        for at in _chunks(texts):
            rows = conn.execute(
                f"SELECT scheduled_for FROM runs WHERE schedule_id = ? AND attempt = 1 "
                f"AND scheduled_for IN ({_marks(at)})",
                (sid, *at),
            ).fetchall()
            found[sid].update(t for (text,) in rows if (t := parse_iso(text)) is not None)
    return found


def open_runs(conn: Conn, schedule_ids: list[str]) -> dict[str, list[Run]]:
    """The running and pending runs of these schedules (what the overlap policy looks at)."""
    out: dict[str, list[Run]] = defaultdict(list)
    for ids in _chunks(schedule_ids):
        rows = conn.execute(
            f"{SELECT_RUN} WHERE r.schedule_id IN ({_marks(ids)}) "
            "AND r.status IN ('running', 'pending')",
            tuple(ids),
        ).fetchall()
        for row in rows:
            run = run_from_row(row)
            out[run.schedule_id].append(run)
    return out


def disable_invalid(store: Store, schedule_id: str, error: str) -> None:
    """Deactivate a schedule whose stored row cannot be used, with the reason visible."""
    with store.write() as conn:
        _disable(conn, [Invalid(schedule_id, error)])


def previous_fire(store: Store, run: Run) -> datetime | None:
    """When the schedule last ran before `run` (what TICKWORK_LAST_RUN_AT says): the latest
    earlier fire that started, whatever its outcome; None for the first."""
    rows = store.query(
        "SELECT max(scheduled_for) FROM runs WHERE schedule_id = ? AND scheduled_for < ? "
        "AND id != ? AND started_at IS NOT NULL",
        (run.schedule_id, run_to_row(run)["scheduled_for"], run.id),
    )
    return parse_iso(rows[0][0]) if rows and rows[0][0] else None


def enqueue_manual(store: Store, schedule_id: str, now: datetime) -> Run:
    """A manual run: pending now, started by whichever runner picks it up (same path, same env)."""
    with store.edit() as conn:
        row = conn.execute(
            f"{SELECT_SCHEDULE} WHERE id = ?{store.dialect.row_lock}", (schedule_id,)
        ).fetchone()
        if row is None:
            raise ScheduleNotFound(f"schedule {schedule_id!r} no longer exists")
        s = from_row(row)
        run = new_run(s, now, now, Trigger.MANUAL, RunStatus.PENDING, None)
        insert_run(conn, run)
        return run
