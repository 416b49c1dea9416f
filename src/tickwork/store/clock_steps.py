"""A wall clock stepped back: next runs brought back, and no fire made twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import iso, iso_ms, parse_iso
from tickwork.store.claims import UNREADABLE
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, from_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

_NEXT_RUN_COLUMN = SCHEDULE_COLUMNS.index("next_run_at")


def rewind(store: Store, now: datetime, step: timedelta) -> list[tuple[Schedule, datetime]]:
    """After the wall clock stepped back by `step`: bring each next_run_at that now lies beyond
    the schedule's next fire after `now` back to it (cron keeps firing, intervals keep their
    grid). Fires that ran are not fired again (a claim leaves out the fires already recorded);
    fires only judged (missed, skipped) or queued at times that have not come yet are judged
    again when they come; other waiting runs (retries, manual runs) move back by the step.
    Returns what moved."""
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
