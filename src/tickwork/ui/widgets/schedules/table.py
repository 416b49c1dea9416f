"""The schedules table: a Line-API widget that draws only the visible lines.

Rows come from the store one page at a time (store.list(limit=, offset=) + store.count), fetched
off the event loop and kept in a small LRU (see pager.py). Line 0 is a fixed header; row `i` is
drawn on line `i + 1` of the virtual canvas, so the scrollbar and the cursor work on 100,000 rows
as on ten.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock
from tickwork.store import Store, StoreError
from tickwork.ui.deferred import deferred
from tickwork.ui.theme_styles import status_style
from tickwork.ui.times import times_of
from tickwork.ui.widgets.schedules import columns
from tickwork.ui.widgets.schedules.pager import PageCache, Query


class ScheduleTable(ScrollView, can_focus=True):
    """Schedules of one query (filter + order), with a cursor row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "schedule-table--header",
        "schedule-table--cursor",
        "schedule-table--cursor-blurred",
        "schedule-table--paused-row",
        "schedule-table--active",
        "schedule-table--paused",
        "schedule-table--muted",
        "schedule-table--countdown",
        "schedule-table--empty",
    }

    cursor: reactive[int] = reactive(0, init=False, always_update=True)

    class Highlighted(Message):
        """The schedule under the cursor changed (None: nothing there, or not loaded yet)."""

        def __init__(self, schedule: Schedule | None) -> None:
            self.schedule = schedule
            super().__init__()

    class Selected(Message):
        """Enter or a double click on a row."""

        def __init__(self, schedule: Schedule) -> None:
            self.schedule = schedule
            super().__init__()

    class Loaded(Message):
        """A query (or reload) answered: how many rows it has."""

        def __init__(self, query: Query, total: int) -> None:
            self.query = query
            self.total = total
            super().__init__()

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        page_size: int | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.store = store
        self.clock = clock
        self.pager = PageCache(page_size) if page_size else PageCache()
        self.last_paint = 0.0  # perf_counter() of the last line drawn (for benchmarks)
        self._highlighted_id: str | None = None
        self._follow_id: str | None = None

    # --- public API ------------------------------------------------------------------------

    @property
    def current(self) -> Schedule | None:
        return self.pager.row(self.cursor)

    @property
    def shown_query(self) -> Query:
        """The filter and order on display."""
        return self.pager.query

    def set_query(self, query: Query) -> None:
        """Show another filter or order (cursor back to the top)."""
        self._start_load(query, keep_position=False)

    def reload(self) -> None:
        """Fetch the visible rows again (the data changed); the cursor follows its schedule."""
        self._follow_id = self.current.id if self.current is not None else None
        self._start_load(self.pager.query, keep_position=True)

    # --- geometry --------------------------------------------------------------------------

    @property
    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _top(self) -> int:
        return round(self.scroll_offset.y)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.pager.total + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._fetch_visible()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._fetch_visible()

    # --- cursor ----------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.pager.total - 1)) if self.pager.total else 0

    def watch_cursor(self, old: int, new: int) -> None:
        top = self._top()
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + self._rows_visible:
            self.scroll_to(y=new - self._rows_visible + 1, animate=False, immediate=True)
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._fetch_visible()
        self._announce()

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        step = self._rows_visible
        self.scroll_to(y=self._top() + direction * step, animate=False, immediate=True)
        self.cursor += direction * step

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.pager.total - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = self._top() + offset.y - 1
        if index >= self.pager.total:
            return
        self.cursor = index
        row = self.pager.row(index)
        if event.chain >= 2 and row is not None:
            self.post_message(self.Selected(row))

    def on_focus(self) -> None:
        self.refresh_line(self.cursor + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor + 1)

    def _announce(self) -> None:
        """Post Highlighted when the schedule under the cursor is not the one last announced."""
        row = self.current
        ident = row.id if row is not None else None
        token = (
            f"{ident}:{row.updated_at.isoformat()}:{row.last_run_at}:{row.last_status}"
            f":{row.run_count}"
            if row
            else None
        )
        if token != self._highlighted_id:
            self._highlighted_id = token
            self.post_message(self.Highlighted(row))

    # --- loading ---------------------------------------------------------------------------

    def _start_load(self, query: Query, *, keep_position: bool) -> None:
        top = self._top() if keep_position else 0
        self.run_worker(
            deferred(self._load, query, top, keep_position), group="table-load", exclusive=True
        )

    async def _load(self, query: Query, top: int, keep_position: bool) -> None:
        pager, store = self.pager, self.store
        wanted = pager.pages_for(top, top + self._rows_visible)
        first = wanted[0] if wanted else 0
        last = wanted[-1] if wanted else 0

        def fetch() -> tuple[int, dict[int, list[Schedule]]]:
            total = store.count(search=query.search)
            pages: dict[int, list[Schedule]] = {}
            for page in range(first, last + 1):
                if pager.offset_of(page) >= total:
                    break
                pages[page] = store.list(
                    search=query.search,
                    order=query.order,
                    limit=pager.page_size,
                    offset=pager.offset_of(page),
                )
            return total, pages

        try:
            total, pages = await asyncio.to_thread(fetch)
        except (StoreError, sqlite3.Error) as exc:
            self.notify(f"could not read schedules: {exc}", severity="error")
            return
        pager.reset(query, total, pages)
        self._update_virtual_size()
        if keep_position:
            found = pager.index_of(self._follow_id) if self._follow_id else None
            target = found if found is not None else self.cursor
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
            target = 0
        self._follow_id = None
        self.cursor = target  # always_update: scrolls, repaints and announces
        self.refresh()
        self.post_message(self.Loaded(query, total))

    def _fetch_visible(self) -> None:
        pager = self.pager
        if not pager.loaded:
            return
        top = self._top()
        margin = pager.page_size // 2
        pages = pager.pages_for(top - margin, top + self._rows_visible + margin)
        here = pager.page_of(self.cursor)
        for page in sorted(pager.missing(pages), key=lambda p: abs(p - here)):  # cursor's first
            generation = pager.begin(page)
            self.run_worker(self._fetch_page(generation, page, pager.query), group="table-pages")

    async def _fetch_page(self, generation: int, page: int, query: Query) -> None:
        pager = self.pager
        try:
            rows = await asyncio.to_thread(
                self.store.list,
                search=query.search,
                order=query.order,
                limit=pager.page_size,
                offset=pager.offset_of(page),
            )
        except (StoreError, sqlite3.Error) as exc:
            pager.fail(generation, page)
            self.notify(f"could not read schedules: {exc}", severity="error")
            return
        if pager.put(generation, page, rows):
            self.refresh()
            if pager.page_of(self.cursor) == page:
                self._announce()

    # --- drawing ---------------------------------------------------------------------------

    def _style(self, key: str) -> Style:
        if key.startswith("status:"):
            return status_style(self.app, key.removeprefix("status:") or None)
        return self.get_component_rich_style(f"schedule-table--{key}", partial=True)

    def render_line(self, y: int) -> Strip:
        self.last_paint = time.perf_counter()
        width = self.scrollable_content_region.width
        base = self.rich_style
        shape = columns.layout(width)
        widths = dict(zip(shape.keys, shape.widths, strict=True))
        times = times_of(self.app)
        if y == 0:
            header = base + self.get_component_rich_style("schedule-table--header")
            return self._strip(columns.header_cells(times, widths), shape, header, width)
        index = self._top() + y - 1
        pager = self.pager
        if index >= pager.total:
            if index == 0 and pager.loaded and y == 1:
                return self._empty_line(width, base)
            return Strip.blank(width, base)
        row = pager.row(index)
        if row is None:
            values: dict[str, columns.Cell] = {"name": [("…", "muted")]}
        else:
            values = columns.cells(row, self.clock(), times, widths)
            if not row.active:
                base = base + self._style("paused-row")
        if index == self.cursor:
            name = "cursor" if self.has_focus else "cursor-blurred"
            cursor_style = self._style(name)
            return self._strip(values, shape, base + cursor_style, width, overlay=cursor_style)
        return self._strip(values, shape, base, width)

    def _strip(
        self,
        values: dict[str, columns.Cell],
        shape: columns.Layout,
        base: Style,
        width: int,
        overlay: Style | None = None,
    ) -> Strip:
        def style_of(key: str) -> Style:
            style = self._style(key)
            return style + overlay if overlay is not None else style

        segments = columns.render_row(values, shape, base, style_of)
        return Strip(segments).adjust_cell_length(width, base)

    def _empty_line(self, width: int, base: Style) -> Strip:
        search = self.pager.query.search
        text = (
            f"  No schedule matches {search!r}: press escape to clear the filter"
            if search
            else "  No schedules yet: press n to add one"
        )
        style = base + self._style("empty")
        return Strip([Segment(text, style)]).adjust_cell_length(width, base)

    def tick(self) -> None:
        """Repaint the rows (countdowns move every second)."""
        self.refresh()

    def replace_row(self, schedule: Schedule) -> None:
        """Show a changed schedule at once where it is cached (the reload follows)."""
        index = self.pager.index_of(schedule.id)
        if index is not None:
            self.pager.replace_row(index, schedule)
            self.refresh_line(index + 1)
            if index == self.cursor:
                self._announce()
