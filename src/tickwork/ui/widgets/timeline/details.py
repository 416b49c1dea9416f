"""One line describing what the timeline cursor points at (shown under the timeline)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from tickwork.domain.humanize import format_local, relative
from tickwork.domain.model import Schedule
from tickwork.domain.status import RunStatus, look
from tickwork.ui.widgets.runs.format import duration_label
from tickwork.ui.widgets.timeline.data import DENSE, Marker, TimelineRow
from tickwork.ui.widgets.timeline.window import Window, to_local


def zoned_and_utc(moment: datetime, schedule: Schedule) -> str:
    """'2026-03-02 13:10:00 CET · 12:10:00 UTC' (the schedule's zone, then UTC)."""
    zoned = format_local(moment, schedule.timezone, seconds=True)
    if schedule.timezone == "UTC":
        return zoned
    return f"{zoned} · {moment.astimezone(UTC):%H:%M:%S} UTC"


def describe_marker(
    marker: Marker, window: Window, now: datetime, zone: tzinfo | None = None
) -> str:
    """The footer line for the marker under the cursor."""
    s = marker.schedule
    if marker.run is not None and (marker.fire is None or marker.run.status == RunStatus.RUNNING):
        mark = marker.run
        run = mark.run
        moment = run.started_at or run.scheduled_for
        parts = [f"{s.name}: {look(run.status).text()}"]
        parts.append(f"{'started' if run.started_at else 'due'} {zoned_and_utc(moment, s)}")
        parts.append(relative(moment, now))
        if run.duration is not None:
            parts.append(f"took {duration_label(run.duration)}")
        if run.exit_code is not None:
            parts.append(f"exit {run.exit_code}")
        if run.http_status is not None:
            parts.append(f"HTTP {run.http_status}")
        if mark.count > 1:
            parts.append(f"{mark.count} runs in this cell")
        parts.append("enter: details")
        return " · ".join(parts)
    fire = marker.fire
    if fire is None:
        return describe_row_only(s)
    if fire.count == 1:
        head = f"{s.name} fires {zoned_and_utc(fire.first, s)} · {relative(fire.first, now)}"
    else:
        cell_start = window.index_start(marker.index)
        cell_end = window.index_start(marker.index + 1)
        many = f"{DENSE}+" if fire.count >= DENSE else str(fire.count)
        span = f"{to_local(cell_start, zone):%H:%M}-{to_local(cell_end, zone):%H:%M} local"
        head = (
            f"{s.name}: {many} fires in {span}, first {zoned_and_utc(fire.first, s)} · "
            f"{relative(fire.first, now)}"
        )
    return f"{head} · {s.generator.description or s.expression}"


def describe_row_only(schedule: Schedule) -> str:
    """The line for a row without a marker under the cursor."""
    nxt = format_local(schedule.next_run_at, schedule.timezone, seconds=True)
    return (
        f"{schedule.name}: no fire or run in view · next {nxt} · "
        f"{schedule.generator.description or schedule.expression}"
    )


def describe_cursor(
    row: TimelineRow | None,
    marker: Marker | None,
    window: Window,
    now: datetime,
    zone: tzinfo | None = None,
) -> str:
    if row is None:
        return "no active schedules to show"
    if marker is None:
        if row.error:
            return f"{row.schedule.name}: cannot compute fires ({row.error})"
        return describe_row_only(row.schedule)
    return describe_marker(marker, window, now, zone)
