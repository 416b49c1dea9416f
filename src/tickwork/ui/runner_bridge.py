"""The embedded runner inside the UI: started with the app, stopped on quit, events coalesced.

The runner gets its OWN Store connection. Its on_event callback runs on the app's event loop;
events are batched (a burst of 50 fires becomes one message) and handed to `deliver`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.store.location import Target

if TYPE_CHECKING:
    from tickwork.runner import RunEvent

BATCH_DELAY = 0.25  # seconds: events arriving within this window are delivered together


class RunnerBridge:
    """Owns the embedded runner; `deliver(events)` is called on the loop with each batch."""

    def __init__(
        self,
        store_path: Target,
        clock: Clock,
        deliver: Callable[[list[RunEvent]], None],
        call_later: Callable[[float, Callable[[], None]], Any],
    ) -> None:
        self.store_path = store_path
        self.clock = clock
        self.deliver = deliver
        self.call_later = call_later
        self.state: str | None = None  # None until started, "stopped" at the end
        self._runner: Any = None
        self._store: Store | None = None
        self._pending: list[RunEvent] = []
        self._flush_scheduled = False
        self._loop_thread = threading.get_ident()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done = asyncio.Event()

    async def run(self) -> None:
        """Run the runner until stop() (call it as a worker)."""
        self._loop_thread = threading.get_ident()
        self._loop = asyncio.get_running_loop()
        from tickwork.runner import Runner

        self.state = "starting"
        self._store = await asyncio.to_thread(Store.open, self.store_path, clock=self.clock)
        self._runner = Runner(self._store, mode="embedded", clock=self.clock, on_event=self._event)
        try:
            await self._runner.run()
        finally:
            self.state = "stopped"
            self._close_store()
            self._done.set()

    @property
    def runner_state(self) -> str | None:
        if self._runner is not None and self.state != "stopped":
            return str(self._runner.state)
        return self.state

    @property
    def running(self) -> bool:
        return self._runner is not None and self.state != "stopped"

    async def stop(self, grace: float) -> None:
        """Ask the runner to stop and wait until it has (running jobs get `grace` seconds)."""
        if self._runner is None or self.state == "stopped":
            return
        await self._runner.stop(grace=grace)
        await self._done.wait()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _event(self, event: RunEvent) -> None:
        if threading.get_ident() != self._loop_thread and self._loop is not None:
            self._loop.call_soon_threadsafe(self._event, event)  # the API says loop-side; be safe
            return
        self._pending.append(event)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_later(BATCH_DELAY, self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        events, self._pending = self._pending, []
        if events:
            self.deliver(events)
