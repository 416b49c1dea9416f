"""The pictures as widgets: they keep their runs and draw the pure cells of draw.py to their width.

- RunStrip (detail pane): the last 50 runs' outcomes over their durations' sparkline, with the
  median and p95 named;
- RunsSummary (run history): the success rate and a histogram of durations of the runs shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tickwork.domain.runs import Run
from tickwork.ui.widgets.pictures.draw import (
    STRIP_RUNS,
    Cell,
    duration_stats,
    durations,
    histogram,
    outcome_strip,
    sparkline,
    success_rate,
)

LABEL = 9  # "outcomes " / "duration " column
SIDE = 28  # room the histogram leaves for "  median 2.40s · p95 12.0s"


def cells_content(cells: Sequence[Cell]) -> Content:
    return Content.assemble(*((text, f"${colour}" if colour else "") for text, colour in cells))


def _label(text: str) -> Content:
    return Content.styled(text.ljust(LABEL), "$foreground-muted")


class RunStrip(Widget):
    """Three lines: outcomes, durations, and what they add up to."""

    DEFAULT_CSS = "RunStrip { height: 3; }"
    runs: reactive[tuple[Run, ...]] = reactive((), layout=False)

    def show(self, runs: Sequence[Run]) -> None:
        self.runs = tuple(runs)

    def render(self) -> Content:
        runs = list(self.runs)
        if not runs:
            return Content.styled("no runs to draw yet", "$foreground-muted")
        room = max(1, min(STRIP_RUNS, self.size.width - LABEL))
        shown = _newest(runs, room)
        stats = duration_stats(durations(shown))
        summary = f"last {len(shown)} runs"
        if stats is not None:
            summary = f"{stats.words()} · {summary}"
        return Content("\n").join(
            [
                _label("outcomes") + cells_content(outcome_strip(shown, room)),
                _label("duration") + cells_content(sparkline(shown, room)),
                Content.styled(" " * LABEL + summary, "$foreground-muted"),
            ]
        )


def _newest(runs: Sequence[Run], count: int) -> list[Run]:
    return sorted(runs, key=lambda r: (r.created_at, r.id))[-count:]


class RunsSummary(Widget):
    """The run history's picture: success rate, then a histogram of durations with its axis."""

    DEFAULT_CSS = "RunsSummary { height: auto; padding: 0 1; }"
    runs: reactive[tuple[Run, ...]] = reactive((), layout=True)
    bar_height: reactive[int] = reactive(3, layout=True)

    def show(self, runs: Sequence[Run]) -> None:
        self.runs = tuple(runs)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return self.bar_height + 2

    def render(self) -> Content:
        runs = list(self.runs)
        rate = success_rate(runs)
        head = Content.assemble(
            (rate.words(), "$success" if (rate.rate or 0) >= 0.9 else "$warning"),
            (f" · {rate.failed} failed", "$error" if rate.failed else "$foreground-muted"),
            (f" · {rate.other} did not run", "$foreground-muted"),
            (f" · of the {len(runs)} runs listed", "$foreground-muted"),
        )
        values = durations(runs)
        bins = max(8, min(60, self.size.width - SIDE))
        drawn = histogram(values, bins=bins, height=self.bar_height)
        stats = duration_stats(values)
        if drawn is None or stats is None:
            blank = [Content.styled("no durations to draw", "$foreground-muted")]
            return Content("\n").join([head, *blank, *[Content("")] * self.bar_height])
        low, high = drawn.axis()
        bars = [Content.styled(line, "$primary") for line in drawn.lines]
        axis = Content.styled(
            f"{low}{' ' * max(1, bins - len(low) - len(high))}{high}", "$foreground-muted"
        )
        side = Content.styled(f"  {stats.words()}", "$foreground-muted")
        lines = [head]
        for i, bar in enumerate(bars):
            lines.append(bar + (side if i == len(bars) - 1 else Content("")))
        lines.append(axis)
        return Content("\n").join(lines)
