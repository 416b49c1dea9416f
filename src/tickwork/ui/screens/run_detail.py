"""One run in full: status, times, attempt, trigger, result, errors and the captured output."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from tickwork.domain.runs import Run
from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.runs.format import (
    STATUS_GROUPS,
    duration_label,
    local_time_zoned,
    result_label,
    running_for,
    status_label,
)

LABEL_WIDTH = 15
GROUP_VARIABLES = {
    "succeeded": "$success",
    "failed": "$error",
    "running": "$accent",
    "missed": "$warning",
    "muted": "$foreground-muted",
}
NO_OUTPUT = "(no output captured)"


def run_fields(run: Run, now_text: str | None, zone: tzinfo | None) -> Content:
    """The field block: one 'label  value' line per field, the status coloured by outcome."""
    group = STATUS_GROUPS.get(run.status, "muted")

    def line(label: str, value: str | Content, style: str = "") -> Content:
        body = value if isinstance(value, Content) else Content.styled(value, style)
        return Content.assemble((label.ljust(LABEL_WIDTH), "$foreground-muted"), body)

    duration = duration_label(run.duration)
    if run.status == "running" and now_text:
        duration = f"running for {now_text}"
    lines = [
        line("Status", status_label(run.status), f"bold {GROUP_VARIABLES[group]}"),
        line("Schedule", f"{run.schedule_name or '(deleted schedule)'}  {run.schedule_id}"),
        line("Run", run.id),
        line("Attempt", str(run.attempt)),
        line("Trigger", run.trigger),
        line("Scheduled for", local_time_zoned(run.scheduled_for, zone)),
        line("Started", local_time_zoned(run.started_at, zone)),
        line("Finished", local_time_zoned(run.finished_at, zone)),
        line("Duration", duration),
        line("Result", result_label(run)),
    ]
    if run.host or run.pid:
        lines.append(line("Runner", f"{run.host or '?'} pid {run.pid or '?'}"))
    error_style = "$error" if run.error else "$foreground-muted"
    lines.append(line("Error", _block(run.error), error_style))
    notify_style = "$warning" if run.notify_error else "$foreground-muted"
    lines.append(line("Notify error", _block(run.notify_error), notify_style))
    return Content("\n").join(lines)


def _block(text: str | None, max_lines: int = 4) -> str:
    """Up to `max_lines` lines of a message, indented under its label."""
    if not text:
        return "-"
    lines = text.strip().splitlines() or ["-"]
    shown = lines[:max_lines]
    if len(lines) > max_lines:
        shown.append(f"… {len(lines) - max_lines} more lines")
    return ("\n" + " " * LABEL_WIDTH).join(shown)


class RunDetailScreen(Screen[None]):
    """A run's fields and its output (read-only, scrollable). Refreshes while the run changes."""

    CSS_PATH = "run_detail.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where the run was opened"),
    ]

    def __init__(
        self,
        store: Store,
        run_id: str,
        *,
        clock: Clock,
        local_zone: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.run_id = run_id
        self.clock = clock
        self.local_zone = local_zone
        self.run: Run | None = None
        self._version: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Run {self.run_id}"), id="run-title")
        yield Static(Content("loading…"), id="run-fields")
        yield Static(Content("Output"), id="run-output-label")
        output = TextArea(
            "", read_only=True, soft_wrap=False, show_line_numbers=True, id="run-output"
        )
        output.match_cursor_bracket = False
        yield output
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#run-output", TextArea).focus()
        self._load(force=True)
        self.set_interval(1, self._poll)

    def _poll(self) -> None:
        run = self.run
        if run is not None and run.status == "running":  # the elapsed time moves on its own
            elapsed = running_for(run, self.clock())
            self.query_one("#run-fields", Static).update(run_fields(run, elapsed, self.local_zone))
        self._load(force=False)

    @work(thread=True, exclusive=True, group="run-detail")
    def _load(self, force: bool) -> None:
        version = self.store.content_version()
        if not force and version == self._version:
            return
        run = self.store.runs.get(self.run_id)
        self.app.call_from_thread(self._show, run, version)

    def _show(self, run: Run | None, version: int) -> None:
        self._version = version
        fields = self.query_one("#run-fields", Static)
        output = self.query_one("#run-output", TextArea)
        if run is None:
            fields.update(Content(f"run {self.run_id} no longer exists (pruned or deleted)"))
            return
        self.run = run
        title = f"Run of {run.schedule_name or run.schedule_id} · {status_label(run.status)}"
        self.query_one("#run-title", Static).update(Content(title))
        elapsed = running_for(run, self.clock()) if run.status == "running" else None
        fields.update(run_fields(run, elapsed, self.local_zone))
        text = (run.output or "").removesuffix("\n") or NO_OUTPUT  # no empty last line
        if output.text != text:
            at_end = output.cursor_location[0] >= output.document.line_count - 1
            output.load_text(text)
            if at_end and run.status == "running":
                output.move_cursor(output.document.end)
        size = len(run.output or "")
        label = f"Output · {size:,} characters" if size else "Output"
        self.query_one("#run-output-label", Static).update(Content(label))

    def action_back(self) -> None:
        self.dismiss(None)
