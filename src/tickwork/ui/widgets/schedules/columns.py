"""Column layout and cell text of the schedules table (no Textual: Rich segments only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from tickwork.domain.model import Schedule
from tickwork.ui import format as fmt

# A cell is a list of (text, style key); the key names a component class, "" = the row's style.
Cell = list[tuple[str, str]]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # fixed width, or the minimum of a flexible column
    flex: int = 0  # share of the spare width
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("state", "", 1),
    Column("name", "Name", 14, flex=2),
    Column("schedule", "Schedule", 20, flex=3),
    Column("timezone", "Zone", 19),
    Column("next", "Next run", 11),
    Column("countdown", "", 11),
    Column("last", "Last run", 10),
    Column("runs", "Runs", 7, right=True),
)
GAP = 1


def layout(width: int) -> list[int]:
    """Widths of COLUMNS for a table `width` cells wide (flexible ones share what is left)."""
    fixed = sum(c.width for c in COLUMNS) + GAP * (len(COLUMNS) + 1)
    spare = max(0, width - fixed)
    flex_total = sum(c.flex for c in COLUMNS) or 1
    widths = [c.width + (spare * c.flex) // flex_total for c in COLUMNS]
    # give the rounding remainder to the first flexible column
    leftover = width - fixed - sum(w - c.width for w, c in zip(widths, COLUMNS, strict=True))
    if leftover > 0:
        first_flex = next(i for i, c in enumerate(COLUMNS) if c.flex)
        widths[first_flex] += leftover
    return widths


def cells(s: Schedule, now: datetime) -> dict[str, Cell]:
    state = "active" if s.active else "paused"
    kind = fmt.outcome_kind(s.last_status)
    last: Cell = (
        [("never", "muted")]
        if s.last_run_at is None
        else [(fmt.outcome_icon(s.last_status) + " ", kind), (fmt.last_run_text(s, now)[2:], "")]
    )
    return {
        "state": [(fmt.STATE_ICON[state], state)],
        "name": [(s.name, "")],
        "schedule": [(s.expression, ""), ("  " + s.generator.description, "muted")],
        "timezone": [(s.timezone, "muted")],
        "next": [(fmt.next_run_when(s, now), "" if s.next_run_at else "muted")],
        "countdown": [(fmt.countdown(s, now), "countdown")],
        "last": last,
        "runs": [(fmt.runs_text(s), "muted")],
    }


def header_cells() -> dict[str, Cell]:
    return {c.key: [(c.title, "")] for c in COLUMNS}


def render_row(
    values: dict[str, Cell],
    widths: list[int],
    base: Style,
    style_of: Callable[[str], Style],
) -> list[Segment]:
    """Segments of one row: each cell cut or padded to its column, GAP cells between."""
    pad = Segment(" " * GAP, base)
    out: list[Segment] = [pad]
    for column, width in zip(COLUMNS, widths, strict=True):
        out.extend(_fit(values.get(column.key, []), width, column.right, base, style_of))
        out.append(pad)
    return out


def _fit(
    parts: Cell, width: int, right: bool, base: Style, style_of: Callable[[str], Style]
) -> list[Segment]:
    segments: list[Segment] = []
    used = 0
    for text, key in parts:
        if used >= width:
            break
        room = width - used
        if cell_len(text) > room:
            text = set_cell_size(text, room - 1) + "…" if room > 1 else set_cell_size(text, room)
        style = base + style_of(key) if key else base
        segments.append(Segment(text, style))
        used += cell_len(text)
    filler = Segment(" " * (width - used), base) if used < width else None
    if filler is not None:
        segments = [filler, *segments] if right else [*segments, filler]
    return segments
