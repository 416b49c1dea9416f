"""TimelineView: a Line API widget drawing one row per schedule along a sliding time axis."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, get_current_worker

from tickwork.domain.timeutil import Clock
from tickwork.ui.theme_styles import status_style
from tickwork.ui.widgets.timeline.cells import (
    CellMark,
    cell_mark,
    nearest,
    row_markers,
)
from tickwork.ui.widgets.timeline.data import Marker, TimelineData, TimelineRow, TimelineSource
from tickwork.ui.widgets.timeline.details import describe_cursor
from tickwork.ui.widgets.timeline.paint import HEADER_LINES, NAME_WIDTH, Painter
from tickwork.ui.widgets.timeline.window import (
    DEFAULT_ZOOM,
    ZOOM_LEVELS,
    Tick,
    Window,
    axis_ticks,
    make_window,
    zoom_label,
)

STALE_AFTER = timedelta(seconds=30)  # reload at least this often, changes or not
_MOVE = Binding.Group("move")
_JUMP = Binding.Group("jump")


class TimelineView(ScrollView, can_focus=True):
    """The timeline picture. Give it a TimelineSource (the store side) and a clock."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--axis",
        "timeline--tick",
        "timeline--grid",
        "timeline--now",
        "timeline--name",
        "timeline--cursor-row",
        "timeline--cursor",
        "timeline--fire",
        "timeline--fire-dense",
        "timeline--running",
        "timeline--error",
        "timeline--note",
    }
    DEFAULT_CSS = """
    TimelineView {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    TimelineView > .timeline--axis { color: $foreground-muted; }
    TimelineView > .timeline--tick { color: $foreground; text-style: bold; }
    TimelineView > .timeline--grid { color: $foreground-muted 40%; }
    TimelineView > .timeline--now { color: $warning; text-style: bold; }
    TimelineView > .timeline--name { color: $foreground; }
    TimelineView > .timeline--cursor-row {
        background: $boost;
        color: $foreground;
        text-style: bold;
    }
    TimelineView > .timeline--cursor { text-style: reverse bold; }
    TimelineView > .timeline--fire { color: $primary; }
    TimelineView > .timeline--fire-dense { color: $primary; }
    TimelineView > .timeline--error { color: $error; text-style: bold; }
    TimelineView > .timeline--running {
        color: $text-accent;
        background: $accent-muted;
        text-style: bold;
    }
    TimelineView > .timeline--note { color: $foreground-muted; text-style: italic; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "plus,equals_sign", "zoom_in", "Zoom in", tooltip="Show less time: 7d, 24h, 6h, 1h"
        ),
        Binding("minus", "zoom_out", "Zoom out", tooltip="Show more time: 1h, 6h, 24h, 7d"),
        Binding("up,k", "cursor_up", "Row up", group=_MOVE),
        Binding("down,j", "cursor_down", "Row down", group=_MOVE),
        Binding("left,h", "cursor_left", "Earlier marker", group=_MOVE),
        Binding("right,l", "cursor_right", "Later marker", group=_MOVE),
        Binding(
            "left_square_bracket",
            "jump(-1)",
            "Previous marker (any row)",
            group=_JUMP,
            tooltip="The marker just before the cursor in time, whatever its row",
        ),
        Binding(
            "right_square_bracket",
            "jump(1)",
            "Next marker (any row)",
            group=_JUMP,
            tooltip="The marker just after the cursor in time, whatever its row",
        ),
        Binding("enter", "select", "Run details", show=False),
    ]

    zoom: reactive[int] = reactive(DEFAULT_ZOOM, init=False)

    class CursorMoved(Message):
        """The text describing the cursor changed."""

        def __init__(self, view: TimelineView, text: str) -> None:
            super().__init__()
            self.view = view
            self.text = text

    class RunSelected(Message):
        """Enter on a run marker."""

        def __init__(self, view: TimelineView, run_id: str) -> None:
            super().__init__()
            self.view = view
            self.run_id = run_id

    def __init__(
        self,
        source: TimelineSource,
        clock: Clock,
        *,
        zone: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.clock = clock
        self.zone = zone
        self.now: datetime = clock()
        self.data: TimelineData | None = None
        self.cursor_row = 0
        self.cursor_at: datetime | None = None  # the moment of the marker under the cursor
        self._loader: Worker[None] | None = None
        self._said = ""
        self._ticks: tuple[Window | None, list[Tick]] = (None, [])

    # --- geometry ----------------------------------------------------------------------------

    @property
    def span(self) -> timedelta:
        return ZOOM_LEVELS[self.zoom]

    @property
    def columns(self) -> int:
        return max(1, self.scrollable_content_region.width - NAME_WIDTH)

    @property
    def window(self) -> Window:
        return make_window(self.now, self.span, self.columns)

    @property
    def rows(self) -> list[TimelineRow]:
        return self.data.rows if self.data is not None else []

    def _data_fits(self, window: Window) -> bool:
        return self.data is not None and self.data.window.cell == window.cell

    def column_for(self, moment: datetime) -> int:
        """The x offset (in the widget's content) where `moment` is drawn."""
        return NAME_WIDTH + self.window.column(moment)

    # --- lifecycle and loading ---------------------------------------------------------------

    def on_mount(self) -> None:
        self._update_virtual_size()
        self.set_interval(1, self.tick)
        self.request_load(force=True)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        if not self._data_fits(self.window):
            self.request_load(force=True)

    def tick(self) -> None:
        """Once a second: move "now", reload when the window slid or the store changed."""
        old = self.window
        self.now = self.clock()
        window = self.window
        moved = old.start_index != window.start_index
        stale = self.data is None or self.now - self.data.computed_at > STALE_AFTER
        self.request_load(force=moved or stale or not self._data_fits(window))
        was = self.cursor_at
        self._snap_cursor()  # a fire under the cursor that just passed: go to the nearest marker
        if moved or was != self.cursor_at:
            self.refresh()
        else:
            self.refresh(Region(0, 0, self.size.width, HEADER_LINES))
        self._announce()

    def request_load(self, *, force: bool) -> None:
        """Reload in a thread; unless forced, only when the database changed."""
        if self.scrollable_content_region.width <= NAME_WIDTH:
            return  # not laid out yet: the first Resize loads
        if not force and self._loader is not None and self._loader.is_running:
            return
        self._loader = self._load(self.window, self.now, force)

    @work(thread=True, exclusive=True, group="timeline-load")
    def _load(self, window: Window, now: datetime, force: bool) -> None:
        worker = get_current_worker()
        if not force and self.data is not None and self.source.data_version() == self.data.version:
            return
        data = self.source.load(window, now)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._apply, data)

    def _apply(self, data: TimelineData) -> None:
        if data.window.cell != self.window.cell:
            return  # computed for another zoom or width; a newer load is on its way
        self.data = data
        self._update_virtual_size()
        self.cursor_row = min(self.cursor_row, max(0, len(data.rows) - 1))
        if self.cursor_at is None:
            self._first_fire()
        self._snap_cursor()
        self.refresh()
        self._announce()

    def _update_virtual_size(self) -> None:
        extra = 1 if (self.data is None or not self.rows or self.data.truncated) else 0
        height = HEADER_LINES + len(self.rows) + extra
        self.virtual_size = Size(self.scrollable_content_region.width, height)

    def watch_zoom(self) -> None:
        self.request_load(force=True)
        self.refresh()
        self._announce()

    # --- cursor ------------------------------------------------------------------------------

    @property
    def now_index(self) -> int:
        return self.window.index(self.now)

    def markers(self, row: int) -> list[tuple[int, CellMark]]:
        rows = self.rows
        if not 0 <= row < len(rows) or not self._data_fits(self.window):
            return []
        return row_markers(rows[row], self.window, self.now_index, self.now)

    @property
    def cursor_index(self) -> int | None:
        """The absolute cell of the cursor (None: the row has no marker under the cursor)."""
        if self.cursor_at is None:
            return None
        index = self.window.index(self.cursor_at)
        return index if any(i == index for i, _ in self.markers(self.cursor_row)) else None

    @property
    def cursor_marker(self) -> Marker | None:
        index = self.cursor_index
        if index is None:
            return None
        row = self.rows[self.cursor_row]
        mark = cell_mark(row, index, self.now_index, self.now)
        if mark is None:
            return None
        return Marker(self.cursor_row, index, row.schedule, mark.fire, mark.run)

    def _first_fire(self) -> None:
        future = [(i, m) for i, m in self.markers(self.cursor_row) if m.fire is not None]
        self.cursor_at = future[0][1].moment if future else None

    def _snap_cursor(self, target: int | None = None) -> None:
        """Put the cursor on the marker of its row nearest to `target` (default: where it was)."""
        marks = dict(self.markers(self.cursor_row))
        if target is None:
            target = self.window.index(self.cursor_at) if self.cursor_at else self.now_index
        best = nearest(sorted(marks), target)
        self.cursor_at = marks[best].moment if best is not None else self.cursor_at

    def _move_to(self, row: int, index: int | None) -> None:
        rows = self.rows
        if not rows:
            return
        target = index
        if target is None:
            target = self.window.index(self.cursor_at) if self.cursor_at else self.now_index
        self.cursor_row = max(0, min(row, len(rows) - 1))
        self._snap_cursor(target)
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.scrollable_content_region.height - HEADER_LINES)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor_row - 1, None)

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor_row + 1, None)

    def _step(self, direction: int) -> None:
        indices = [i for i, _ in self.markers(self.cursor_row)]
        here = self.cursor_index
        if here is None:
            here = self.now_index if direction > 0 else self.now_index + 1
        side = [i for i in indices if (i - here) * direction > 0]
        if side:
            self._move_to(self.cursor_row, min(side) if direction > 0 else max(side))

    def action_cursor_left(self) -> None:
        self._step(-1)

    def action_cursor_right(self) -> None:
        self._step(1)

    def action_jump(self, direction: int) -> None:
        """The previous/next marker in time over all rows (ties go down the rows)."""
        here_index = self.cursor_index
        here = (here_index if here_index is not None else self.now_index, self.cursor_row)
        best: tuple[int, int] | None = None
        for row in range(len(self.rows)):
            for index, _ in self.markers(row):
                key = (index, row)
                if (key > here) if direction > 0 else (key < here):
                    better = best is None or ((key < best) if direction > 0 else (key > best))
                    best = key if better else best
        if best is not None:
            self._move_to(best[1], best[0])

    def action_zoom_in(self) -> None:
        self.zoom = max(0, self.zoom - 1)

    def action_zoom_out(self) -> None:
        self.zoom = min(len(ZOOM_LEVELS) - 1, self.zoom + 1)

    def action_select(self) -> None:
        marker = self.cursor_marker
        if marker is not None and marker.run is not None:
            self.post_message(self.RunSelected(self, marker.run.run.id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_LINES:
            return
        row = round(self.scroll_y) + offset.y - HEADER_LINES
        if 0 <= row < len(self.rows):
            self._move_to(row, self.window.start_index + max(0, offset.x - NAME_WIDTH))

    def describe(self) -> str:
        """The line describing the cursor (the screen shows it under the timeline)."""
        row = self.rows[self.cursor_row] if self.rows else None
        if self.data is None:
            return "loading…"
        return describe_cursor(row, self.cursor_marker, self.window, self.now, self.zone)

    def _announce(self) -> None:
        text = self.describe()
        if text != self._said:
            self._said = text
            self.post_message(self.CursorMoved(self, text))

    # --- drawing -----------------------------------------------------------------------------

    def ticks(self, window: Window) -> list[Tick]:
        """The axis ticks of `window` (cached: every drawn row uses them)."""
        if self._ticks[0] != window:
            self._ticks = (window, axis_ticks(window, self.zone))
        return self._ticks[1]

    def _style(self, name: str, *, partial: bool = False) -> Style:
        if name.startswith("status:"):  # a run's outcome: the one status table's colour
            return status_style(self.app, name.removeprefix("status:"))
        return self.get_component_rich_style(name, partial=partial)

    def set_zone(self, zone: tzinfo | None) -> None:
        """Draw the axis on another clock (None: this machine's)."""
        self.zone = zone
        self._ticks = (None, [])
        self.refresh()

    def render_line(self, y: int) -> Strip:
        window = self.window
        painter = Painter(
            self.rich_style, self._style, window, self.ticks(window), self.now, self.zone
        )
        if y < HEADER_LINES:
            strip = painter.axis(y, zoom_label(self.span))
        else:
            row = round(self.scroll_y) + y - HEADER_LINES
            if row < len(self.rows):
                on_cursor = row == self.cursor_row
                strip = painter.row(
                    self.rows[row],
                    on_cursor_row=on_cursor,
                    cursor_index=self.cursor_index if on_cursor else None,
                    drawn=self._data_fits(window),
                )
            else:
                strip = self._note_line(row - len(self.rows))
        return strip.adjust_cell_length(self.scrollable_content_region.width, self.rich_style)

    def _note_line(self, extra: int) -> Strip:
        note = self.rich_style + self._style("timeline--note")
        if extra != 0 or (self.data is not None and self.rows and not self.data.truncated):
            return Strip([])
        if self.data is None:
            text = "loading…"
        elif not self.rows:
            search = self.source.search
            text = "no active schedules" + (f" match {search!r}" if search else "")
        else:
            text = (
                f"… {self.data.total - len(self.rows)} more schedules not drawn "
                f"(the timeline draws at most {self.source.max_rows}; narrow the filter)"
            )
        return Strip([Segment(" " + text, note)])
