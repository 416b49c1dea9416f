"""The timeline screen: the coming hours of the filtered schedules, the recent runs behind "now"."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.ui.screens.run_detail import RunDetailScreen
from tickwork.ui.widgets.common.status_bar import StatusBar
from tickwork.ui.widgets.timeline import TimelineSource, TimelineView
from tickwork.ui.widgets.timeline.cells import DENSE_GLYPH, FIRE_GLYPH, RUN_GLYPHS

LEGEND = Content.assemble(
    (FIRE_GLYPH, "$primary"),
    " fire  ",
    ("▂▄▆", "$primary"),
    " 2-9 fires  ",
    (DENSE_GLYPH, "$primary"),
    " 10+ fires  ",
    (RUN_GLYPHS["succeeded"], "$success"),
    " succeeded  ",
    (RUN_GLYPHS["failed"], "$error"),
    " failed  ",
    (RUN_GLYPHS["missed"], "$warning"),
    " missed  ",
    (RUN_GLYPHS["skipped"], "$foreground-muted"),
    " skipped  ",
    (RUN_GLYPHS["running"], "$text-accent on $accent-muted"),
    " running  ",
    ("│", "$warning"),
    " now",
)


class TimelineScreen(Screen[None]):
    """Fires ahead (from spec.upcoming) and runs behind, one row per active schedule."""

    CSS_PATH = "timeline.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t", "back", "Back", tooltip="Back to the schedules"),
    ]

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
            zone=self.local_zone,
            id="timeline",
        )
        yield Static(Content("loading…"), id="timeline-detail")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TimelineView).focus()

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
