"""Every key of a screen in two places: the keys help (`?`) and the command palette (ctrl+p),
each once, with its description. A screen lists its own bindings and those of the widgets
whose keys it stands for (the timeline's zoom and moves, a list's moves)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget

from tickwork.ui.screens.help import KeysHelpScreen, bindings_of

KEYS_HELP = Binding("question_mark", "keys_help", "Keys", tooltip="List every key of this screen")


class ScreenCommands(Screen[None]):
    """A screen whose keys show in `?` and in the palette (subclass it instead of Screen)."""

    KEYS_TITLE = "This screen"

    def widget_keys(self) -> Sequence[tuple[str, Widget, Sequence[BindingType]]]:
        """(section title, the widget that runs them, its bindings) besides the screen's own."""
        return ()

    def action_keys_help(self) -> None:
        sections = [(self.KEYS_TITLE, bindings_of(self.BINDINGS))]
        sections += [(title, bindings_of(keys)) for title, _node, keys in self.widget_keys()]
        sections.append(("Everywhere", bindings_of(self.app.BINDINGS)))
        self.app.push_screen(KeysHelpScreen([s for s in sections if s[1]]))

    def palette_commands(self) -> Iterator[SystemCommand]:
        """Every binding of this screen and its widgets that says what it does (has a tooltip:
        moving the cursor is left to the keys help), once each."""
        seen: set[str] = set()
        groups: list[tuple[Widget, Sequence[BindingType]]] = [(self, self.BINDINGS)]
        groups += [(node, keys) for _title, node, keys in self.widget_keys()]
        for node, keys in groups:
            for binding in bindings_of(keys):
                if binding.description in seen or not binding.tooltip:
                    continue
                seen.add(binding.description)
                yield SystemCommand(
                    binding.description, binding.tooltip, partial(node.run_action, binding.action)
                )
