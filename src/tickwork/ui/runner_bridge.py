"""The embedded runner inside the UI, on its OWN thread with its OWN event loop.

Nothing the runner does (its /proc scans, a user's `async def` action that never awaits, a
database wait) can delay a keystroke: the UI's event loop only ever receives the runner's events,
batched (a burst of 50 fires becomes one delivery) and handed to `deliver` on the UI loop.

The runner gets its own Store connection, opened and closed on the runner thread. It claims
ahead, as `tickwork run` does (fires pre-claimed a moment before their instant, started from
memory at it: runner.ahead), with `max_concurrency` slots (`tickwork --max-concurrency N`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tickwork.domain.timeutil import Clock
from tickwork.store import Store
from tickwork.store.location import Target

if TYPE_CHECKING:
    from tickwork.runner import RunEvent, Runner

BATCH_DELAY = 0.25  # seconds: events arriving within this window are delivered together
CANCEL_GRACE = 2.0  # seconds running jobs get when the UI is torn down without a quit
STOPPED_WAIT = 60.0  # seconds wait_stopped() waits (stopping commands: SIGTERM, SIGKILL, reap)
THREAD_NAME = "tickwork-embedded-runner"
DEFAULT_CONCURRENCY = 8  # as `tickwork run`


class RunnerBridge:
    """Owns the embedded runner thread; `deliver(events)` is called on the UI loop per batch."""

    def __init__(
        self,
        store_path: Target,
        clock: Clock,
        deliver: Callable[[list[RunEvent]], None],
        call_later: Callable[[float, Callable[[], None]], Any],
        *,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        claim_ahead: bool = True,
    ) -> None:
        self.store_path = store_path
        self.max_concurrency = max_concurrency
        self.claim_ahead = claim_ahead
        self.clock = clock
        self.deliver = deliver
        self.call_later = call_later
        self.state: str | None = None  # None until started, "stopped" at the end
        self._runner: Runner | None = None
        self._runner_loop: asyncio.AbstractEventLoop | None = None
        self._ui_loop: asyncio.AbstractEventLoop | None = None
        self._ui_context: contextvars.Context | None = None  # the app's context (active_app)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()  # the runner exists (or failed to start)
        self._finished: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._pending: list[RunEvent] = []
        self._flush_scheduled = False
        self._inbox: list[RunEvent] = []  # from the runner thread, not yet on the UI loop
        self._inbox_lock = threading.Lock()
        self._early_hurries = 0  # stop_now() calls made before the runner existed

    # --- the UI side ------------------------------------------------------------------------

    async def run(self) -> None:
        """Start the runner thread and wait until it ends (call it as a worker). A crash of the
        runner is raised here; cancelling this stops the runner (briefly) and waits for it."""
        self._ui_loop = asyncio.get_running_loop()
        self._ui_context = contextvars.copy_context()
        self.state = "starting"
        self._thread = threading.Thread(target=self._thread_main, name=THREAD_NAME, daemon=True)
        self._thread.start()
        try:
            await asyncio.wrap_future(self._finished)
        except asyncio.CancelledError:
            await self._stop_from_ui(CANCEL_GRACE)
            raise

    @property
    def runner_state(self) -> str | None:
        runner = self._runner
        if runner is not None and self.state != "stopped":
            return str(runner.state)
        return self.state

    @property
    def runner(self) -> Runner | None:
        """The embedded runner, once started (tests and benchmarks read its settings)."""
        return self._runner

    @property
    def running(self) -> bool:
        return self._runner is not None and self.state != "stopped"

    @property
    def thread_id(self) -> int | None:
        """The runner thread's id (None before start): never the UI loop's thread."""
        return self._thread.ident if self._thread is not None else None

    @property
    def running_jobs(self) -> int:
        """Runs the embedded runner has running now (0 before it started)."""
        runner = self._runner
        return runner.running if runner is not None and self.state != "stopped" else 0

    @property
    def kill_grace(self) -> float | None:
        return self._runner.kill_grace if self._runner is not None else None

    def stop_now(self) -> None:
        """The runner stops at once (Runner.stop_now: the shutdown grace ends, running actions
        are stopped and recorded; asked again: killed). Before the runner exists it is applied
        by the stop that waits for it."""
        if self._thread is None or self.state == "stopped":
            return
        runner, loop = self._runner, self._runner_loop
        if runner is None or loop is None:
            self._early_hurries += 1
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: the runner has stopped
            loop.call_soon_threadsafe(runner.stop_now)

    def wait_stopped(self, timeout: float = STOPPED_WAIT) -> bool:
        """Blocking, once the UI's loop has ended (whatever ended it: a crash skips the quit):
        stop the runner at once if it still runs and wait for its thread; False on timeout."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return True
        self._ready.wait(timeout)
        runner, loop = self._runner, self._runner_loop
        if runner is not None and loop is not None and not runner.stopping_now:
            with contextlib.suppress(RuntimeError):  # the loop closed: it has stopped
                loop.call_soon_threadsafe(runner.stop_now)
        thread.join(timeout)
        return not thread.is_alive()

    async def stop(self, grace: float) -> None:
        """Ask the runner to stop and wait until it has (running jobs get `grace` seconds)."""
        if self._thread is None or self.state == "stopped":
            return
        await self._stop_from_ui(grace)

    async def _stop_from_ui(self, grace: float) -> None:
        await asyncio.to_thread(self._ready.wait)
        runner, loop = self._runner, self._runner_loop
        if runner is not None and loop is not None and not loop.is_closed():
            # RuntimeError: the loop closed meanwhile, so the runner has stopped already
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(runner.stop(grace=grace), loop)
            hurries, self._early_hurries = self._early_hurries, 0
            for _ in range(hurries):  # stop_now() before the runner existed
                self.stop_now()
        await asyncio.shield(asyncio.wrap_future(self._finished))

    # --- the runner thread ------------------------------------------------------------------

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # handed to the UI, which says so
            if not self._finished.done():
                self._finished.set_exception(exc)
        else:
            if not self._finished.done():
                self._finished.set_result(None)
        finally:
            self.state = "stopped"
            self._ready.set()

    async def _serve(self) -> None:
        from tickwork.runner import Runner

        self._runner_loop = asyncio.get_running_loop()
        try:
            store = await asyncio.to_thread(Store.open, self.store_path, clock=self.clock)
            runner = Runner(
                store,
                mode="embedded",
                clock=self.clock,
                on_event=self._event,
                max_concurrency=self.max_concurrency,
                claim_ahead=self.claim_ahead,
            )
            self._runner = runner
        finally:
            self._ready.set()
        try:
            await runner.run()
        finally:
            self.state = "stopped"
            store.close()

    def _event(self, event: RunEvent) -> None:
        """Called on the runner thread: hand the event to the UI loop. Events wait in the inbox
        until the UI loop takes them; only the first of them wakes it (a wake-up writes to the
        loop's pipe: once per event, a herd's 2,000 events held up the runner thread)."""
        loop = self._ui_loop
        if loop is None or loop.is_closed():
            return
        with self._inbox_lock:
            self._inbox.append(event)
            if len(self._inbox) > 1:
                return  # the UI loop is called already; it takes this one too
        with contextlib.suppress(RuntimeError):  # the UI loop is closing: nobody is left to tell
            loop.call_soon_threadsafe(self._take_inbox, context=self._ui_context)

    # --- back on the UI loop ----------------------------------------------------------------

    def _take_inbox(self) -> None:
        with self._inbox_lock:
            events, self._inbox = self._inbox, []
        for event in events:
            self._queue(event)

    def _queue(self, event: RunEvent) -> None:
        self._pending.append(event)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_later(BATCH_DELAY, self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        events, self._pending = self._pending, []
        if events:
            self.deliver(events)
