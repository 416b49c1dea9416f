"""Drawing the timeline's lines as Strips: the axis header and one schedule row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tickwork.ui.times import zone_name
from tickwork.ui.widgets.timeline.cells import (
    NOW_GLYPH,
    RUNNING_BAR,
    group_segments,
    row_markers,
)
from tickwork.ui.widgets.timeline.data import TimelineRow
from tickwork.ui.widgets.timeline.window import Tick, Window, to_local

NAME_WIDTH = 20  # the schedule-name column, separator included
HEADER_LINES = 2  # axis labels, axis rule

StyleOf = Callable[..., Style]  # (component class, partial=False) -> Rich style


class Painter:
    """Paints lines of one window; `style_of` reads the widget's component classes."""

    def __init__(
        self,
        base: Style,
        style_of: StyleOf,
        window: Window,
        ticks: list[Tick],
        now: datetime,
        zone: tzinfo | None,
    ) -> None:
        self.base = base
        self.style_of = style_of
        self.window = window
        self.ticks = ticks
        self.now = now
        self.zone = zone

    def style(self, name: str) -> Style:
        return self.base + self.style_of(name)

    def name_cell(self, text: str, style: Style) -> list[Segment]:
        room = NAME_WIDTH - 2
        shown = text if len(text) <= room else text[: room - 1] + "…"
        return [Segment(" " + shown.ljust(room), style), Segment("│", self.style("timeline--axis"))]

    def axis(self, y: int, zoom: str) -> Strip:
        """Line 0: time labels at the ticks; line 1: the rule with ticks and the now mark."""
        window = self.window
        axis = self.style("timeline--axis")
        chars = [" " if y == 0 else "─"] * window.columns
        styles = [axis] * window.columns
        if y == 0:
            name = f"zoom {zoom}"
            tick_style = self.style("timeline--tick")
            free = 0
            for tick in self.ticks:
                if tick.column < free or tick.column + len(tick.label) > window.columns:
                    continue
                for k, ch in enumerate(tick.label):
                    chars[tick.column + k] = ch
                    styles[tick.column + k] = tick_style
                free = tick.column + len(tick.label) + 1
        else:
            here = to_local(self.now, self.zone)
            name = f"now {here:%H:%M:%S} {zone_name(here)}"  # the axis's clock, named
            for tick in self.ticks:
                chars[tick.column] = "┬"
            now_col = window.column(self.now)
            if 0 <= now_col < window.columns:
                chars[now_col] = "▼"
                styles[now_col] = self.style("timeline--now")
        return Strip(self.name_cell(name, axis) + group_segments(chars, styles))

    def row(
        self, line: TimelineRow, *, on_cursor_row: bool, cursor_index: int | None, drawn: bool
    ) -> Strip:
        """One schedule: grid dots, the running bar, the now line, then the markers on top.

        `drawn` is False while the row's data belongs to another zoom (markers are left out)."""
        window = self.window
        name_style = self.style("timeline--cursor-row" if on_cursor_row else "timeline--name")
        if line.error:
            name_style += self.style_of("timeline--error")
        now_index = window.index(self.now)
        now_col = now_index - window.start_index
        chars = [" "] * window.columns
        styles = [self.base] * window.columns
        grid = self.style("timeline--grid")
        for tick in self.ticks:
            chars[tick.column], styles[tick.column] = "·", grid
        if line.running_since is not None:
            running = self.style("timeline--running")
            for col in range(max(0, line.running_since - window.start_index), now_col):
                if col < window.columns:
                    chars[col], styles[col] = RUNNING_BAR, running
        if 0 <= now_col < window.columns:
            chars[now_col], styles[now_col] = NOW_GLYPH, self.style("timeline--now")
        if drawn:
            cursor = self.style_of("timeline--cursor", partial=True)
            for index, mark in row_markers(line, window, now_index, self.now):
                col = index - window.start_index
                chars[col], styles[col] = mark.glyph, self.style(mark.component)
                if index == cursor_index:
                    styles[col] += cursor
        return Strip(self.name_cell(line.schedule.name, name_style) + group_segments(chars, styles))
