"""Form layout pieces: titled sections laid out as a two-column grid (label | control).

A field is three widgets (label, control, error line) instead of a container per row: the form
has about thirty fields and opening it must stay quick.
"""

from __future__ import annotations

from textual.containers import Grid, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


def field_row(label: str, field: str, control: Widget, hint: str = "") -> list[Widget]:
    """`label | control`, then the error line (id `err-<field>`) and an optional hint under it."""
    widgets: list[Widget] = [
        Label(label, classes="field-label", id=f"label-{field}"),
        control,
        Static("", classes="field-error", id=f"err-{field}", markup=False),
    ]
    if hint:
        widgets.append(Static(hint, classes="field-hint", id=f"hint-{field}", markup=False))
    return widgets


class FormSection(Vertical):
    """A titled group of panes (a grid can't hold a ContentSwitcher: its rows mis-size)."""

    def __init__(self, title: str, *children: Widget) -> None:
        super().__init__(*children, classes="form-section")
        self.border_title = title


class FormPane(Grid):
    """Field rows in a label | control grid; also a ContentSwitcher pane."""

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, classes="form-pane", id=id)
