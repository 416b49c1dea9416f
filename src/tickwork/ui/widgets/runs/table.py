"""RunsTable: the run history as a DataTable, one row per run keyed by run id."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from tickwork.domain.failures import is_slow
from tickwork.domain.runs import Run
from tickwork.domain.timeutil import Clock
from tickwork.ui.widgets.runs.format import (
    SLOW_MARK,
    STATUS_GROUPS,
    duration_label,
    elapsed,
    first_line,
    local_time,
    result_label,
    running_for,
    started_label,
    status_label,
)

COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("schedule", "Schedule"),
    ("scheduled", "Scheduled for"),
    ("started", "Started"),
    ("duration", "Duration"),
    ("attempt", "#"),
    ("trigger", "Trigger"),
    ("result", "Result"),
    ("error", "Error"),
)
NAME_LIMIT = 24
ERROR_LIMIT = 120


class RunsTable(DataTable[Text]):
    """Runs, newest first. Colours come from the runs-table--* component classes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        "runs-table--succeeded",
        "runs-table--failed",
        "runs-table--running",
        "runs-table--missed",
        "runs-table--muted",
        "runs-table--slow",
    }
    DEFAULT_CSS = """
    RunsTable { height: 1fr; }
    RunsTable > .runs-table--succeeded { color: $success; }
    RunsTable > .runs-table--failed { color: $error; text-style: bold; }
    RunsTable > .runs-table--running { color: $accent; text-style: bold; }
    RunsTable > .runs-table--missed { color: $warning; }
    RunsTable > .runs-table--muted { color: $foreground-muted; }
    RunsTable > .runs-table--slow { color: $warning; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open run", tooltip="Times, result, errors and output"),
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

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self.app.theme_changed_signal.subscribe(self, self._restyle)

    def _restyle(self, _theme: object) -> None:
        self.show(list(self.runs.values()), keep=self.selected_run_id)

    def _group_style(self, run: Run) -> Style:
        group = STATUS_GROUPS.get(run.status, "muted")
        return self.get_component_rich_style(f"runs-table--{group}", partial=True)

    def _cells(self, run: Run) -> list[Text]:
        muted = self.get_component_rich_style("runs-table--muted", partial=True)
        name = run.schedule_name or run.schedule_id
        if len(name) > NAME_LIMIT:
            name = name[: NAME_LIMIT - 1] + "…"
        duration = (
            running_for(run, self.clock())
            if run.status == "running"
            else duration_label(run.duration)
        )
        error = first_line(run.error, ERROR_LIMIT)
        duration_style = Style()
        if is_slow(self.slow_after.get(run.schedule_id), elapsed(run, self.clock())):
            duration = f"{SLOW_MARK} {duration}"  # past max_duration_warning
            duration_style = self.get_component_rich_style("runs-table--slow", partial=True)
        return [
            Text(status_label(run.status), style=self._group_style(run), no_wrap=True),
            Text(name, no_wrap=True),
            Text(local_time(run.scheduled_for, self.zone), no_wrap=True),
            Text(started_label(run, self.zone), no_wrap=True),
            Text(duration, style=duration_style, justify="right", no_wrap=True),
            Text(str(run.attempt), justify="right", no_wrap=True),
            Text(run.trigger, style=muted, no_wrap=True),
            Text(result_label(run), no_wrap=True),
            Text(error, style=self._group_style(run) if error else muted, no_wrap=True),
        ]

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
