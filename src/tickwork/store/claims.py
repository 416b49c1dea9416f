"""The claim protocol: how runners take due fires without duplicates or losses.

Claiming a due fire is one short write transaction (BEGIN IMMEDIATE): it re-reads the schedule,
advances next_run_at with a compare-and-swap on its old value, and inserts the run rows (unique per
schedule, scheduled_for, attempt). The action starts only after the commit. Several runners, in
several processes, can share one database this way.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tickwork.domain import spec
from tickwork.domain.errors import ScheduleNotFound
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.timeutil import iso, iso_ms, parse_iso
from tickwork.store.dialect import Conn
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, from_row
from tickwork.store.runs import SELECT_RUN, insert_run, run_from_row, run_to_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

_NEXT_RUN_COLUMN = SCHEDULE_COLUMNS.index("next_run_at")
ON_TIME_GRACE = timedelta(seconds=60)  # a fire later than this counts as missed downtime
MAX_CATCHUP_RUNS = 100  # catchup=all runs at most this many missed fires
MAX_MISSED_ROWS = 1000  # beyond this a backlog is summarised in the last missed row
MAX_BACKLOG = 100_000  # fires looked at per claim
# What reading a stored schedule that tickwork cannot use raises (edited by hand, another
# version): bad JSON, an expression or time zone the cron engine rejects, a bad timestamp.
UNREADABLE = (ValueError, KeyError, TypeError)


class LeaseLost(Exception):
    """The claiming runner's lease expired or is gone (it was stopped or suspended meanwhile):
    nothing was claimed; the runner renews its lease before it claims again (self-fencing)."""


@dataclass
class Claim:
    schedule: Schedule  # as the claim left it
    start: list[Run] = field(default_factory=list)  # status running, owned by the claimer
    recorded: list[Run] = field(default_factory=list)  # missed / skipped / pending rows
    cancel: list[str] = field(default_factory=list)  # running run ids to cancel (overlap=replace)
    warning: str | None = None
    previous: Schedule | None = None  # as it was before (what the actions are told)


def due_ids(store: Store, now: datetime, limit: int) -> list[tuple[str, datetime | None]]:
    """(id, next_run_at) of active schedules due by `now`, oldest first, from the due index
    alone. A next_run_at that cannot be read comes back as None (see disable_invalid)."""
    rows = store.query(
        "SELECT id, next_run_at FROM schedules WHERE active = 1 AND next_run_at IS NOT NULL "
        "AND next_run_at <= ? ORDER BY next_run_at LIMIT ?",
        (iso(now), limit),
    )
    out: list[tuple[str, datetime | None]] = []
    for schedule_id, text in rows:
        try:
            out.append((schedule_id, parse_iso(text)))
        except UNREADABLE:
            out.append((schedule_id, None))
    return out


def disable_invalid(store: Store, schedule_id: str, error: str) -> None:
    """Deactivate a schedule whose stored row cannot be used, with the reason visible."""
    with store.write() as conn:
        conn.execute(
            "UPDATE schedules SET active = 0, next_run_at = NULL, status_reason = ? WHERE id = ?",
            (f"invalid: {error}"[:500], schedule_id),
        )


def _new_run(
    s: Schedule,
    at: datetime,
    now: datetime,
    trigger: str,
    status: str,
    lease: RunnerLease | None,
    *,
    attempt: int = 1,
    error: str | None = None,
    webhook_id: str | None = None,
) -> Run:
    run_id = spec.new_id("run_")
    running = status == "running"
    closed = status in ("missed", "skipped")
    return Run(
        id=run_id,
        schedule_id=s.id,
        scheduled_for=at,
        attempt=attempt,
        trigger=trigger,
        status=status,
        created_at=now,
        runner_id=lease.id if running and lease else None,
        host=lease.host if running and lease else None,
        not_before=now if status == "pending" else None,
        webhook_id=webhook_id or run_id,
        started_at=now if running else None,
        finished_at=now if closed else None,
        error=error,
        schedule_name=s.name,
    )


def _due_times(s: Schedule, now: datetime) -> tuple[list[datetime], datetime | None, int]:
    """Fires from next_run_at up to now, the first fire after now, and how many were cut off.

    max_runs is left out of the walk: it counts runs, and a missed fire is not a run.
    """
    assert s.next_run_at is not None
    walk = s.with_changes(max_runs=None)
    times = [s.next_run_at]
    cut = 0
    size = 2  # usually one fire is due and the next one is wanted: grow only for a backlog
    while True:
        batch = spec.upcoming(walk, times[-1], size)
        size = min(size * 4, 512)
        for t in batch:
            if t > now:
                return times, t, cut
            if len(times) < MAX_BACKLOG:
                times.append(t)
            else:
                cut += 1
        if not batch:
            return times, None, cut
        if cut:  # a huge backlog: jump ahead instead of walking every fire
            nxt = spec.upcoming(walk, now, 1)
            return times, (nxt[0] if nxt else None), cut


def _plan(
    s: Schedule, times: list[datetime], now: datetime
) -> tuple[list[datetime], list[datetime]]:
    """Split due fires into (fire, missed) by the catch-up policy.

    A fire at most ON_TIME_GRACE late is on time and always fires; the policy decides about the
    older ones (downtime): `latest` runs the most recent one unless an on-time fire supersedes
    it, `skip` runs none, `all` runs the first MAX_CATCHUP_RUNS in order.
    """
    stale = [t for t in times if now - t > ON_TIME_GRACE]
    fresh = times[len(stale) :]
    policy = s.policies.catchup
    if policy == "all":
        fire, missed = stale[:MAX_CATCHUP_RUNS] + fresh, stale[MAX_CATCHUP_RUNS:]
    elif policy == "skip":
        fire, missed = fresh, stale
    else:  # latest
        fire, missed = (fresh, stale) if fresh else (stale[-1:], stale[:-1])
    if s.max_runs is not None:  # fires beyond max_runs never happen: the schedule ends first
        fire = fire[: max(0, s.max_runs - s.run_count)]
    return fire, missed


def _not_recorded(conn: Conn, schedule_id: str, times: list[datetime]) -> list[datetime]:
    """`times` without the fires that already have a run (fired, missed or skipped before the
    wall clock was stepped back and the same instants came round again)."""
    if not times:
        return times
    seen: set[str] = set()
    for i in range(0, len(times), 500):
        chunk = [iso(t) for t in times[i : i + 500]]
        marks = ", ".join("?" for _ in chunk)
        rows = conn.execute(
            f"SELECT scheduled_for FROM runs WHERE schedule_id = ? AND attempt = 1 "
            f"AND scheduled_for IN ({marks})",
            (schedule_id, *chunk),
        ).fetchall()
        seen.update(r[0] for r in rows)
    return [t for t in times if iso(t) not in seen] if seen else times


def rewind(store: Store, now: datetime, step: timedelta) -> list[tuple[Schedule, datetime]]:
    """After the wall clock stepped back by `step`: bring each next_run_at that now lies beyond
    the schedule's next fire after `now` back to it (cron keeps firing, intervals keep their
    grid). Fires that ran are not fired again (see _not_recorded); fires only judged (missed,
    skipped) or queued at times that have not come yet are judged again when they come; other
    waiting runs (retries, manual runs) move back by the step. Returns what moved."""
    moved: list[tuple[Schedule, datetime]] = []
    ahead = iso(now)
    with store.write() as conn:
        store.dialect.lock_schedules(conn)  # rare, and it moves many schedules at once
        queued = conn.execute(
            "SELECT schedule_id, count(*) FROM runs WHERE status = 'pending' AND attempt = 1 "
            "AND trigger IN ('schedule', 'catchup') AND scheduled_for > ? GROUP BY schedule_id",
            (ahead,),
        ).fetchall()
        for schedule_id, count in queued:  # they were counted as runs when queued
            conn.execute(
                "UPDATE schedules SET run_count = CASE WHEN run_count > ? THEN run_count - ? "
                "ELSE 0 END WHERE id = ?",
                (count, count, schedule_id),
            )
        conn.execute(
            "DELETE FROM runs WHERE scheduled_for > ? AND (status IN ('missed', 'skipped') OR "
            "(status = 'pending' AND attempt = 1 AND trigger IN ('schedule', 'catchup')))",
            (ahead,),
        )
        for run_id, text in conn.execute(
            "SELECT id, not_before FROM runs WHERE status = 'pending' AND not_before > ?",
            (iso_ms(now),),
        ).fetchall():
            waits = parse_iso(text)
            if waits is not None:
                conn.execute(
                    "UPDATE runs SET not_before = ? WHERE id = ?",
                    (iso_ms(max(now, waits - step)), run_id),
                )
        rows = conn.execute(
            f"{SELECT_SCHEDULE} WHERE active = 1 AND next_run_at IS NOT NULL AND next_run_at > ?",
            (iso(now),),
        ).fetchall()
        for row in rows:
            try:
                s = from_row(row)
                upcoming = spec.upcoming(s, now, 1)
            except UNREADABLE:  # dealt with when due
                continue
            if not upcoming or s.next_run_at is None or upcoming[0] >= s.next_run_at:
                continue
            conn.execute(
                "UPDATE schedules SET next_run_at = ? WHERE id = ? AND next_run_at = ?",
                (iso(upcoming[0]), s.id, row[_NEXT_RUN_COLUMN]),
            )
            moved.append((s, upcoming[0]))
    return moved


def previous_fire(store: Store, run: Run) -> datetime | None:
    """When the schedule last ran before `run` (what TICKWORK_LAST_RUN_AT says): the latest
    earlier fire that started, whatever its outcome; None for the first."""
    rows = store.query(
        "SELECT max(scheduled_for) FROM runs WHERE schedule_id = ? AND scheduled_for < ? "
        "AND id != ? AND started_at IS NOT NULL",
        (run.schedule_id, run_to_row(run)["scheduled_for"], run.id),
    )
    return parse_iso(rows[0][0]) if rows and rows[0][0] else None


def _open_runs(conn: Conn, schedule_id: str) -> tuple[list[Run], list[Run]]:
    rows = conn.execute(
        f"{SELECT_RUN} WHERE r.schedule_id = ? AND r.status IN ('running', 'pending')",
        (schedule_id,),
    ).fetchall()
    runs = [run_from_row(r) for r in rows]
    return [r for r in runs if r.status == "running"], [r for r in runs if r.status == "pending"]


def claim_due(
    store: Store, schedule_id: str, expected_next: datetime, now: datetime, lease: RunnerLease
) -> Claim | None:
    """Claim the due fires of one schedule; None if another runner got there first."""
    with store.write() as conn:
        if not store.leases.holds(conn, lease, now):
            raise LeaseLost(f"runner {lease.id} lost its lease")
        row = conn.execute(
            f"{SELECT_SCHEDULE} WHERE id = ?{store.dialect.row_lock}", (schedule_id,)
        ).fetchone()
        if row is None:
            return None
        s = from_row(row)
        if not s.active or s.next_run_at != expected_next or expected_next > now:
            return None
        stored_next = row[_NEXT_RUN_COLUMN]  # the CAS compares the stored text, whatever its form
        times, next_after, cut = _due_times(s, now)
        times = _not_recorded(conn, s.id, times)  # a clock stepped back: never a fire twice
        claim = Claim(schedule=s, previous=s)
        policy = s.policies.catchup
        fire, missed = _plan(s, times, now)
        if policy == "all" and (len(missed) > 0 or cut):
            claim.warning = (
                f"{len(missed) + cut} missed fires beyond the first {MAX_CATCHUP_RUNS} "
                "were not run (catchup=all runs at most 100)"
            )
        running, pending = _open_runs(conn, s.id)
        started = 0
        for i, at in enumerate(fire):
            trigger = "schedule" if now - at <= ON_TIME_GRACE else "catchup"
            if i > 0:  # a backlog (catch-up, a late runner): the rest wait their turn, in order
                claim.recorded.append(_new_run(s, at, now, trigger, "pending", lease))
                started += 1
                continue
            status, error = _overlap(s, running, pending, claim)
            run = _new_run(s, at, now, trigger, status, lease, error=error)
            (claim.start if status == "running" else claim.recorded).append(run)
            if status in ("running", "pending"):
                started += 1
        summary = f" (and {cut} more missed fires before it)" if cut else ""
        for j, at in enumerate(missed[-MAX_MISSED_ROWS:]):
            last = j == len(missed[-MAX_MISSED_ROWS:]) - 1
            dropped = max(0, len(missed) - MAX_MISSED_ROWS) + cut
            note = f"missed: runner down (catchup={policy})"
            if last and (dropped or summary):
                note += f"; {dropped} earlier missed fires not listed"
            claim.recorded.append(_new_run(s, at, now, "catchup", "missed", None, error=note))
        updated = s.with_changes(
            next_run_at=next_after,
            run_count=s.run_count + started,
            last_run_at=max(fire) if started else s.last_run_at,
        )
        if updated.max_runs is not None and updated.run_count >= updated.max_runs:
            updated = updated.with_changes(
                active=False,
                next_run_at=None,
                status_reason=f"max_runs reached ({updated.max_runs} runs)",
            )
        elif next_after is None:
            reason = f"ended: end_at {iso(s.end_at)} reached" if s.end_at else "never fires again"
            updated = updated.with_changes(active=False, status_reason=reason)
        cur = conn.execute(
            "UPDATE schedules SET next_run_at = ?, run_count = ?, last_run_at = ?, active = ?, "
            "status_reason = ? WHERE id = ? AND next_run_at = ?",
            (
                iso(updated.next_run_at),
                updated.run_count,
                iso(updated.last_run_at),
                1 if updated.active else 0,
                updated.status_reason,
                s.id,
                stored_next,
            ),
        )
        if cur.rowcount != 1:  # cannot happen inside BEGIN IMMEDIATE; kept as the CAS guard
            raise sqlite3.IntegrityError("claim lost its compare-and-swap")
        for run in [*claim.start, *claim.recorded]:
            insert_run(conn, run)
        for run_id in claim.cancel:
            conn.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))
        claim.schedule = updated
        return claim


def _overlap(
    s: Schedule, running: list[Run], pending: list[Run], claim: Claim
) -> tuple[str, str | None]:
    """What the new fire does while an earlier run of the schedule still runs."""
    if not running or s.policies.overlap == "allow":
        return "running", None
    policy = s.policies.overlap
    if policy == "replace":
        claim.cancel.extend(r.id for r in running)
        return "running", None
    if policy == "queue" and not any(p.trigger != "retry" for p in pending):
        return "pending", None
    why = "a run is already queued" if policy == "queue" else f"run {running[0].id} still running"
    return "skipped", f"skipped (overlap={policy}): {why}"


def claim_pending(
    store: Store,
    now: datetime,
    lease: RunnerLease,
    limit: int,
    *,
    run_id: str | None = None,
    due_by: datetime | None = None,
) -> list[Run]:
    """Start waiting runs (queued fires, retries, manual triggers) whose time has come.

    Per schedule the earliest waiting run goes first; unless the schedule allows overlap (or the
    run is manual), none starts while another run of its schedule is running. `due_by` (default
    `now`) bounds not_before; `now` is the recorded start.
    """
    if limit <= 0:
        return []
    only = " AND r.id = ?" if run_id else ""
    params = (iso_ms(due_by or now), *([run_id] if run_id else []))
    startable = (
        f"r.status = 'pending' AND r.not_before <= ?{only} AND (r.trigger = 'manual' "
        "OR s.overlap = 'allow' OR NOT EXISTS (SELECT 1 FROM runs x WHERE "
        "x.schedule_id = r.schedule_id AND x.status = 'running'))"
    )
    probe = f"SELECT 1 FROM runs r JOIN schedules s ON s.id = r.schedule_id WHERE {startable}"
    if not store.query(f"{probe} LIMIT 1", params):  # nothing to start: no write transaction
        return []
    started: list[Run] = []
    with store.write() as conn:
        if not store.leases.holds(conn, lease, now):
            raise LeaseLost(f"runner {lease.id} lost its lease")
        rows = conn.execute(
            f"{SELECT_RUN} WHERE {startable} "
            "ORDER BY r.not_before, r.scheduled_for, r.attempt LIMIT ?",
            (*params, limit * 4),
        ).fetchall()
        busy: set[str] = set()
        for row in rows:
            run = run_from_row(row)
            srow = conn.execute(  # held by another runner: its turn; this run waits a tick
                f"{SELECT_SCHEDULE} WHERE id = ?{store.dialect.skip_locked}", (run.schedule_id,)
            ).fetchone()
            if srow is None:
                continue
            try:
                s = from_row(srow)
            except UNREADABLE as exc:
                conn.execute(
                    "UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?",
                    (iso_ms(now), f"invalid schedule: {exc}"[:500], run.id),
                )
                continue
            if run.trigger != "manual" and s.policies.overlap != "allow":
                if run.schedule_id in busy or _running(conn, run.schedule_id):
                    continue  # (another runner may have started one since the first look)
                busy.add(run.schedule_id)
            cur = conn.execute(
                "UPDATE runs SET status = 'running', runner_id = ?, host = ?, started_at = ? "
                "WHERE id = ? AND status = 'pending'",
                (lease.id, lease.host, iso_ms(now), run.id),
            )
            if cur.rowcount != 1:
                continue
            if run.trigger == "manual":
                _count_manual(conn, s, now)
            started.append(
                replace(run, status="running", runner_id=lease.id, host=lease.host, started_at=now)
            )
            if len(started) >= limit:
                break
    return started


def _running(conn: Conn, schedule_id: str) -> bool:
    sql = "SELECT 1 FROM runs WHERE schedule_id = ? AND status = 'running' LIMIT 1"
    return conn.execute(sql, (schedule_id,)).fetchone() is not None


def _count_manual(conn: Conn, s: Schedule, now: datetime) -> None:
    count = s.run_count + 1
    done = s.max_runs is not None and count >= s.max_runs and s.active
    conn.execute(
        "UPDATE schedules SET run_count = ?, last_run_at = ?, active = ?, next_run_at = ?, "
        "status_reason = ? WHERE id = ?",
        (
            count,
            iso(now),
            0 if done or not s.active else 1,
            None if done else iso(s.next_run_at),
            f"max_runs reached ({s.max_runs} runs)" if done else s.status_reason,
            s.id,
        ),
    )


def enqueue_manual(store: Store, schedule_id: str, now: datetime) -> Run:
    """A manual run: pending now, started by whichever runner picks it up (same path, same env)."""
    with store.edit() as conn:
        row = conn.execute(
            f"{SELECT_SCHEDULE} WHERE id = ?{store.dialect.row_lock}", (schedule_id,)
        ).fetchone()
        if row is None:
            raise ScheduleNotFound(f"schedule {schedule_id!r} no longer exists")
        s = from_row(row)
        run = _new_run(s, now, now, "manual", "pending", None)
        insert_run(conn, run)
        return run
