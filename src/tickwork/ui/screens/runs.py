"""The run history: runs across schedules (or of one), newest first, filtered and paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, get_current_worker

from tickwork.domain.runs import Run
from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.ui.screens.commands import KEYS_HELP, ScreenCommands
from tickwork.ui.screens.run_detail import RunDetailScreen
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.pictures.widgets import RunsSummary
from tickwork.ui.widgets.runs import (
    PAGE_SIZE,
    RunPage,
    RunQuery,
    RunsTable,
    fetch_runs,
    load_page,
    next_outcome,
)

SHORT = 34  # lines: below this the histogram is one line tall
MORE_MARGIN = 5  # load the next page when the cursor comes this close to the last row


class RunsScreen(ScreenCommands):
    """Runs newest first; `o` cycles the outcome filter, `/` filters on the schedule name."""

    CSS_PATH = "runs.tcss"
    KEYS_TITLE = "Run history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Leave the filter, then the history"),
        Binding(
            "o",
            "cycle_outcome",
            "Outcome",
            tooltip="Show all, failed, succeeded, running, missed or skipped runs",
        ),
        Binding(
            "slash", "filter", "Filter names", tooltip="Only runs of schedules named like this"
        ),
        KEYS_HELP,
    ]

    def widget_keys(self) -> Sequence[tuple[str, Widget, Sequence[BindingType]]]:
        return [("Moving in the list", self.table, RunsTable.BINDINGS)]

    def __init__(
        self,
        store: Store,
        clock: Clock,
        schedule_id: str | None = None,
        *,
        local_zone: tzinfo | None = None,
        page_size: int = PAGE_SIZE,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`schedule_id` limits the history to one schedule; `local_zone` (default: the
        system's) is the zone times are shown in."""
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.clock = clock
        self.local_zone = local_zone
        self.page_size = page_size
        self.run_query = RunQuery(schedule_id=schedule_id)
        self.total = 0
        self._version: int | None = None
        self._loader: Worker[None] | None = None
        self._more: Worker[None] | None = None
        self._schedule_name: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(self._title()), id="runs-title")
        with Horizontal(id="runs-bar"):
            yield Input(placeholder="/ filter by schedule name", id="runs-filter")
            yield Static(Content(self._outcome_text()), id="runs-outcome")
        yield RunsSummary(id="runs-summary")
        yield RunsTable(self.clock, zone=self.local_zone, id="runs-table")
        yield Static(Content("loading…"), id="runs-status")
        yield StatusBar()
        yield FittingFooter()

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    def on_resize(self) -> None:
        """A short terminal gets a one-line histogram (the table needs the rows)."""
        self.query_one(RunsSummary).bar_height = 1 if self.size.height < SHORT else 3

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()
        self.set_interval(1, self._poll)

    # --- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the first pages again (as many rows as are shown, at least one page)."""
        limit = max(self.page_size, self.table.row_count)
        self._loader = self._load(self.run_query, limit)

    @work(thread=True, exclusive=True, group="runs-load")
    def _load(self, query: RunQuery, limit: int) -> None:
        page = load_page(self.store, query, limit=limit)
        name = None
        if query.schedule_id and self._schedule_name is None:
            found = self.store.find(query.schedule_id)
            name = found.name if found is not None else query.schedule_id
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._apply, query, page, name)

    def _apply(self, query: RunQuery, page: RunPage, name: str | None) -> None:
        if query != self.run_query:
            return  # the filter changed while this page was read
        if name is not None:
            self._schedule_name = name
            self.query_one("#runs-title", Static).update(Content(self._title()))
        self._version = page.version
        self.total = page.total
        self.table.slow_after = page.slow_after
        self.table.zones = page.zones
        self.table.show(page.runs, keep=self.table.selected_run_id)
        self.query_one(RunsSummary).show(list(self.table.runs.values()))
        self._update_status()

    @work(thread=True, group="runs-more")
    def _load_more(self, query: RunQuery, offset: int) -> None:
        runs = fetch_runs(self.store, query, offset=offset, limit=self.page_size)
        self.app.call_from_thread(self._append, query, runs)

    def _append(self, query: RunQuery, runs: list[Run]) -> None:
        if query == self.run_query:
            self.table.append(runs)
            self.query_one(RunsSummary).show(list(self.table.runs.values()))
            self._update_status()

    def _poll(self) -> None:
        if self._loader is not None and self._loader.is_running:
            return
        self._check_version()

    @work(thread=True, exclusive=True, group="runs-poll")
    def _check_version(self) -> None:
        if self.store.content_version() != self._version:
            self.app.call_from_thread(self.reload)

    # --- text --------------------------------------------------------------------------------

    def _title(self) -> str:
        if self.run_query.schedule_id:
            return f"Run history · {self._schedule_name or self.run_query.schedule_id}"
        return "Run history · all schedules"

    def _outcome_text(self) -> str:
        return f"outcome: {self.run_query.outcome} (o)"

    def _update_status(self) -> None:
        shown = self.table.row_count
        if not self.total:
            text = "no runs match" if self._filtered() else "no runs yet"
        else:
            text = f"{shown:,} of {self.total:,} runs, newest first"
            if shown < self.total:
                text += " · move down for more"
        if self._filtered():
            text += " · " + self.run_query.describe()
        self.query_one("#runs-status", Static).update(Content(text))

    def _filtered(self) -> bool:
        return self.run_query.outcome != "all" or bool(self.run_query.name.strip())

    # --- events and actions ------------------------------------------------------------------

    def _set_query(self, query: RunQuery) -> None:
        self.run_query = query
        self.query_one("#runs-outcome", Static).update(Content(self._outcome_text()))
        self.table.show([])
        self.query_one("#runs-status", Static).update(Content("loading…"))
        self._loader = self._load(query, self.page_size)

    @on(DataTable.RowHighlighted, "#runs-table")
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        table = self.table
        near_end = event.cursor_row >= table.row_count - MORE_MARGIN
        busy = self._more is not None and self._more.is_running
        if near_end and table.row_count < self.total and not busy:
            self._more = self._load_more(self.run_query, table.row_count)

    @on(DataTable.RowSelected, "#runs-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(
                RunDetailScreen(
                    self.store, event.row_key.value, clock=self.clock, local_zone=self.local_zone
                )
            )

    @on(Input.Changed, "#runs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value != self.run_query.name:
            self._set_query(replace(self.run_query, name=event.value))

    @on(Input.Submitted, "#runs-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_cycle_outcome(self) -> None:
        self._set_query(replace(self.run_query, outcome=next_outcome(self.run_query.outcome)))

    def action_filter(self) -> None:
        self.query_one("#runs-filter", Input).focus()

    def action_back(self) -> None:
        if self.focused is self.query_one("#runs-filter", Input):
            self.table.focus()
            return
        self.dismiss(None)
