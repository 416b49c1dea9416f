"""Applying the failure policies in the transaction that records a run's result."""

from __future__ import annotations

from datetime import datetime

from tickwork.domain.failures import judge_fire, pause_reason
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import floor_second, iso, iso_ms
from tickwork.store.dialect import Conn


def record_fire(
    conn: Conn, run: Run, status: RunStatus, now: datetime, *, final: bool
) -> str | None:
    """Count the schedule's failed fires in a row and pause it when pause_after_failures says
    so (inside the caller's write transaction). Returns the pause reason if it paused now.
    A manual run (`tickwork trigger`, run now) is a test: it neither counts nor resets."""
    if run.trigger == Trigger.MANUAL:
        return None
    row = conn.execute(
        "SELECT consecutive_failures, pause_after_failures, active FROM schedules WHERE id = ?",
        (run.schedule_id,),
    ).fetchone()
    if row is None:
        return None
    count, limit, active = int(row[0] or 0), row[1], bool(row[2])
    if limit is not None and not isinstance(limit, int):
        limit = None  # a hand-edited value the policy cannot use: off
    verdict = judge_fire(limit, count, status, final=final)
    if verdict.pause and active:
        reason = pause_reason(verdict.consecutive_failures, run.id, status)
        conn.execute(
            "UPDATE schedules SET consecutive_failures = ?, active = 0, next_run_at = NULL, "
            "status_reason = ?, updated_at = ? WHERE id = ?",
            (verdict.consecutive_failures, reason, iso(floor_second(now)), run.schedule_id),
        )
        # Fires already queued (a backlog, retries, a backfill) do not start after the pause;
        # what someone started by hand (trigger, run now) still does.
        conn.execute(
            "UPDATE runs SET status = 'cancelled', finished_at = ?, error = ? "
            "WHERE schedule_id = ? AND status = 'pending' AND trigger != 'manual'",
            (
                iso_ms(now),
                f"cancelled: the schedule paused itself after run {run.id} (pause_after_failures)",
                run.schedule_id,
            ),
        )
        return reason
    if verdict.consecutive_failures != count:
        conn.execute(
            "UPDATE schedules SET consecutive_failures = ? WHERE id = ?",
            (verdict.consecutive_failures, run.schedule_id),
        )
    return None
