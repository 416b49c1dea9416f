"""The home screen: the schedules table, its filter and sort, the detail pane, every action."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label

from tickwork.domain.errors import InvalidSchedule, NotAllowed, ScheduleNotFound
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock
from tickwork.store import Store, StoreError
from tickwork.ui.format import plural
from tickwork.ui.screens.commands import KEYS_HELP, ScreenCommands
from tickwork.ui.screens.confirm import ConfirmScreen
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.schedules.detail import DetailPane
from tickwork.ui.widgets.schedules.pager import ORDER_LABELS, ORDERS, Query
from tickwork.ui.widgets.schedules.table import ScheduleTable

if TYPE_CHECKING:
    from tickwork.ui.app import TickworkApp

FILTER_DEBOUNCE = 0.1
ACTION_ERRORS = (NotAllowed, ScheduleNotFound, InvalidSchedule, StoreError, sqlite3.Error)


class SchedulesScreen(ScreenCommands):
    CSS_PATH = "schedules.tcss"
    KEYS_TITLE = "Schedules"
    AUTO_FOCUS = "ScheduleTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", tooltip="Add a schedule in the form"),
        Binding("e,enter", "edit", "Edit", tooltip="Edit the highlighted schedule"),
        Binding("p", "toggle_pause", "Pause", tooltip="Pause or resume it"),
        Binding("r", "run_now", "Run now", tooltip="Fire it once now (works while paused)"),
        Binding("d", "delete", "Delete", tooltip="Delete it and its runs (asks first)"),
        Binding("c", "clone", "Clone", tooltip="Open the form with a copy of it"),
        Binding(
            "b",
            "backfill",
            "Backfill",
            show=False,
            tooltip="Run the fires of a past window, in order",
        ),
        Binding("slash", "filter", "Filter", tooltip="Filter on name, expression, ids, dedup key"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by next run, name or last outcome"),
        Binding("t", "timeline", "Timeline", tooltip="Runs past and coming, on a time axis"),
        Binding("h", "history", "History", tooltip="Run history of the highlighted schedule"),
        Binding("H", "all_history", "All runs", show=False, tooltip="Run history of everything"),
        Binding(
            "m",
            "calendar",
            "Calendar",
            show=False,
            tooltip="When it fires: a month of days or a week of hours, DST marked",
        ),
        KEYS_HELP,
        Binding("escape", "escape", "Clear filter", show=False, tooltip="Clear the filter"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (stops the embedded runner)"),
    ]

    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self._filter_timer: Timer | None = None
        self._total = 0

    @property
    def tw_app(self) -> TickworkApp:
        from tickwork.ui.app import TickworkApp

        assert isinstance(self.app, TickworkApp)
        return self.app

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(id="list-bar"):
                yield Label("Schedules", id="list-title")
                yield Input(
                    placeholder="/ filter",
                    tooltip="Name, expression, external id or dedup key containing the text",
                    id="filter",
                )
            yield ScheduleTable(self.store, self.clock, id="schedules")
            yield DetailPane(self.store, self.clock, id="detail")
        yield StatusBar()
        yield FittingFooter()

    @property
    def table(self) -> ScheduleTable:
        return self.query_one(ScheduleTable)

    def on_mount(self) -> None:
        self.table.set_query(Query())
        self.set_interval(1.0, self.table.tick)
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        if hasattr(self.app, "time_shown"):
            self.watch(self.app, "time_shown", self._clock_changed, init=False)

    def _clock_changed(self, _shown: object) -> None:
        self.table.refresh()
        self.query_one(DetailPane).refresh_detail()

    def _data_changed(self, _generation: int) -> None:
        self.table.reload()
        self.query_one(DetailPane).refresh_detail()

    # --- table events ----------------------------------------------------------------------

    @on(ScheduleTable.Highlighted)
    def _highlighted(self, event: ScheduleTable.Highlighted) -> None:
        self.query_one(DetailPane).show(event.schedule)

    @on(ScheduleTable.Selected)
    def _selected(self, event: ScheduleTable.Selected) -> None:
        self._open_form(event.schedule, clone=False)

    @on(ScheduleTable.Loaded)
    def _loaded(self, event: ScheduleTable.Loaded) -> None:
        self._total = event.total
        self._show_title()

    def _show_title(self) -> None:
        query = self.table.shown_query
        parts = [f"[b]Schedules[/b] {plural(self._total, 'schedule')}"]
        if query.search:
            parts[0] = f"[b]Schedules[/b] {self._total:,} matching"
        parts.append(f"sorted by {ORDER_LABELS[query.order]}")
        self.query_one("#list-title", Label).update(" · ".join(parts))

    # --- filter and sort -------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_timer = None
        text = self.query_one("#filter", Input).value.strip()
        query = self.table.shown_query
        if (text or None) != query.search:
            self.table.set_query(Query(text or None, query.order))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self._apply_filter()
        self.table.focus()

    def action_escape(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.has_focus and not filter_input.value:
            self.table.focus()
            return
        if filter_input.value:
            filter_input.value = ""
            self._apply_filter()
        self.table.focus()

    def action_cycle_sort(self) -> None:
        query = self.table.shown_query
        order = ORDERS[(ORDERS.index(query.order) + 1) % len(ORDERS)]
        self.table.set_query(Query(query.search, order))
        self.notify(f"Sorted by {ORDER_LABELS[order]}", timeout=1.5)

    # --- actions on the highlighted schedule -----------------------------------------------

    def _current(self) -> Schedule | None:
        current = self.table.current
        if current is None:
            self.notify("No schedule selected", severity="warning", timeout=2)
        return current

    def action_new(self) -> None:
        self._open_form(None, clone=False)

    def action_edit(self) -> None:
        if (current := self._current()) is not None:
            self._open_form(current, clone=False)

    def action_clone(self) -> None:
        if (current := self._current()) is not None:
            self._open_form(current, clone=True)

    def _open_form(self, schedule: Schedule | None, *, clone: bool) -> None:
        from tickwork.ui.screens.edit import EditScreen

        self.app.push_screen(
            EditScreen(self.store, self.clock, schedule, clone=clone), self._form_closed
        )

    def _form_closed(self, saved: Schedule | None) -> None:
        if saved is not None:
            self.table.replace_row(saved)
            self.tw_app.data_changed()

    def action_toggle_pause(self) -> None:
        if (current := self._current()) is not None:
            self.run_worker(self._set_active(current, not current.active), group="write")

    async def _set_active(self, schedule: Schedule, active: bool) -> None:
        try:
            verb = "resumed" if active else "paused"  # a DECLARATIVE one: "cannot be paused"
            updated, changed = await asyncio.to_thread(
                self.store.set_active, schedule.id, active, verb=verb
            )
        except ACTION_ERRORS as exc:
            self.notify(str(exc), title="Not changed", severity="error")
            return
        if changed:
            verb = "Resumed" if active else "Paused"
            self.notify(f"{verb} {updated.name!r}", timeout=2)
        self.table.replace_row(updated)
        self.tw_app.data_changed()

    def action_run_now(self) -> None:
        if (current := self._current()) is not None:
            self.run_worker(self._run_now(current), group="write")

    async def _run_now(self, schedule: Schedule) -> None:
        from tickwork.runner import trigger_now

        try:
            run = await trigger_now(self.store, schedule.id, clock=self.clock)
        except ACTION_ERRORS as exc:
            self.notify(str(exc), title="Not started", severity="error")
            return
        status = self.tw_app.status
        if status.runner_kind in ("active", "standby", "headless"):
            self.notify(f"Started {schedule.name!r} (run {run.id})", timeout=3)
        else:
            self.notify(
                f"Queued {schedule.name!r} (run {run.id}): it starts when a runner is alive",
                severity="warning",
            )
        self.tw_app.data_changed()

    def action_backfill(self) -> None:
        from tickwork.ui.screens.backfill import BackfillScreen

        if (current := self._current()) is not None:
            self.app.push_screen(
                BackfillScreen(self.store, self.clock, current), self._backfill_queued
            )

    def _backfill_queued(self, count: int | None) -> None:
        if not count:
            return
        if self.tw_app.status.runner_kind in ("active", "standby", "headless"):
            self.notify(f"Queued {plural(count, 'backfill run')}: the runner starts them in order")
        else:
            self.notify(
                f"Queued {plural(count, 'backfill run')}: they start when a runner is alive",
                severity="warning",
            )
        self.tw_app.data_changed()

    def action_delete(self) -> None:
        current = self._current()
        if current is None:
            return
        if current.type == "DECLARATIVE":
            where = current.declared_in or "a schedules file"
            self.notify(
                f"{current.name!r} is DECLARATIVE (declared in {where}): delete it there",
                severity="error",
            )
            return
        message = (
            f"{current.name}\n{current.expression} · {current.generator.description}\n\n"
            f"Its {plural(current.run_count, 'recorded run')} go too. This cannot be undone."
        )
        self.app.push_screen(
            ConfirmScreen("Delete this schedule?", message, yes="Delete", danger=True),
            partial(self._delete_answered, current),
        )

    def _delete_answered(self, schedule: Schedule, yes: bool | None) -> None:
        if yes:
            self.run_worker(self._delete(schedule), group="write")

    async def _delete(self, schedule: Schedule) -> None:
        try:
            await asyncio.to_thread(self.store.delete, schedule.id)
        except ACTION_ERRORS as exc:
            self.notify(str(exc), title="Not deleted", severity="error")
            return
        self.notify(f"Deleted {schedule.name!r}", timeout=2)
        self.tw_app.data_changed()

    # --- other screens ---------------------------------------------------------------------

    def action_timeline(self) -> None:
        try:
            from tickwork.ui.screens.timeline import TimelineScreen
        except ModuleNotFoundError as exc:
            if exc.name != "tickwork.ui.screens.timeline":
                raise
            self.notify("timeline not available yet", severity="warning")
            return
        search = self.table.shown_query.search
        self.app.push_screen(TimelineScreen(self.store, self.clock, search=search))

    def action_calendar(self) -> None:
        from tickwork.ui.screens.calendar import CalendarScreen

        if (current := self._current()) is not None:
            self.app.push_screen(CalendarScreen(current, self.clock))

    def action_history(self) -> None:
        current = self.table.current
        self._open_runs(current.id if current is not None else None)

    def action_all_history(self) -> None:
        self._open_runs(None)

    def _open_runs(self, schedule_id: str | None) -> None:
        try:
            from tickwork.ui.screens.runs import RunsScreen
        except ModuleNotFoundError as exc:
            if exc.name != "tickwork.ui.screens.runs":
                raise
            self.notify("run history not available yet", severity="warning")
            return
        self.app.push_screen(RunsScreen(self.store, self.clock, schedule_id=schedule_id))

    def widget_keys(self) -> Sequence[tuple[str, Widget, Sequence[BindingType]]]:
        return [("Moving in the list", self.table, ScheduleTable.BINDINGS)]
