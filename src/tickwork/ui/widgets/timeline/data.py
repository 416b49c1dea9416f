"""What the timeline shows, computed off the event loop: fires per cell and recent runs per cell.

Fires come from `spec.upcoming` (the function the runner uses), so the picture is what will fire.
Dense schedules are not expanded fire by fire: once a cell holds DENSE fires the walk jumps to
the next cell, so a row costs at most about (fires / DENSE + columns) calls to `spec.upcoming`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus
from tickwork.store import Store
from tickwork.ui.widgets.timeline.window import Window

MAX_ROWS = 500  # schedules drawn; more are counted and reported, not drawn
DENSE = 10  # a cell with this many fires or more is drawn as "dense" (count shown as 10+)
MAX_RUNS = 5000  # runs read for the past part of the window
_TICK = timedelta(microseconds=1)

# When several runs share a cell, the one shown: running first, then failures, ...
PRECEDENCE: tuple[RunStatus, ...] = (
    RunStatus.RUNNING,
    RunStatus.FAILED,
    RunStatus.TIMED_OUT,
    RunStatus.ABANDONED,
    RunStatus.MISSED,
    RunStatus.SKIPPED,
    RunStatus.SUCCEEDED,
    RunStatus.PENDING,
    RunStatus.CANCELLED,
)


def precedence(status: str) -> int:
    """Lower wins the cell (an unknown status loses to all)."""
    try:
        return PRECEDENCE.index(RunStatus(status))
    except ValueError:
        return len(PRECEDENCE)


@dataclass(frozen=True)
class FireCell:
    """The fires of one schedule in one cell: how many (capped at DENSE) and the first one."""

    count: int
    first: datetime


@dataclass(frozen=True)
class RunMark:
    """The runs of one schedule in one cell; `run` is the one whose outcome is shown."""

    run: Run
    count: int

    @property
    def status(self) -> str:
        return self.run.status


@dataclass
class TimelineRow:
    schedule: Schedule
    fires: dict[int, FireCell] = field(default_factory=dict)
    runs: dict[int, RunMark] = field(default_factory=dict)
    running_since: int | None = None  # cell index where the oldest running run started
    error: str | None = None

    def marker_indices(self, window: Window) -> list[int]:
        """Sorted cell indices of the markers (fires and runs) inside the window."""
        lo, hi = window.start_index, window.start_index + window.columns
        return sorted(i for i in set(self.fires) | set(self.runs) if lo <= i < hi)


@dataclass(frozen=True)
class Marker:
    """What the cursor points at: a fire cell or a run cell of one row."""

    row: int
    index: int
    schedule: Schedule
    fire: FireCell | None
    run: RunMark | None


@dataclass
class TimelineData:
    window: Window
    computed_at: datetime
    rows: list[TimelineRow]
    total: int  # schedules matching the filter (rows holds at most MAX_ROWS of them)
    version: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def fire_cells(schedule: Schedule, window: Window, after: datetime) -> dict[int, FireCell]:
    """Fires of `schedule` strictly after `after` and before the window's end, per cell."""
    cells: dict[int, FireCell] = {}
    end = window.end
    cursor = max(after, window.start - _TICK)
    for _ in range(window.columns * 4 + 64):  # a hard bound; the walk ends long before
        batch = spec.upcoming(schedule, cursor, DENSE)
        for moment in batch:
            if moment >= end:
                return cells
            i = window.index(moment)
            seen = cells.get(i)
            cells[i] = (
                FireCell(1, moment)
                if seen is None
                else FireCell(min(seen.count + 1, DENSE), seen.first)
            )
        if len(batch) < DENSE:
            break
        last = window.index(batch[-1])
        cursor = window.index_start(last + 1) - _TICK if cells[last].count >= DENSE else batch[-1]
    return cells


def place_runs(rows: Iterable[TimelineRow], runs: Iterable[Run], window: Window) -> None:
    """Put each run in its row at the cell where it started (or was due, if it never started)."""
    by_id = {row.schedule.id: row for row in rows}
    for run in runs:
        row = by_id.get(run.schedule_id)
        if row is None:
            continue
        moment = run.started_at or run.scheduled_for
        running = run.status == RunStatus.RUNNING
        if running and window.start > moment:
            moment = window.start  # a long run that began before the window: pin it to the edge
        if not window.contains(moment):
            continue
        i = window.index(moment)
        if running:
            row.running_since = i if row.running_since is None else min(row.running_since, i)
        seen = row.runs.get(i)
        if seen is None:
            row.runs[i] = RunMark(run, 1)
        elif precedence(run.status) < precedence(seen.status):
            row.runs[i] = RunMark(run, seen.count + 1)
        else:
            row.runs[i] = RunMark(seen.run, seen.count + 1)


FireCache = dict[str, tuple[tuple[object, ...], dict[int, FireCell], str | None]]


def _fire_key(schedule: Schedule, window: Window) -> tuple[object, ...]:
    """Everything the fires of `schedule` in `window` depend on (now only trims the past)."""
    return (
        schedule.expression,
        schedule.timezone,
        schedule.anchor_at,
        schedule.end_at,
        schedule.max_runs,
        schedule.run_count,
        schedule.updated_at,
        window,
    )


def build_rows(
    schedules: Iterable[Schedule],
    runs: Iterable[Run],
    window: Window,
    now: datetime,
    cache: FireCache | None = None,
) -> list[TimelineRow]:
    """One row per schedule: future fires (after `now`) and the runs inside the window.

    With a `cache` (kept between loads), fires of unchanged schedules in the same window are
    reused: a reload after a run was recorded only recomputes what changed."""
    rows: list[TimelineRow] = []
    fresh: FireCache = {}
    for schedule in schedules:
        row = TimelineRow(schedule)
        key = _fire_key(schedule, window)
        hit = cache.get(schedule.id) if cache is not None else None
        if hit is not None and hit[0] == key:
            row.fires, row.error = hit[1], hit[2]
        else:
            try:
                row.fires = fire_cells(schedule, window, now)
            except ValueError as exc:  # a stored expression this version cannot read
                row.error = str(exc)
        fresh[schedule.id] = (key, row.fires, row.error)
        rows.append(row)
    if cache is not None:
        cache.clear()
        cache.update(fresh)
    place_runs(rows, runs, window)
    return rows


class TimelineSource:
    """Reads what a timeline needs from the store. Blocking: call it from a thread worker."""

    def __init__(self, store: Store, search: str | None = None, max_rows: int = MAX_ROWS) -> None:
        self.store = store
        self.search = search or None
        self.max_rows = max_rows
        self.cache: FireCache = {}

    def data_version(self) -> int:
        return self.store.content_version()

    def load(self, window: Window, now: datetime) -> TimelineData:
        version = self.store.content_version()
        schedules = self.store.list("active", self.search, order="name", limit=self.max_rows)
        total = self.store.count("active", self.search)
        runs = self.store.runs.since(window.start, limit=MAX_RUNS)
        seen = {run.id for run in runs}
        running = self.store.runs.list(status=RunStatus.RUNNING, limit=self.max_rows)
        runs += [run for run in running if run.id not in seen]
        rows = build_rows(schedules, runs, window, now, self.cache)
        return TimelineData(window, now, rows, max(total, len(rows)), version)
