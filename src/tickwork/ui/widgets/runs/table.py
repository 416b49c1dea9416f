"""RunsTable: the run history as a DataTable, one row per run keyed by run id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from tickwork.domain.failures import is_slow
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, trigger_look
from tickwork.domain.timeutil import Clock
from tickwork.ui.theme_styles import status_style
from tickwork.ui.times import WORDS, Times, TimeShown, times_of
from tickwork.ui.widgets.common.lists import LIST_KEYS
from tickwork.ui.widgets.runs.format import (
    SLOW_MARK,
    duration_label,
    elapsed,
    first_line,
    result_label,
    running_for,
    status_label,
)


@dataclass(frozen=True)
class RunColumn:
    key: str
    title: str
    width: int  # what its cells usually take
    drop: int = 0  # left out on a narrow screen: the highest first (0: never)


COLUMNS: tuple[RunColumn, ...] = (
    RunColumn("status", "Status", 12),
    RunColumn("schedule", "Schedule", 16),
    RunColumn("scheduled", "Scheduled for", 19),
    RunColumn("started", "Started", 8, drop=3),
    RunColumn("duration", "Duration", 8),
    RunColumn("attempt", "#", 2, drop=5),
    RunColumn("trigger", "Trigger", 10, drop=4),
    RunColumn("result", "Result", 9, drop=2),
    RunColumn("error", "Error", 16),
)
PADDING = 2  # a DataTable cell's padding, both sides
NAME_LIMIT = 24
ERROR_LIMIT = 120


def columns_for(width: int) -> tuple[RunColumn, ...]:
    """The columns that fit `width` cells, the least useful left out first."""
    shown = list(COLUMNS)
    while sum(c.width + PADDING for c in shown) > width and any(c.drop for c in shown):
        shown.remove(max(shown, key=lambda c: c.drop))
    return tuple(shown)


class RunsTable(DataTable[Text]):
    """Runs, newest first; the columns follow the width, times the app's chosen clock."""

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        "runs-table--muted",
        "runs-table--slow",
    }
    DEFAULT_CSS = """
    RunsTable { height: 1fr; }
    RunsTable > .runs-table--muted { color: $foreground-muted; }
    RunsTable > .runs-table--slow { color: $warning; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open run", tooltip="Times, result, errors and output"),
        *LIST_KEYS,
    ]

    def __init__(
        self,
        clock: Clock,
        *,
        zone: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(cursor_type="row", name=name, id=id, classes=classes)
        self.clock = clock
        self.zone = zone
        self.runs: dict[str, Run] = {}
        self.slow_after: dict[str, float] = {}  # schedule id -> max_duration_warning
        self.zones: dict[str, str] = {}  # schedule id -> its time zone
        self.shown_columns: tuple[RunColumn, ...] = ()

    @property
    def times(self) -> Times:
        chosen = times_of(self.app)
        return Times(chosen.shown, self.zone if self.zone is not None else chosen.local_zone)

    def on_mount(self) -> None:
        self._set_columns(columns_for(self.app.size.width))
        self.app.theme_changed_signal.subscribe(self, self._restyle)
        if hasattr(self.app, "time_shown"):
            self.watch(self.app, "time_shown", self._restyle, init=False)

    def on_resize(self) -> None:
        wanted = columns_for(self.size.width or self.app.size.width)
        if wanted != self.shown_columns:
            self._set_columns(wanted)
            self._restyle(None)

    def _set_columns(self, wanted: tuple[RunColumn, ...]) -> None:
        self.clear(columns=True)
        self.runs = {}
        self.shown_columns = wanted
        clock = self.times.shown
        for column in wanted:
            title = column.title
            if column.key == "scheduled" and clock != TimeShown.SCHEDULE:
                title += f" ({WORDS[clock]})"
            self.add_column(title, key=column.key)

    def _restyle(self, _value: object) -> None:
        keep = self.selected_run_id
        runs = list(self.runs.values())
        self._set_columns(self.shown_columns)
        self.show(runs, keep=keep)

    def _group_style(self, run: Run) -> Style:
        return status_style(self.app, run.status)

    def _cells(self, run: Run) -> list[Text]:
        muted = self.get_component_rich_style("runs-table--muted", partial=True)
        times = self.times
        tz = self.zones.get(run.schedule_id)
        name = run.schedule_name or run.schedule_id
        if len(name) > NAME_LIMIT:
            name = name[: NAME_LIMIT - 1] + "…"
        duration = (
            running_for(run, self.clock())
            if run.status == RunStatus.RUNNING
            else duration_label(run.duration)
        )
        error = first_line(run.error, ERROR_LIMIT)
        duration_style = Style()
        if is_slow(self.slow_after.get(run.schedule_id), elapsed(run, self.clock())):
            duration = f"{SLOW_MARK} {duration}"  # past max_duration_warning
            duration_style = self.get_component_rich_style("runs-table--slow", partial=True)
        in_zones = times.shown == TimeShown.SCHEDULE  # rows of several zones: name each
        scheduled = times.format(run.scheduled_for, tz, seconds=True, zone=in_zones)
        started = "-"
        if run.started_at is not None:
            same_day = times.at(run.started_at, tz).date() == times.at(run.scheduled_for, tz).date()
            started = times.format(run.started_at, tz, date=not same_day, seconds=True, zone=False)
        cells = {
            "status": Text(status_label(run.status), style=self._group_style(run), no_wrap=True),
            "schedule": Text(name, no_wrap=True),
            "scheduled": Text(scheduled, no_wrap=True),
            "started": Text(started, no_wrap=True),
            "duration": Text(duration, style=duration_style, justify="right", no_wrap=True),
            "attempt": Text(str(run.attempt), justify="right", no_wrap=True),
            "trigger": Text(trigger_look(run.trigger).text(), style=muted, no_wrap=True),
            "result": Text(result_label(run), no_wrap=True),
            "error": Text(error, style=self._group_style(run) if error else muted, no_wrap=True),
        }
        return [cells[c.key] for c in self.shown_columns]

    @property
    def selected_run_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except RowDoesNotExist:
            return None
        return key.value

    @property
    def selected_run(self) -> Run | None:
        run_id = self.selected_run_id
        return self.runs.get(run_id) if run_id else None

    def show(self, runs: Iterable[Run], *, keep: str | None = None) -> None:
        """Replace the rows; the cursor stays on run `keep` when it is still listed."""
        self.clear()
        self.runs = {}
        self.append(runs)
        if keep is not None and keep in self.runs:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def append(self, runs: Iterable[Run]) -> int:
        """Add runs not listed yet at the bottom; returns how many were added."""
        added = 0
        for run in runs:
            if run.id in self.runs:
                continue
            self.runs[run.id] = run
            self.add_row(*self._cells(run), key=run.id)
            added += 1
        return added
