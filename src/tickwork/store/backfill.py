"""Backfill in the store: plan which past fires to run, then queue them in one transaction.

Queued backfill fires are pending runs (trigger `backfill`), started by a runner exactly like
queued fires: in scheduled order, one at a time per schedule unless it allows overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tickwork.domain import spec
from tickwork.domain.backfill import MAX_BACKFILL, fires_in_window, too_many
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import iso, iso_ms, parse_iso
from tickwork.store.dialect import Conn
from tickwork.store.runs import insert_run

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

NOT_RUN = frozenset(
    {RunStatus.MISSED, RunStatus.SKIPPED}
)  # recorded for an instant, but nothing ran


@dataclass(frozen=True)
class BackfillPlan:
    schedule: Schedule
    start: datetime
    end: datetime
    fires: tuple[datetime, ...]  # what will run, in order
    already_ran: tuple[datetime, ...]  # in the window, run before: left out unless force
    force: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "schedule_id": self.schedule.id,
            "schedule_name": self.schedule.name,
            "from": iso(self.start),
            "to": iso(self.end),
            "count": len(self.fires),
            "first": iso(self.fires[0]) if self.fires else None,
            "last": iso(self.fires[-1]) if self.fires else None,
            "fires": [iso(t) for t in self.fires],
            "already_ran": [iso(t) for t in self.already_ran],
            "force": self.force,
        }


def _recorded(
    conn: Conn, schedule_id: str, start: datetime, end: datetime
) -> dict[datetime, list[tuple[str, int, str]]]:
    """(id, attempt, status) of the runs recorded per instant in the window (not manual)."""
    rows = conn.execute(
        "SELECT scheduled_for, id, attempt, status FROM runs WHERE schedule_id = ? "
        "AND trigger != 'manual' AND scheduled_for >= ? AND scheduled_for <= ?",
        (schedule_id, iso(start), iso(end)),
    ).fetchall()
    out: dict[datetime, list[tuple[str, int, str]]] = {}
    for text, run_id, attempt, status in rows:
        at = parse_iso(text)
        if at is not None:
            out.setdefault(at, []).append((run_id, attempt, status))
    return out


def _split(
    times: list[datetime], recorded: dict[datetime, list[tuple[str, int, str]]], force: bool
) -> tuple[list[datetime], list[datetime]]:
    fire: list[datetime] = []
    ran: list[datetime] = []
    for t in times:
        did_run = any(status not in NOT_RUN for _, _, status in recorded.get(t, []))
        if did_run and not force:
            ran.append(t)
        else:
            fire.append(t)
    return fire, ran


def plan_backfill(
    store: Store, s: Schedule, start: datetime, end: datetime, *, force: bool = False
) -> BackfillPlan:
    """The fires of `s` in [start, end] (spec.upcoming's), less those that already ran."""
    times = fires_in_window(s, start, end, MAX_BACKFILL)
    if len(times) > MAX_BACKFILL:
        raise too_many(start, end, MAX_BACKFILL)
    with store.dialect.read() as conn:
        recorded = _recorded(conn, s.id, start, end)
    fire, ran = _split(times, recorded, force)
    return BackfillPlan(s, start, end, tuple(fire), tuple(ran), force)


def enqueue_backfill(store: Store, plan: BackfillPlan, now: datetime) -> list[Run]:
    """Queue the plan's fires as pending `backfill` runs, in one transaction (checked again
    inside it: a fire that ran meanwhile is left out unless the plan was forced)."""
    s = plan.schedule
    queued: list[Run] = []
    with store.edit() as conn:
        store.dialect.lock_schedule(conn, s.id)
        recorded = _recorded(conn, s.id, plan.start, plan.end)
        for at in plan.fires:
            rows = recorded.get(at, [])
            did_run = any(status not in NOT_RUN for _, _, status in rows)
            if did_run and not plan.force:
                continue
            if rows and not did_run:
                # missed or skipped then: that record becomes the backfill run (same attempt)
                run_id, attempt, status = max(rows, key=lambda r: r[1])
                conn.execute(
                    "UPDATE runs SET status = 'pending', trigger = 'backfill', not_before = ?, "
                    "finished_at = NULL, runner_id = NULL, host = NULL, error = ? WHERE id = ?",
                    (iso_ms(now), f"backfill of a fire that was {status}", run_id),
                )
                queued.append(_pending(s, at, now, attempt, run_id))
                continue
            attempt = max((a for _, a, _ in rows), default=0) + 1  # --force: the next attempt
            run = _pending(s, at, now, attempt, spec.new_id("run_"))
            insert_run(conn, run)
            queued.append(run)
    return queued


def _pending(s: Schedule, at: datetime, now: datetime, attempt: int, run_id: str) -> Run:
    return Run(
        id=run_id,
        schedule_id=s.id,
        scheduled_for=at,
        attempt=attempt,
        trigger=Trigger.BACKFILL,
        status=RunStatus.PENDING,
        created_at=now,
        not_before=now,
        webhook_id=run_id,
        schedule_name=s.name,
    )
