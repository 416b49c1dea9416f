"""Starting waiting runs: queued fires (overlap=queue, a backlog, catch-up), retries after their
backoff, manual runs, backfills. The claim of due fires is store.claims."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import iso, iso_ms
from tickwork.store.claims import UNREADABLE, LeaseLost
from tickwork.store.dialect import Conn
from tickwork.store.preclaims import withdraw
from tickwork.store.rows import SELECT_SCHEDULE, from_row
from tickwork.store.runs import SELECT_RUN, run_from_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store


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
    # Waiting and nobody's (an owned one is a pre-claim: store.preclaims). The `IN` terms are
    # those of the partial indexes of open runs, so the lookups use them.
    startable = (
        "r.status IN ('running', 'pending') AND r.status = 'pending' AND r.runner_id IS NULL "
        f"AND r.not_before <= ?{only} AND (r.trigger = 'manual' "
        "OR s.overlap = 'allow' OR NOT EXISTS (SELECT 1 FROM runs x WHERE "
        "x.schedule_id = r.schedule_id AND x.status IN ('running', 'pending') "
        "AND x.status = 'running'))"
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
            if run.trigger != Trigger.MANUAL and s.policies.overlap != "allow":
                if run.schedule_id in busy or _running(conn, run.schedule_id):
                    continue  # (another runner may have started one since the first look)
                busy.add(run.schedule_id)
            if s.policies.overlap != "allow":  # its next fire sees this run: claimed as usual
                withdraw(conn, s.id)
            cur = conn.execute(
                "UPDATE runs SET status = 'running', runner_id = ?, host = ?, started_at = ? "
                "WHERE id = ? AND status = 'pending'",
                (lease.id, lease.host, iso_ms(now), run.id),
            )
            if cur.rowcount != 1:
                continue
            if run.trigger == Trigger.MANUAL:
                _count_manual(conn, s, now)
            started.append(
                replace(
                    run,
                    status=RunStatus.RUNNING,
                    runner_id=lease.id,
                    host=lease.host,
                    started_at=now,
                )
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
