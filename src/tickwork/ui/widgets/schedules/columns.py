"""Column layout and cell text of the schedules table (no Textual: Rich segments only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from tickwork.domain.model import Schedule
from tickwork.domain.status import look
from tickwork.ui import format as fmt
from tickwork.ui.times import WORDS, Times, TimeShown

# A cell is a list of (text, style key); the key names a component class, "status:<status>" the
# colour of a run status (from tickwork.domain.status), "" the row's style.
Cell = list[tuple[str, str]]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # the narrowest it may get
    wide: int = 0  # what it grows to first, when there is room (0: its width)
    flex: int = 0  # share of what is left after that
    drop: int = 0  # dropped when the table is too narrow: the highest first (0: never)
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("state", "", 1),
    Column("name", "Name", 12, flex=2),
    Column("schedule", "Schedule", 14, flex=3),
    Column("timezone", "Zone", 8, wide=19, drop=2),
    Column("next", "Next run", 14),
    Column("countdown", "", 10, drop=3),
    Column("last", "Last run", 10),
    Column("runs", "Runs", 7, drop=4, right=True),
)
GAP = 1
MIN_EXTRA = 8  # an extra part of a cell is left out when fewer cells than this are left


@dataclass(frozen=True)
class Layout:
    """The columns shown at one width, and how wide each is."""

    columns: tuple[Column, ...]
    widths: tuple[int, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)


def _needed(columns: list[Column]) -> int:
    return sum(c.width for c in columns) + GAP * (len(columns) + 1)


def layout(width: int) -> Layout:
    """The columns that fit in `width` cells (the least useful dropped first), each at least
    its width; then the zone grows to full names, then the flexible ones share the rest."""
    shown = list(COLUMNS)
    while _needed(shown) > width and any(c.drop for c in shown):
        shown.remove(max(shown, key=lambda c: c.drop))
    widths = [c.width for c in shown]
    spare = max(0, width - _needed(shown))
    for i, c in enumerate(shown):
        grow = min(spare, max(0, c.wide - c.width))
        widths[i] += grow
        spare -= grow
    flex_total = sum(c.flex for c in shown)
    if flex_total:
        shares = [spare * c.flex // flex_total for c in shown]
        shares[next(i for i, c in enumerate(shown) if c.flex)] += spare - sum(shares)
        widths = [w + share for w, share in zip(widths, shares, strict=True)]
    return Layout(tuple(shown), tuple(widths))


def zone_text(tz: str, width: int) -> str:
    """The zone's full name, or its last part when that is all that fits (Los_Angeles)."""
    return tz if len(tz) <= width else tz.rsplit("/", 1)[-1]


def cells(s: Schedule, now: datetime, times: Times, widths: dict[str, int]) -> dict[str, Cell]:
    state = "active" if s.active else "paused"
    outcome = look(s.last_status)
    last: Cell = (
        [("never", "muted")]
        if s.last_run_at is None
        else [
            (outcome.icon + " ", f"status:{s.last_status or ''}"),
            (fmt.ago(s.last_run_at, now), ""),
        ]
    )
    return {
        "state": [(fmt.STATE_ICON[state], state)],
        "name": [(s.name, "")],
        "schedule": [(s.expression, ""), ("  " + s.generator.description, "muted")],
        "timezone": [(zone_text(s.timezone, widths.get("timezone", 19)), "muted")],
        "next": [(fmt.next_run_when(s, now, times), "" if s.next_run_at else "muted")],
        "countdown": [(fmt.countdown(s, now), "countdown")],
        "last": last,
        "runs": [(fmt.runs_text(s), "muted")],
    }


def header_cells(times: Times, widths: dict[str, int]) -> dict[str, Cell]:
    """Column titles; the next-run title names the clock when it is not the schedule's."""
    titles = {c.key: c.title for c in COLUMNS}
    if times.shown != TimeShown.SCHEDULE:
        labelled = f"Next run ({WORDS[times.shown]})"
        if len(labelled) <= widths.get("next", 0) + widths.get("countdown", 0) + GAP:
            titles["next"] = labelled
    return {key: [(title, "")] for key, title in titles.items()}


def render_row(
    values: dict[str, Cell],
    shape: Layout,
    base: Style,
    style_of: Callable[[str], Style],
) -> list[Segment]:
    """Segments of one row: each cell cut or padded to its column, GAP cells between. A title
    longer than its column may run on into the next one when that one's title is empty."""
    pad = Segment(" " * GAP, base)
    out: list[Segment] = [pad]
    columns, widths = shape.columns, shape.widths
    i = 0
    while i < len(columns):
        parts, width = values.get(columns[i].key, []), widths[i]
        following = values.get(columns[i + 1].key, []) if i + 1 < len(columns) else [("x", "")]
        if sum(cell_len(t) for t, _ in parts) > width and not "".join(t for t, _ in following):
            width += GAP + widths[i + 1]  # run on into the empty cell next to it
            i += 1
        out.extend(_fit(parts, width, columns[i].right, base, style_of))
        out.append(pad)
        i += 1
    return out


def _fit(
    parts: Cell, width: int, right: bool, base: Style, style_of: Callable[[str], Style]
) -> list[Segment]:
    segments: list[Segment] = []
    used = 0
    for n, (text, key) in enumerate(parts):
        if used >= width:
            break
        room = width - used
        if n and room < MIN_EXTRA and cell_len(text) > room:
            break  # an extra part (a description) shows a few words or nothing
        if cell_len(text) > room:
            text = set_cell_size(text, room - 1) + "…" if room > 1 else set_cell_size(text, room)
        style = base + style_of(key) if key else base
        segments.append(Segment(text, style))
        used += cell_len(text)
    filler = Segment(" " * (width - used), base) if used < width else None
    if filler is not None:
        segments = [filler, *segments] if right else [*segments, filler]
    return segments
