"""The same keys move the cursor in every list (schedules, run history): up/k, down/j,
PgUp/PgDn, Home/g and End/G. For a DataTable in row mode; ScheduleTable binds the same keys."""

from __future__ import annotations

from textual.binding import Binding

LIST_KEYS: list[Binding] = [
    Binding("up,k", "cursor_up", "Up", show=False),
    Binding("down,j", "cursor_down", "Down", show=False),
    Binding("pageup", "page_up", "Page up", show=False),
    Binding("pagedown", "page_down", "Page down", show=False),
    Binding("home,g", "scroll_top", "First", show=False),
    Binding("end,G", "scroll_bottom", "Last", show=False),
]
