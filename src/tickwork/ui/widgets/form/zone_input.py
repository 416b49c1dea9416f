"""The time zone field: completes IANA names inline; Tab (or →) accepts the completion.

Textual's Input forgets its suggestion when it loses focus; this one offers it again when the
field is focused again, so Tab accepts it whenever the greyed completion is shown.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.suggester import Suggester, SuggestionReady
from textual.widgets import Input

from tickwork.domain.timezones import all_timezones


def complete_zone(text: str) -> str | None:
    """The first IANA name that starts with `text` (case-insensitive), if it adds anything."""
    prefix = text.strip().lower()
    if not prefix:
        return None
    for name in all_timezones():
        if name.lower().startswith(prefix):
            return None if name.lower() == prefix else name
    return None


class ZoneSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=False)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_zone(
            value
        )  # accepting it also fixes the case: america/new_y -> America/...


class ZoneInput(Input):
    """An Input for an IANA time zone name with inline completion."""

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        super().__init__(value, suggester=ZoneSuggester(), **kwargs)

    def on_focus(self, _event: events.Focus) -> None:
        found = complete_zone(self.value)
        if found:
            self.post_message(SuggestionReady(self.value, found))

    def accept_completion(self) -> bool:
        """Tab: take the completion (True), or say there is none (False: move on)."""
        found = complete_zone(self.value)
        if found is None:
            return False
        self.value = found
        self.cursor_position = len(found)
        return True
