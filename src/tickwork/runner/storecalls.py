"""The runner's one path to the store: every call off the event loop, and every failure handled
the same way.

- another process's lock (busy): waited out, never given up;
- any other failure (a full disk, an I/O error, a refusal): retried with a backoff when the call
  must not be lost (recording what a run did), else raised for the cycle to try again later;
  either way logged loudly, once per episode, with a reminder while it lasts;
- a damaged, read-only or vanished file: the runner stops (more of the same cannot fix it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from tickwork.store.faults import StoreError, classify

P = ParamSpec("P")
T = TypeVar("T")

MAX_DELAY = 2.0
REMIND_EVERY = 60.0  # seconds between reminders that a failure goes on


class Halted(Exception):
    """The database cannot be used any more (damaged, read-only): the runner stops."""

    def __init__(self, error: StoreError) -> None:
        super().__init__(str(error))
        self.error = error


class StoreCalls:
    """`await calls(fn, *args)` runs `fn` in a thread; see the module docstring for failures.

    `note(message)` logs a warning; `monotonic()` and `sleep(seconds)` are the runner's own (so
    tests drive them); `stopping()` says whether the runner is stopping (a persistent call then
    gives up after `give_up_after` seconds of failure instead of retrying for ever).
    """

    def __init__(
        self,
        note: Callable[[str], None],
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        stopping: Callable[[], bool],
        give_up_after: float = 30.0,
    ) -> None:
        self.note = note
        self.monotonic = monotonic
        self.sleep = sleep
        self.stopping = stopping
        self.give_up_after = give_up_after
        self.failing: dict[str, float] = {}  # failure key -> when it was last reported
        self.active: set[str] = set()  # failures going on now
        self.halted: Halted | None = None
        self.last_contact: float | None = None  # monotonic time the database last answered

    async def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.call(fn.__name__, False, fn, *args, **kwargs)

    async def persist(self, what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A call that must not be lost (recording what a run did): retried until it works."""
        return await self.call(what, True, fn, *args, **kwargs)

    async def call(
        self,
        what: str,
        persist: bool,
        fn: Callable[P, T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        if self.halted is not None:
            raise self.halted
        delay = 0.05
        began: float | None = None
        reported: set[str] = set()
        while True:
            try:
                result = await asyncio.to_thread(fn, *args, **kwargs)
            except (sqlite3.Error, StoreError) as exc:
                kind = classify(exc)
                if kind == "busy":
                    key = "busy"
                    self.report(key, f"database busy ({exc}); waiting")
                elif isinstance(exc, StoreError) and exc.fatal:
                    self.halted = Halted(exc)
                    raise self.halted from None
                elif not persist:
                    raise  # the caller's cycle reports it and tries again later
                else:
                    now = self.monotonic()
                    began = now if began is None else began
                    if self.stopping() and now - began > self.give_up_after:
                        self.note(f"gave up trying to {what} while stopping: {exc}")
                        raise
                    # One line for all the records failing for the same reason (a full disk
                    # fails them all), then a reminder while it lasts.
                    key = f"record:{kind}"
                    self.report(key, f"could not {what}: {exc}; retrying until it works")
                reported.add(key)
                await self.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            self.last_contact = self.monotonic()
            for key in reported:
                self.recovered(key)
            return result

    def recovered(self, key: str) -> None:
        """The failure `key` is over: say so once if it was reported."""
        if key in self.active:
            self.active.discard(key)
            what = {"busy": "the database", "cycle": "the runner's cycle"}.get(key, "recording")
            self.note(f"{what} works again")

    def report(self, key: str, message: str) -> None:
        """When a failure starts, then every REMIND_EVERY seconds while it lasts."""
        now = self.monotonic()
        last = self.failing.get(key)
        if key not in self.active or last is None or now - last >= REMIND_EVERY:
            self.failing[key] = now
            self.active.add(key)
            self.note(message)
