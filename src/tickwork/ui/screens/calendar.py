"""When the highlighted schedule fires, as a month of days or a week of hours (`m` from the list).

"every second Tuesday" or `0 9 1-7 * 1` (cron's day rule: days 1-7 OR Mondays) can be checked
at a glance; days where daylight saving time moved a fire or skipped a local time are marked and
listed. The fires are those of spec.upcoming: what the runner will fire.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static
from textual.worker import get_current_worker

from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock
from tickwork.ui.format import plural
from tickwork.ui.screens.commands import KEYS_HELP, ScreenCommands
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.pictures.calendar_data import (
    MonthView,
    WeekView,
    monday_of,
    month_of,
    month_view,
    shift_month,
    week_view,
)
from tickwork.ui.widgets.pictures.calendar_view import CalendarGrid, legend
from tickwork.ui.widgets.pictures.widgets import cells_content


class CalendarScreen(ScreenCommands):
    CSS_PATH = "calendar.tcss"
    KEYS_TITLE = "Calendar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m", "back", "Back", tooltip="Back to the schedules"),
        Binding("w", "toggle_span", "Week/month", tooltip="A week of hours or a month of days"),
        Binding("left_square_bracket", "step(-1)", "Earlier", tooltip="The month (week) before"),
        Binding("right_square_bracket", "step(1)", "Later", tooltip="The month (week) after"),
        Binding("full_stop", "today", "Today", tooltip="Back to the month (week) of now"),
        KEYS_HELP,
    ]

    def __init__(self, schedule: Schedule, clock: Clock) -> None:
        super().__init__()
        self.schedule = schedule
        self.clock = clock
        self.span = "month"
        now = clock()
        self.year, self.month = month_of(now, schedule.timezone)
        self.monday = monday_of(now, schedule.timezone)

    def compose(self) -> ComposeResult:
        yield Static(id="calendar-title")
        with VerticalScroll(id="calendar-body"):
            yield CalendarGrid(id="calendar-grid")
            yield Static(id="calendar-notes")
        yield Static(cells_content(legend()), id="calendar-legend")
        yield StatusBar()
        yield FittingFooter()

    def on_mount(self) -> None:
        self.query_one("#calendar-body").focus()
        self._load()

    @work(thread=True, exclusive=True, group="calendar")
    def _load(self) -> None:
        now = self.clock()
        view: MonthView | WeekView = (
            month_view(self.schedule, self.year, self.month, now)
            if self.span == "month"
            else week_view(self.schedule, self.monday, now)
        )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, view)

    def _show(self, view: MonthView | WeekView) -> None:
        s = self.schedule
        if isinstance(view, MonthView):
            when = view.title
        else:
            last = view.monday + timedelta(days=6)
            when = f"week of {view.monday:%Y-%m-%d} – {last:%m-%d}"
        title = Content.assemble(
            (f"{s.name}", "bold $accent"),
            (f"  {s.expression} · {s.generator.description}", "$foreground-muted"),
            ("\n", ""),
            (f"{when}", "bold"),
            (f" · {s.timezone} · {plural(view.total, 'fire')} from now on", "$foreground-muted"),
            ("" if s.active else " (paused: if resumed)", "$warning"),
        )
        self.query_one("#calendar-title", Static).update(title)
        self.query_one(CalendarGrid).show(view)
        notes = view.notes or ["no DST change moves or skips a fire in this span"]
        self.query_one("#calendar-notes", Static).update(
            Content.styled("\n".join(notes), "$warning" if view.notes else "$foreground-muted")
        )

    # --- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_span(self) -> None:
        self.span = "week" if self.span == "month" else "month"
        self._load()

    def action_step(self, by: int) -> None:
        if self.span == "month":
            self.year, self.month = shift_month(self.year, self.month, by)
        else:
            self.monday += timedelta(days=7 * by)
        self._load()

    def action_today(self) -> None:
        now: datetime = self.clock()
        self.year, self.month = month_of(now, self.schedule.timezone)
        self.monday = monday_of(now, self.schedule.timezone)
        self._load()
