"""The timeline widget: fires ahead and runs behind, one row per schedule."""

from tickwork.ui.widgets.timeline.data import MAX_ROWS, TimelineData, TimelineRow, TimelineSource
from tickwork.ui.widgets.timeline.paint import HEADER_LINES, NAME_WIDTH
from tickwork.ui.widgets.timeline.view import TimelineView
from tickwork.ui.widgets.timeline.window import ZOOM_LEVELS, Window, make_window

__all__ = [
    "HEADER_LINES",
    "MAX_ROWS",
    "NAME_WIDTH",
    "ZOOM_LEVELS",
    "TimelineData",
    "TimelineRow",
    "TimelineSource",
    "TimelineView",
    "Window",
    "make_window",
]
