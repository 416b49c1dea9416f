"""Shows a new signing secret once, right after saving (it is masked everywhere afterwards)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class SecretScreen(ModalScreen[None]):
    """The secret in a read-only field (select and copy it), and one button."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", tooltip="I have kept the secret"),
    ]

    def __init__(self, schedule_name: str, secret: str) -> None:
        super().__init__(classes="modal")
        self.schedule_name = schedule_name
        self.secret = secret

    def compose(self) -> ComposeResult:
        with Vertical(id="secret-box", classes="modal-box"):
            yield Label("Signing secret: shown once", classes="modal-title")
            yield Static(
                f"Webhooks of {self.schedule_name!r} are signed with this secret. Copy it now: "
                "tickwork shows only its first characters from now on.",
                id="secret-message",
                markup=False,
            )
            yield Input(self.secret, id="secret-value", compact=True, select_on_focus=True)
            with Horizontal(classes="buttons"):
                yield Button("I have kept it (enter)", id="secret-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#secret-value", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value != self.secret:  # read-only, without greying the text out
            event.input.value = self.secret

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
