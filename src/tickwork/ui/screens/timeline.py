"""The timeline screen: the coming hours of the filtered schedules, the recent runs behind "now"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tickwork.domain.status import LOOKS, RunStatus
from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.ui.screens.commands import KEYS_HELP, ScreenCommands
from tickwork.ui.screens.run_detail import RunDetailScreen
from tickwork.ui.times import TimeShown, times_of
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.timeline import TimelineSource, TimelineView
from tickwork.ui.widgets.timeline.cells import DENSE_GLYPH, FIRE_GLYPH

LEGEND_STATUSES = (
    RunStatus.SUCCEEDED,
    RunStatus.FAILED,
    RunStatus.TIMED_OUT,
    RunStatus.MISSED,
    RunStatus.SKIPPED,
    RunStatus.RUNNING,
)
LEGEND = Content.assemble(
    (FIRE_GLYPH, "$primary"),
    " fire  ",
    ("▂▄▆", "$primary"),
    " 2-9 fires  ",
    (DENSE_GLYPH, "$primary"),
    " 10+ fires  ",
    *(
        part
        for status in LEGEND_STATUSES
        for part in ((LOOKS[status].icon, LOOKS[status].markup), f" {LOOKS[status].label}  ")
    ),
    ("│", "$warning"),
    " now",
)


class TimelineScreen(ScreenCommands):
    """Fires ahead (from spec.upcoming) and runs behind, one row per active schedule."""

    CSS_PATH = "timeline.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t", "back", "Back", tooltip="Back to the schedules"),
        KEYS_HELP,
    ]
    KEYS_TITLE = "Timeline"

    def widget_keys(self) -> Sequence[tuple[str, Widget, Sequence[BindingType]]]:
        return [("Moving and zooming", self.view, TimelineView.BINDINGS)]

    def __init__(
        self,
        store: Store,
        clock: Clock,
        search: str | None = None,
        *,
        local_zone: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`search` is the schedules screen's filter; `local_zone` (default: the system's)
        is the zone of the axis labels."""
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.clock = clock
        self.search = search or None
        self.local_zone = local_zone

    def compose(self) -> ComposeResult:
        title = "Timeline · active schedules"
        if self.search:
            title += f" matching {self.search!r}"
        yield Static(Content(title), id="timeline-title")
        yield Static(LEGEND, id="timeline-legend")
        yield TimelineView(
            TimelineSource(self.store, self.search),
            self.clock,
            zone=self._axis_zone(),
            id="timeline",
        )
        yield Static(Content("loading…"), id="timeline-detail")
        yield StatusBar()
        yield FittingFooter()

    def on_mount(self) -> None:
        self.query_one(TimelineView).focus()
        if hasattr(self.app, "time_shown"):
            self.watch(self.app, "time_shown", self._clock_changed, init=False)

    def _axis_zone(self) -> tzinfo | None:
        """The axis is on one clock for all rows: UTC if chosen, else this machine's."""
        return UTC if times_of(self.app).shown == TimeShown.UTC else self.local_zone

    def _clock_changed(self, _shown: object) -> None:
        self.query_one(TimelineView).set_zone(self._axis_zone())

    @property
    def view(self) -> TimelineView:
        return self.query_one(TimelineView)

    @on(TimelineView.CursorMoved)
    def _show_cursor(self, event: TimelineView.CursorMoved) -> None:
        self.query_one("#timeline-detail", Static).update(Content(event.text))

    @on(TimelineView.RunSelected)
    def _open_run(self, event: TimelineView.RunSelected) -> None:
        self.app.push_screen(
            RunDetailScreen(self.store, event.run_id, clock=self.clock, local_zone=self.local_zone)
        )

    def action_back(self) -> None:
        self.dismiss(None)
