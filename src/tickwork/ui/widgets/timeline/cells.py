"""What is drawn in one cell of a timeline row, shared by drawing and cursor navigation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style

from tickwork.domain.status import RunStatus, look
from tickwork.ui.widgets.timeline.data import DENSE, FireCell, RunMark, TimelineRow
from tickwork.ui.widgets.timeline.window import Window

FIRE_GLYPH = "◆"
DENSE_GLYPH = "█"
# 2..DENSE-1 fires in a cell: a bar that grows with the count (the footer line gives the number)
FEW_GLYPHS = {2: "▂", 3: "▃", 4: "▄", 5: "▅", 6: "▆", 7: "▇", 8: "▇", 9: "▇"}
NOW_GLYPH = "│"
RUNNING_BAR = "━"


@dataclass(frozen=True)
class CellMark:
    """A glyph, its component class (or `status:<status>`), and what it stands for."""

    glyph: str
    component: str
    moment: datetime
    fire: FireCell | None = None
    run: RunMark | None = None


def fire_glyph(count: int) -> str:
    """'◆' for one fire, a bar growing with the count for a few, '█' for DENSE or more."""
    if count <= 1:
        return FIRE_GLYPH
    if count >= DENSE:
        return DENSE_GLYPH
    return FEW_GLYPHS.get(count, "▇")


def visible_fire(fire: FireCell | None, index: int, now_index: int, now: datetime) -> bool:
    """Fires are drawn from now on; a fire that has passed leaves its run behind instead."""
    if fire is None or index < now_index:
        return False
    return index > now_index or fire.first >= now


def cell_mark(row: TimelineRow, index: int, now_index: int, now: datetime) -> CellMark | None:
    """The marker drawn at absolute cell `index` of `row`, if any (a running run wins)."""
    run = row.runs.get(index)
    fire = row.fires.get(index)
    show_fire = visible_fire(fire, index, now_index, now)
    if run is not None and (run.status == RunStatus.RUNNING or not show_fire):
        moment = run.run.started_at or run.run.scheduled_for
        return CellMark(look(run.status).icon, f"status:{run.status}", moment, run=run)
    if fire is not None and show_fire:
        component = "timeline--fire-dense" if fire.count >= DENSE else "timeline--fire"
        return CellMark(fire_glyph(fire.count), component, fire.first, fire=fire)
    return None


def row_markers(
    row: TimelineRow, window: Window, now_index: int, now: datetime
) -> list[tuple[int, CellMark]]:
    """(absolute index, mark) of every marker of `row` inside the window, left to right."""
    out: list[tuple[int, CellMark]] = []
    for index in row.marker_indices(window):
        mark = cell_mark(row, index, now_index, now)
        if mark is not None:
            out.append((index, mark))
    return out


def nearest(indices: list[int], target: int) -> int | None:
    """The index closest to `target` (the later one on a tie)."""
    if not indices:
        return None
    return min(indices, key=lambda i: (abs(i - target), -i))


def group_segments(chars: list[str], styles: list[Style]) -> list[Segment]:
    """Merge runs of equally styled characters into segments."""
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or styles[i] != styles[start]:
            segments.append(Segment("".join(chars[start:i]), styles[start]))
            start = i
    return segments
