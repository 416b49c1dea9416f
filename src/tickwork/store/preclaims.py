"""Claim-ahead: fires claimed a moment before their instant, started at it from memory.

- pre-claim (the instant T minus a lead of a second or two; one write transaction per batch, like
  a claim): one run per fire, status pending, owned by the runner (runner_id set), not_before T;
  the schedule's run_count counts it, its next_run_at stays T (the next run shown is the truth).
- flip (at T; one small transaction per chunk): the runs still pending and still this runner's
  become running (UPDATE ... RETURNING: only those returned start). It is the durable mark that
  they started, written before any of them starts, so a crash never makes a started fire look
  unstarted. No claim work sits between the instant and the start.
- advance (after the starts, batched): each schedule's next_run_at moves past T, with a
  compare-and-swap on T (an edit since then keeps its own next run).

What keeps the guarantees:
- no other runner takes an owned fire: claims pass over a schedule whose next fire has an owned
  open run (store.claims.NOT_OWNED, checked again after the rows are locked), waiting runs are
  started only when nobody owns them (store.waiting); the unique (schedule, instant, attempt)
  of runs is the backstop;
- a pause, edit or delete between pre-claim and T withdraws the pre-claim in the edit's own
  transaction (Store._replace; a delete cascades): the flip returns nothing for it and the
  schedule is claimed at its next run by the usual path, as edited. A run started from the
  waiting list in that window withdraws it too (the usual claim then applies the overlap policy);
- a runner that dies before T loses nothing: once its lease expired, the next sweep (any runner,
  in the server's time) deletes its pre-claims (they never ran: not `abandoned`) and the fire is
  claimed by the usual path, on time or per its catch-up policy;
- a runner whose lease lapsed (stopped, suspended) flips nothing: the flip checks the lease.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tickwork.domain.claim_plan import Walks, new_run
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import iso, iso_ms
from tickwork.store.claims import BATCH, UNREADABLE, LeaseLost, open_runs
from tickwork.store.dialect import Conn
from tickwork.store.rows import SELECT_SCHEDULE, from_row
from tickwork.store.runs import RUN_COLUMNS, run_to_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

# The runs this module owns: waiting and owned (no other waiting run has a runner). The first
# term is the one of the partial indexes of open runs, so they are used.
PRECLAIMED = "status IN ('running', 'pending') AND status = 'pending' AND runner_id IS NOT NULL"
# Flipped ahead and not started yet: running, and owned (the caller names the ids).
FLIPPED = "status IN ('running', 'pending') AND status = 'running'"
_CHUNK = 400
# Schedules whose next fire is in (now, until], whose claim would be a plain start: not ending
# (max_runs, end_at). Those with an open run in the way are left out after the lock (_blocked).
_ELIGIBLE = (
    f"{SELECT_SCHEDULE} WHERE active = 1 AND next_run_at IS NOT NULL AND next_run_at > ? "
    "AND next_run_at <= ? AND max_runs IS NULL AND end_at IS NULL AND NOT EXISTS ("
    "SELECT 1 FROM runs x WHERE x.schedule_id = schedules.id "
    "AND x.status IN ('running', 'pending') AND (COALESCE(schedules.overlap, '') <> 'allow' "
    "OR (x.runner_id IS NOT NULL AND x.scheduled_for = schedules.next_run_at))) "
    "ORDER BY next_run_at LIMIT ?"
)
_INSERT_RUN = (
    f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' for _ in RUN_COLUMNS)})"
)


@dataclass(frozen=True)
class Preclaim:
    """A fire this runner pre-claimed, with what starting it needs."""

    run: Run  # pending, owned, not_before = the instant
    schedule: Schedule  # as it was when pre-claimed (what the action is told)
    upcoming: tuple[datetime, ...]  # the payload's next fires after the instant
    next_after: datetime  # the schedule's next fire once this one started

    @property
    def instant(self) -> datetime:
        return self.run.scheduled_for


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _marks(items: list[Any]) -> str:
    return ", ".join("?" for _ in items)


def _blocked(s: Schedule, runs: Iterable[Run]) -> bool:
    """Whether an open run stands in the way of a plain start at s.next_run_at (read after the
    rows were locked: on PostgreSQL a row locked after another's commit may have been selected
    with an older view of runs)."""
    for run in runs:
        if s.policies.overlap != "allow":
            return True
        if run.runner_id is not None and run.scheduled_for == s.next_run_at:
            return True
    return False


def preclaim(
    store: Store, now: datetime, lease: RunnerLease, *, until: datetime, limit: int = BATCH
) -> list[Preclaim]:
    """Pre-claim, in one write transaction, the next fires of up to `limit` schedules due in
    (`now`, `until`] (see the module docstring). A schedule whose claim is not a plain start
    (it ends, waits behind a run, or cannot be read) is left to the usual claim at its instant.
    Raises LeaseLost (nothing pre-claimed) when `lease` is no longer this runner's."""
    if limit <= 0:
        return []
    with store.write() as conn:
        if not store.leases.holds(conn, lease, now):
            raise LeaseLost(f"runner {lease.id} lost its lease")
        rows = conn.execute(
            f"{_ELIGIBLE}{store.dialect.skip_locked}", (iso(now), iso(until), limit)
        ).fetchall()
        found = []
        for row in rows:
            try:
                found.append(from_row(row))
            except UNREADABLE:  # the claim at its instant deactivates it, saying why
                continue
        waiting = open_runs(conn, [s.id for s in found])
        plans: list[Preclaim] = []
        walks: dict[datetime, Walks] = {}
        for s in found:
            at = s.next_run_at
            if at is None or _blocked(s, waiting.get(s.id, ())):
                continue
            try:
                walk = walks.setdefault(at, Walks(at))
                times, nxt, _ = walk.due(s)
                if nxt is None or times != [at]:
                    continue
                after = s.with_changes(next_run_at=nxt, run_count=s.run_count + 1)
                upcoming = walk.upcoming(after)
            except UNREADABLE:
                continue
            run = new_run(s, at, now, Trigger.SCHEDULE, RunStatus.PENDING, None, not_before=at)
            run = replace(run, runner_id=lease.id, host=lease.host)
            plans.append(Preclaim(run, s, upcoming, nxt))
        if plans:
            new_rows = [run_to_row(p.run) for p in plans]
            conn.executemany(_INSERT_RUN, [[r[c] for c in RUN_COLUMNS] for r in new_rows])
            conn.executemany(
                "UPDATE schedules SET run_count = run_count + 1 WHERE id = ?",
                [(p.schedule.id,) for p in plans],
            )
        return plans


class _Withdrawn(Exception):
    """A flip's fast path found a run of its chunk no longer this runner's pre-claim."""


def flip(
    store: Store,
    now: datetime,
    lease: RunnerLease,
    run_ids: list[str],
    started_at: datetime | None = None,
) -> set[str]:
    """Mark the runs of `run_ids` that are still pending and this runner's as running since
    `started_at` (default `now`; a flip made a moment ahead gives the instant), in one
    transaction; returns their ids (the others were withdrawn or released: they must not
    start). Raises LeaseLost (nothing flipped) when the lease lapsed.

    As a rule every one of them is still this runner's: one UPDATE a chunk, whose count says
    so, and no row returned one by one (SQLite hands each row over in its own step, each
    releasing the interpreter lock: a flip made while a herd's calls run would wait for the
    lock once per row). When a count falls short, the transaction is rolled back and the flip
    made again returning the ids it changed."""
    if not run_ids:
        return set()
    since = started_at or now
    try:
        return _flip(store, now, lease, run_ids, since, counted=True)
    except _Withdrawn:
        return _flip(store, now, lease, run_ids, since, counted=False)


def _flip(
    store: Store,
    now: datetime,
    lease: RunnerLease,
    run_ids: list[str],
    since: datetime,
    counted: bool,
) -> set[str]:
    stamp = iso_ms(since)
    with store.write() as conn:
        if not store.leases.holds(conn, lease, now):
            raise LeaseLost(f"runner {lease.id} lost its lease")
        mine: set[str] = set()
        for ids in _chunks(run_ids):
            sql = (
                f"UPDATE runs SET status = 'running', started_at = ? WHERE id IN ({_marks(ids)}) "
                f"AND {PRECLAIMED} AND runner_id = ?"
            )
            if counted:
                if conn.execute(sql, (stamp, *ids, lease.id)).rowcount != len(set(ids)):
                    raise _Withdrawn  # (rolled back: flipped again, returning the ids)
                mine.update(ids)
                continue
            rows = conn.execute(f"{sql} RETURNING id", (stamp, *ids, lease.id)).fetchall()
            mine.update(str(r[0]) for r in rows)
        return mine


def advance(store: Store, plans: list[Preclaim]) -> None:
    """After their starts: each schedule's next_run_at moves from the instant to its next fire
    (unless an edit moved it meanwhile), last_run_at to the instant (unless later)."""
    if not plans:
        return
    with store.write() as conn:
        conn.executemany(
            "UPDATE schedules SET next_run_at = CASE WHEN next_run_at = ? THEN ? "
            "ELSE next_run_at END, last_run_at = CASE WHEN last_run_at IS NULL OR "
            "last_run_at < ? THEN ? ELSE last_run_at END WHERE id = ?",
            [
                (iso(p.instant), iso(p.next_after), iso(p.instant), iso(p.instant), p.schedule.id)
                for p in sorted(plans, key=lambda p: p.schedule.id)  # one lock order
            ],
        )


def _drop(conn: Conn, run_ids: list[str], owner: str | None = None, which: str = PRECLAIMED) -> int:
    """Delete these runs if they are still pre-claims (never flipped; `owner`'s, if given; or
    `which` runs) and uncount them."""
    counts: dict[str, int] = defaultdict(int)
    mine = " AND runner_id = ?" if owner is not None else ""
    for ids in _chunks(sorted(run_ids)):
        rows = conn.execute(
            f"DELETE FROM runs WHERE id IN ({_marks(ids)}) AND {which}{mine} RETURNING schedule_id",
            (*ids, *([owner] if owner is not None else [])),
        ).fetchall()
        for (schedule_id,) in rows:
            counts[str(schedule_id)] += 1
    if counts:
        conn.executemany(
            "UPDATE schedules SET run_count = CASE WHEN run_count > ? THEN run_count - ? "
            "ELSE 0 END WHERE id = ?",
            [(n, n, sid) for sid, n in sorted(counts.items())],
        )
    return sum(counts.values())


def withdraw(conn: Conn, schedule_id: str) -> int:
    """Inside an edit's (or a start's) write transaction, its schedule's row locked: the
    schedule's pre-claimed fires are withdrawn (the owner's flip finds nothing); how many."""
    rows = conn.execute(
        f"SELECT id FROM runs WHERE schedule_id = ? AND {PRECLAIMED}", (schedule_id,)
    ).fetchall()
    return _drop(conn, [str(r[0]) for r in rows]) if rows else 0


def withdraw_own(
    store: Store,
    runner_id: str,
    run_ids: list[str] | None = None,
    *,
    keep: Iterable[str] = (),
) -> int:
    """Pre-claims of this runner that it will not start (it stops, its plans were dropped, or
    it does not know them: a reply lost with the connection): withdrawn, so the usual claim
    takes their fires. Those of `run_ids`, or all of them but `keep`."""
    kept = set(keep)
    with store.write() as conn:
        if run_ids is None:
            rows = conn.execute(
                f"SELECT id FROM runs WHERE {PRECLAIMED} AND runner_id = ?", (runner_id,)
            ).fetchall()
            run_ids = [str(r[0]) for r in rows if str(r[0]) not in kept]
        return _drop(conn, run_ids, runner_id) if run_ids else 0


def unflip(store: Store, runner_id: str, run_ids: list[str]) -> int:
    """Runs this runner flipped ahead of their instant and will not start (it stops first, or
    it was held up past the on-time grace): deleted, uncounted, as if never claimed, so the
    usual claim takes their fires. Only runs still running and this runner's: one a sweep
    already marked abandoned stays as recorded."""
    if not run_ids:
        return 0
    with store.write() as conn:
        return _drop(conn, run_ids, runner_id, FLIPPED)


def owned(store: Store, runner_id: str) -> list[str]:
    """The ids of this runner's pre-claims, as the database holds them."""
    rows = store.query(f"SELECT id FROM runs WHERE {PRECLAIMED} AND runner_id = ?", (runner_id,))
    return [str(r[0]) for r in rows]


def release_dead(conn: Conn, now: datetime, exclude_runner: str | None) -> int:
    """Inside a sweep's write transaction (`now` in the leases' time): pre-claims of runners
    whose lease expired (dead, or stopped past it) are withdrawn; they never ran, so their fires
    are claimed again by the usual path (not `abandoned`). Returns how many."""
    rows = conn.execute(
        "SELECT r.id FROM runs r WHERE r.status IN ('running', 'pending') "
        "AND r.status = 'pending' AND r.runner_id IS NOT NULL AND r.runner_id <> ? "
        "AND NOT EXISTS (SELECT 1 FROM runners w WHERE w.id = r.runner_id AND w.expires_at > ?)",
        (exclude_runner or "", iso_ms(now)),
    ).fetchall()
    return _drop(conn, [str(r[0]) for r in rows]) if rows else 0
