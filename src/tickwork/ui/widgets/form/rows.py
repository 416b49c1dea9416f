"""Form layout pieces: titled sections laid out as a two-column grid (label | control).

A field is two or three widgets (label, control, an optional hint) instead of a container per row,
and its error line is only made the first time it has something to say: the form has about
thirty fields and opening it must stay quick.
"""

from __future__ import annotations

from textual.containers import Grid, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


def field_row(label: str, field: str, control: Widget, hint: str = "") -> list[Widget]:
    """`label | control`, then an optional hint (id `hint-<field>`) under the control.

    Lines under a control sit in the control's column while the label spans their rows (a cell
    spanning both columns would be measured at one column's width and leave blank lines)."""
    name = Label(label, classes="field-label", id=f"label-{field}")
    widgets: list[Widget] = [name, control]
    if hint:
        widgets.append(Static(hint, classes="field-hint", id=f"hint-{field}", markup=False))
        name.styles.row_span = 2
    return widgets


def error_line(field: str, label: Widget | None) -> Static:
    """The line under a field that says what is wrong with it (id `err-<field>`); mount it
    right after the field's last line (its label then spans one more row)."""
    if label is not None:
        label.styles.row_span = (label.styles.row_span or 1) + 1
    return Static("", classes="field-error -shown", id=f"err-{field}", markup=False)


class FormSection(Vertical):
    """A titled group of panes (a grid can't hold a ContentSwitcher: its rows mis-size)."""

    def __init__(self, title: str, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, classes="form-section", id=id)
        self.border_title = title


class FormPane(Grid):
    """Field rows in a label | control grid; also a ContentSwitcher pane."""

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, classes="form-pane", id=id)
