"""A footer that shows as many keys as fit, and never runs into the command palette key.

Textual's Footer lays every key out in a grid and docks the palette key on the right: on a
narrow terminal the keys run under it ("Commandss"). This one hides the keys that do not fit,
from the right, keeping `?` (which lists every key); the others are one `?` or ctrl+p away.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Footer

ALWAYS = ("question_mark",)  # the key that lists the keys left out
PALETTE_ROOM = 14  # "^p Commands" and its margin


def _key_of(widget: Widget) -> str | None:
    """The key a footer item stands for (None: the palette key, or not a key)."""
    if widget.has_class("-command-palette"):
        return None
    key = getattr(widget, "key", None)
    return key if isinstance(key, str) else None


def _width(widget: Widget) -> int:
    """Cells a footer item takes (a group of keys: all of them and its label)."""
    if _key_of(widget) is None:
        text = str(getattr(widget, "content", "") or "")
        return sum(_width(child) for child in widget.children) + len(text) + 1
    shown = f"{getattr(widget, 'key_display', '')}{getattr(widget, 'description', '')}"
    return len(shown) + 2


class FittingFooter(Footer):
    def __init__(self, *, compact: bool = True) -> None:
        super().__init__(compact=compact)

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit)

    def on_resize(self, _event: events.Resize) -> None:
        self.fit()

    def fit(self) -> None:
        """Show the items that fit, in order; `?` always."""
        room = (self.size.width or self.app.size.width) - PALETTE_ROOM
        items = [w for w in self.children if not w.has_class("-command-palette")]
        used = sum(_width(w) for w in items if _key_of(w) in ALWAYS)
        shown = 0
        for widget in items:
            fits = _key_of(widget) in ALWAYS or used + _width(widget) <= room
            if fits and _key_of(widget) not in ALWAYS:
                used += _width(widget)
            widget.display = fits
            shown += fits
        self.styles.grid_size_columns = max(1, shown)
