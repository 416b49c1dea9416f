"""Every keystroke reaches the widget it was typed for, in order, however busy the app is.

Textual's App forwards each key to the widget that is focused *when the App reads the key*. Keys
that arrive together (a fast typist while the loop was busy, a burst from the terminal) are all
forwarded before the first one took effect: `10s` Tab `XYZ` typed into one field became `10sXYZ`
with the Tab applied afterwards, and keys typed right after opening a screen went to the screen
below. `OrderedKeysApp` routes one key at a time:

- the next key is routed only after the previous one was handled all the way up: a `KeyHandled`
  marker posted behind it to the same widget bubbles the same path back to the App;
- nothing is routed while the screen on top is still being mounted, and only printable keys
  while it says it is still building (`keys_on_hold`): a Tab must not skip what is not there yet;
- Tab and shift+Tab are the App's own priority keys: they wait until the screen has settled
  (a radio switch has swapped its pane in), then accept an inline completion (a field with
  `accept_completion()`) or move the focus.

A marker that can no longer arrive (its widget was removed) or takes too long is given up after
`KEY_GIVE_UP` seconds: a key may then be misrouted, but never lost.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import ClassVar, Protocol, runtime_checkable

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.message_pump import MessagePump
from textual.timer import Timer

KEY_GIVE_UP = 2.0  # seconds before a key whose marker never came back releases the next one
WATCH_EVERY = 0.02  # seconds between checks while keys wait
SETTLE_ROUNDS = 4  # message hops a Tab waits for (radio -> set -> form: the pane is switched)
SETTLE_TIMEOUT = 0.5


class KeyHandled(Message):
    """Posted behind a forwarded key: back at the App, that key has been handled."""

    def __init__(self, ticket: int) -> None:
        super().__init__()
        self.ticket = ticket


@runtime_checkable
class Completes(Protocol):
    """A field with an inline completion that Tab accepts."""

    def accept_completion(self) -> bool: ...


def _printable(event: events.Key) -> bool:
    return event.is_printable or event.key == "backspace"


class OrderedKeysApp(App[None]):
    """An App whose keys are routed one at a time (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_field", "Next field", show=False, priority=True),
        Binding("shift+tab", "previous_field", "Previous field", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._keys: deque[events.Key] = deque()
        self._in_flight: tuple[int, MessagePump, float] | None = None
        self._ticket = 0
        self._key_watch: Timer | None = None
        self._routing = False
        self.keys_received = 0  # keys read from the terminal (or posted by tests)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.keys_received += 1
            self._keys.append(event)
            await self._route_keys()
            return
        await super().on_event(event)

    async def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        if self._in_flight is not None and self._in_flight[0] == message.ticket:
            self._in_flight = None
        await self._route_keys()

    @property
    def keys_waiting(self) -> int:
        """Keys received but not routed (or, routed, not handled) yet."""
        return len(self._keys) + (self._in_flight is not None)

    def _screen_takes(self, event: events.Key) -> bool:
        screen = self.screen
        if not screen.is_mounted:
            return False
        return not getattr(screen, "keys_on_hold", False) or _printable(event)

    async def _route_keys(self) -> None:
        if self._routing:  # one router at a time: a Tab's action awaits, keys keep arriving
            return
        self._routing = True
        try:
            while self._keys and self._in_flight is None:
                event = self._keys[0]
                if not self._screen_takes(event):
                    self._watch_keys()
                    return
                self._keys.popleft()
                target: MessagePump = self.focused or self.screen
                await super().on_event(event)  # priority bindings, else forwarded to `target`
                if event.is_forwarded:
                    self._ticket += 1
                    self._in_flight = (self._ticket, target, time.monotonic())
                    target.post_message(KeyHandled(self._ticket))
                    self._watch_keys()
        finally:
            self._routing = False

    def _watch_keys(self) -> None:
        if self._key_watch is None:
            self._key_watch = self.set_interval(WATCH_EVERY, self._check_keys)

    async def _check_keys(self) -> None:
        flight = self._in_flight
        if flight is not None:
            _, target, since = flight
            gone = not getattr(target, "is_attached", True)
            if gone or time.monotonic() - since > KEY_GIVE_UP:
                self._in_flight = None
        await self._route_keys()
        if not self._keys and self._in_flight is None and self._key_watch is not None:
            self._key_watch.stop()
            self._key_watch = None

    # --- Tab and shift+Tab ------------------------------------------------------------------

    async def settle(self, rounds: int = SETTLE_ROUNDS) -> None:
        """Wait until the widgets of the screen have handled what was queued for them, `rounds`
        times over (each round also covers what the previous one posted)."""
        for _ in range(rounds):
            if not await self._settle_once():
                return

    async def _settle_once(self) -> bool:
        """One round (False: nothing to wait for, or it took too long)."""
        waiting = 0
        done = asyncio.Event()

        def one_done() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting == 0:
                done.set()

        for widget in self.screen.walk_children(with_self=True):
            if widget.call_later(one_done):
                waiting += 1
        if not waiting:
            return False
        try:
            await asyncio.wait_for(done.wait(), SETTLE_TIMEOUT)
        except TimeoutError:
            return False
        return True

    async def action_next_field(self) -> None:
        await self.settle()
        focused = self.focused
        if isinstance(focused, Completes) and focused.accept_completion():
            return
        self.screen.focus_next()

    async def action_previous_field(self) -> None:
        await self.settle()
        self.screen.focus_previous()
