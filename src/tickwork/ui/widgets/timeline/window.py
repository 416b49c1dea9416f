"""The visible time window of the timeline: zoom levels, cell arithmetic and axis ticks.

Pure functions and dataclasses (no Textual), so the geometry can be tested on its own.

The window is split into `columns` cells of equal duration. Cells are aligned on a grid that
starts at the Unix epoch, so a fire stays in the same cell while the window slides with "now"
(the window only moves one whole cell at a time and keeps "now" about a quarter from the left).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZOOM_LEVELS: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
    timedelta(days=7),
)
DEFAULT_ZOOM = 1  # 6 h
NOW_FRACTION = 4  # "now" sits 1/NOW_FRACTION of the span from the left edge
_TICK_STEPS: tuple[timedelta, ...] = tuple(
    timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880)
)
_DAY = timedelta(days=1)


def zoom_label(span: timedelta) -> str:
    """'1h', '6h', '24h', '7d'."""
    hours = span.total_seconds() / 3600
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)}d"
    return f"{hours:g}h"


def to_local(moment: datetime, zone: tzinfo | None) -> datetime:
    """`moment` in `zone`, or in the system's local zone when `zone` is None."""
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


@dataclass(frozen=True)
class Window:
    """`columns` cells of `cell` each, the first starting at `start` (aware UTC)."""

    start: datetime
    cell: timedelta
    columns: int

    @property
    def span(self) -> timedelta:
        return self.cell * self.columns

    @property
    def end(self) -> datetime:
        return self.start + self.span

    @property
    def start_index(self) -> int:
        return self.index(self.start)

    def index(self, moment: datetime) -> int:
        """The absolute (epoch-based) index of the cell holding `moment`."""
        return (moment - EPOCH) // self.cell

    def index_start(self, index: int) -> datetime:
        """When absolute cell `index` begins."""
        return EPOCH + self.cell * index

    def column(self, moment: datetime) -> int:
        """The column of `moment` (may be negative or >= columns when outside the window)."""
        return self.index(moment) - self.start_index

    def column_of_index(self, index: int) -> int:
        return index - self.start_index

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def make_window(now: datetime, span: timedelta, columns: int) -> Window:
    """The window of `span` over `columns` cells with `now` about 1/4 from the left."""
    columns = max(1, columns)
    cell = max(span / columns, timedelta(microseconds=1))
    first = (now - span / NOW_FRACTION - EPOCH) // cell
    return Window(start=EPOCH + cell * first, cell=cell, columns=columns)


@dataclass(frozen=True)
class Tick:
    column: int
    label: str
    moment: datetime


def _tick_step(cell: timedelta, label_width: int) -> timedelta:
    for step in _TICK_STEPS:
        if step / cell >= label_width + 4:
            return step
    return _TICK_STEPS[-1]


def axis_ticks(window: Window, zone: tzinfo | None, label_width: int = 6) -> list[Tick]:
    """Axis ticks at round local times, spaced so their labels do not overlap."""
    step = _tick_step(window.cell, label_width)
    local_start = to_local(window.start, zone)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    if step >= _DAY:
        cursor, advance = midnight, step
    else:
        since = local_start.replace(tzinfo=None) - midnight.replace(tzinfo=None)
        cursor, advance = midnight + (since // step) * step, step
    ticks: list[Tick] = []
    for _ in range(window.columns + 2):
        if cursor.replace(tzinfo=None) > to_local(window.end, zone).replace(tzinfo=None):
            break
        # wall-clock arithmetic: re-read the wall time in the zone (DST safe enough for labels)
        moment = cursor.astimezone(UTC)
        if window.contains(moment):
            local = to_local(moment, zone)
            at_midnight = local.hour == 0 and local.minute == 0
            label = local.strftime("%a %d") if step >= _DAY or at_midnight else f"{local:%H:%M}"
            ticks.append(Tick(window.column(moment), label, moment))
        cursor = _wall_add(cursor, advance, zone)
    return ticks


def _wall_add(local: datetime, step: timedelta, zone: tzinfo | None) -> datetime:
    """Add `step` of wall-clock time to an aware local time and re-resolve it in the zone."""
    naive = local.replace(tzinfo=None) + step
    if zone is not None:
        return naive.replace(tzinfo=zone)
    return naive.astimezone()  # naive -> system local time
