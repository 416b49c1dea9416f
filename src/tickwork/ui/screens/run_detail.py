"""One run in full: status, times, attempt, trigger, result, errors and the captured output."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static, TextArea

from tickwork.domain.humanize import error_headline
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus, look, trigger_look
from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.ui.screens.commands import KEYS_HELP, ScreenCommands
from tickwork.ui.times import Times, times_of
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.runs.format import (
    duration_label,
    result_label,
    running_for,
    status_label,
)

LABEL_WIDTH = 15
NO_OUTPUT = "(no output captured)"


def runner_text(run: Run, runner: RunnerLease | None) -> str:
    """Who ran it: the runner process (while its lease lives), else what the run recorded."""
    if runner is not None:
        return f"{runner.mode} runner on {runner.host}, pid {runner.pid} (alive)"
    if run.runner_id:
        return f"{run.runner_id} on {run.host or '?'} (no longer running)"
    return "-"


def run_fields(
    run: Run,
    now_text: str | None,
    times: Times,
    runner: RunnerLease | None = None,
    tz: str | None = None,
) -> Content:
    """The field block: one 'label  value' line per field, the status coloured by outcome;
    times on the chosen clock (`tz`: the schedule's zone), each with its zone named."""
    outcome = look(run.status)

    def when(moment: datetime | None) -> str:
        return times.format(moment, tz, millis=True)

    def line(label: str, value: str | Content, style: str = "") -> Content:
        body = value if isinstance(value, Content) else Content.styled(value, style)
        return Content.assemble((label.ljust(LABEL_WIDTH), "$foreground-muted"), body)

    duration = duration_label(run.duration)
    if run.status == RunStatus.RUNNING and now_text:
        duration = f"running for {now_text}"
    lines = [
        line("Status", outcome.text(), f"bold {outcome.markup}"),
        line("Schedule", f"{run.schedule_name or '(deleted schedule)'}  {run.schedule_id}"),
        line("Run", run.id),
        line("Attempt", str(run.attempt)),
        line("Trigger", trigger_look(run.trigger).text()),
        line("Scheduled for", when(run.scheduled_for)),
        line("Started", when(run.started_at)),
        line("Finished", when(run.finished_at)),
        line("Duration", duration),
        line("Result", result_label(run)),
    ]
    if run.runner_id or run.host:
        lines.append(line("Runner", runner_text(run, runner)))
    if run.pid is not None:
        lines.append(line("Process", f"pid {run.pid} (the action's process group, on {run.host})"))
    error_style = "$error" if run.error else "$foreground-muted"
    lines.append(line("Error", _block(error_text(run.error)), error_style))
    notify_style = "$warning" if run.notify_error else "$foreground-muted"
    lines.append(line("Notify error", _block(run.notify_error), notify_style))
    return Content("\n").join(lines)


def error_text(text: str | None) -> str | None:
    """A Python traceback is shown as its exception line first (the rest is in the output)."""
    headline = error_headline(text)
    if text and headline and not text.strip().startswith(headline):
        return f"{headline}\n{text.strip()}"
    return text


def _block(text: str | None, max_lines: int = 4) -> str:
    """Up to `max_lines` lines of a message, indented under its label."""
    if not text:
        return "-"
    lines = text.strip().splitlines() or ["-"]
    shown = lines[:max_lines]
    if len(lines) > max_lines:
        shown.append(f"… {len(lines) - max_lines} more lines")
    return ("\n" + " " * LABEL_WIDTH).join(shown)


class RunDetailScreen(ScreenCommands):
    """A run's fields and its output (read-only, scrollable). Refreshes while the run changes."""

    CSS_PATH = "run_detail.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where the run was opened"),
        KEYS_HELP,
    ]
    KEYS_TITLE = "One run"

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
        self.runner: RunnerLease | None = None
        self.zone_name: str | None = None  # the run's schedule's time zone
        self._version: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Run {self.run_id}"), id="run-title")
        with VerticalScroll(id="run-fields-box", can_focus=False):
            yield Static(Content("loading…"), id="run-fields")
        yield Static(Content("Output"), id="run-output-label")
        output = TextArea(
            "", read_only=True, soft_wrap=False, show_line_numbers=True, id="run-output"
        )
        output.match_cursor_bracket = False
        yield output
        yield StatusBar()
        yield FittingFooter()

    def on_mount(self) -> None:
        self.query_one("#run-output", TextArea).focus()
        self._load(force=True)
        if hasattr(self.app, "time_shown"):
            self.watch(self.app, "time_shown", self._clock_changed, init=False)
        self.set_interval(1, self._poll)

    def _poll(self) -> None:
        run = self.run
        if run is not None and run.status == RunStatus.RUNNING:  # the elapsed time moves on its own
            elapsed = running_for(run, self.clock())
            fields = run_fields(run, elapsed, self.times, self.runner, self.zone_name)
            self.query_one("#run-fields", Static).update(fields)
        self._load(force=False)

    @work(thread=True, exclusive=True, group="run-detail")
    def _load(self, force: bool) -> None:
        version = self.store.content_version()
        if not force and version == self._version:
            return
        run = self.store.runs.get(self.run_id)
        runner = None
        if run is not None and run.runner_id:
            runner = next((r for r in self.store.leases.all() if r.id == run.runner_id), None)
        schedule = self.store.find(run.schedule_id) if run is not None else None
        tz = schedule.timezone if schedule is not None else None
        self.app.call_from_thread(self._show, run, version, runner, tz)

    @property
    def times(self) -> Times:
        """The app's chosen clock; this screen's `local_zone` (tests pin it) as local."""
        chosen = times_of(self.app)
        local = self.local_zone if self.local_zone is not None else chosen.local_zone
        return Times(chosen.shown, local)

    def _clock_changed(self, _shown: object) -> None:
        self._load(force=True)

    def _show(
        self,
        run: Run | None,
        version: int,
        runner: RunnerLease | None = None,
        tz: str | None = None,
    ) -> None:
        self.runner = runner
        self.zone_name = tz
        self._version = version
        fields = self.query_one("#run-fields", Static)
        output = self.query_one("#run-output", TextArea)
        if run is None:
            fields.update(Content(f"run {self.run_id} no longer exists (pruned or deleted)"))
            return
        self.run = run
        title = f"Run of {run.schedule_name or run.schedule_id} · {status_label(run.status)}"
        self.query_one("#run-title", Static).update(Content(title))
        elapsed = running_for(run, self.clock()) if run.status == RunStatus.RUNNING else None
        fields.update(run_fields(run, elapsed, self.times, runner, tz))
        text = (run.output or "").removesuffix("\n") or NO_OUTPUT  # no empty last line
        if output.text != text:
            at_end = output.cursor_location[0] >= output.document.line_count - 1
            output.load_text(text)
            if at_end and run.status == RunStatus.RUNNING:
                output.move_cursor(output.document.end)
        size = len(run.output or "")
        label = f"Output · {size:,} characters" if size else "Output"
        self.query_one("#run-output-label", Static).update(Content(label))

    def action_back(self) -> None:
        self.dismiss(None)
