"""The keys help modal (`?`): every binding of the screen it was opened from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

Section = tuple[str, Sequence[Binding]]


def key_text(app: App[object], binding: Binding) -> str:
    """'e / enter' for a binding of several keys, in the app's key notation."""
    keys = [k.strip() for k in binding.key.split(",") if k.strip()]
    return " / ".join(app.get_key_display(replace(binding, key=k)) for k in keys)


def bindings_of(items: Iterable[BindingType]) -> list[Binding]:
    return [b for b in items if isinstance(b, Binding) and b.description]


class KeysHelpScreen(ModalScreen[None]):
    """Lists keys by section; escape, q or ? closes it."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", show=True),
    ]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__(classes="modal")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="modal-box"):
            yield Label("Keys", classes="modal-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(self._text(), id="help-text")
            yield Label("escape to close · ctrl+p finds every action by name", classes="hint")

    def _text(self) -> str:
        lines: list[str] = []
        for title, bindings in self.sections:
            if lines:
                lines.append("")
            lines.append(f"[b $accent]{escape(title)}[/]")
            for b in bindings:
                keys = escape(key_text(self.app, b))
                tip = f"  [$text-muted]{escape(b.tooltip)}[/]" if b.tooltip else ""
                lines.append(f"  [b]{keys:<12}[/b]{escape(b.description)}{tip}")
        return "\n".join(lines)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
