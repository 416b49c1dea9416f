"""Drawing a MonthView or a WeekView (calendar_data.py) as cells (text, theme colour): pure
functions, then one widget that shows whichever it is given at its width."""

from __future__ import annotations

import calendar

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tickwork.ui.widgets.pictures.calendar_data import DENSE, DayCell, MonthView, WeekView
from tickwork.ui.widgets.pictures.draw import Cell
from tickwork.ui.widgets.pictures.widgets import cells_content

MOVED = "→"  # a fire moved by a DST change
SKIPPED = "✗"  # a local time that does not exist: not fired
WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def _count(n: int) -> str:
    return f"{DENSE}+" if n >= DENSE else str(n)


def day_cells(cell: DayCell | None, width: int) -> list[Cell]:
    """Two lines of one day, `width` cells each: the day number and its DST mark, then how many
    fires (or, when there is room and one fire, its time)."""
    if cell is None:
        return [(" " * width, ""), ("\n", ""), (" " * width, "")]
    mark, mark_colour = ("", "")
    if cell.skipped:
        mark, mark_colour = SKIPPED, "error"
    elif cell.moved:
        mark, mark_colour = MOVED, "warning"
    number_colour = "foreground-muted" if cell.past or not cell.fires else "accent"
    if cell.today:
        number_colour = "text-accent"
    top = f"{cell.day.day:>3}"
    body = "·" if not cell.fires else f"{_count(cell.fires)}×"
    if cell.fires == 1 and cell.first is not None and width >= 7:
        body = f"{cell.first:%H:%M}"
    line1 = [(top, number_colour), (mark.ljust(width - len(top)), mark_colour)]
    line2 = [(f"{body:>{min(width, max(3, len(body) + 1))}}".ljust(width), number_colour)]
    if not cell.fires:
        line2 = [(f"{body:>3}".ljust(width), "foreground-muted")]
    return [*line1, ("\n", ""), *line2]


def month_lines(view: MonthView, width: int) -> list[list[Cell]]:
    """The month as lines of cells: a weekday header, then two lines per week."""
    cell_width = max(5, min(12, (width - 1) // 7))
    lines: list[list[Cell]] = [
        [(f"{day:>3}".ljust(cell_width), "foreground-muted") for day in WEEKDAYS]
    ]
    for week in view.weeks:
        top: list[Cell] = []
        bottom: list[Cell] = []
        for cell in week:
            parts = day_cells(cell, cell_width)
            split = parts.index(("\n", ""))
            top += parts[:split]
            bottom += parts[split + 1 :]
        lines += [top, bottom]
    return lines


def week_lines(view: WeekView, width: int) -> list[list[Cell]]:
    """The week as lines: a header of days, then one line per hour."""
    col = max(4, min(10, (width - 6) // 7))
    header: list[Cell] = [("      ", "")]
    for day in view.days:
        header.append((f"{calendar.day_abbr[day.weekday()][:2]} {day.day:>2}".ljust(col), "accent"))
    lines = [header]
    for hour in range(24):
        row: list[Cell] = [(f"{hour:02d}:00 ", "foreground-muted")]
        for weekday in range(7):
            n = view.counts[hour][weekday]
            mark = view.marks.get((hour, weekday))
            if mark == "skipped":
                row.append((f"{SKIPPED:>2}".ljust(col), "error"))
            elif mark == "moved":
                row.append((f"{MOVED:>2}".ljust(col), "warning"))
            elif n:
                row.append((f"{_count(n):>2}".ljust(col), "primary"))
            else:
                row.append((f"{'·':>2}".ljust(col), "foreground-muted"))
        lines.append(row)
    return lines


def legend() -> list[Cell]:
    return [
        ("N×", "accent"),
        (" fires that day  ", "foreground-muted"),
        (MOVED, "warning"),
        (" moved by DST  ", "foreground-muted"),
        (SKIPPED, "error"),
        (" a time DST skipped  ", "foreground-muted"),
        ("·", "foreground-muted"),
        (" none (or past)", "foreground-muted"),
    ]


class CalendarGrid(Widget):
    """Shows a MonthView or a WeekView at its width."""

    DEFAULT_CSS = "CalendarGrid { height: auto; }"
    view: reactive[MonthView | WeekView | None] = reactive(None, layout=True)

    def show(self, view: MonthView | WeekView) -> None:
        self.view = view

    def _lines(self) -> list[list[Cell]]:
        view = self.view
        if view is None:
            return [[("loading…", "foreground-muted")]]
        if isinstance(view, MonthView):
            return month_lines(view, self.size.width or 80)
        return week_lines(view, self.size.width or 80)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lines())

    def render(self) -> Content:
        return Content("\n").join(cells_content(line) for line in self._lines())
