"""The relay: a held herd's python calls, started by the worker whose call just ended.

A herd larger than the slots is held in memory and started as slots free (runner.held). Were
each freed slot to go through the loop (the ended call's result handed over, its task woken,
the next fire's task made and its call handed back to a worker), every start would wait for
the loop's turn: about half a millisecond of the loop's time per fire, paid one slot after
another. The relay holds the held fires whose calls were made ready at the flip; a worker whose
call ended takes the next one and starts it itself, then tells the loop (which makes the run's
task and records its outcome as usual). The slot passes from the ended call to the next without
the loop: as many calls run as there were slots, never more.

A worker takes a link only while `allowed(at)` says so (the runner can start fires and the
link's instant came and has not waited too long: see runner.held), so a stopped, fenced or
standby runner's workers take none; what the runner gives back it takes out of the relay first
(take), under the same lock: a link is either started by a worker or given back, never both.
A link taken by a worker is "in flight" until the loop heard of its start (ids() counts it:
the runner's reconcile never mistakes its run for one claimed without its knowing).

While more of the herd is to be flipped for the relay (`coming`), a worker that finds it empty
waits for them, its slot still its own, REFILL_WAIT seconds at most: were it to hand its result
to the loop instead, the loop would wake to record every start and result so far, and the
flip (its write, and its next step on the same loop) would wait behind that work while every
slot idles.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")
REFILL_WAIT = 0.25  # seconds a worker waits for more of the herd (`coming`), at most


@dataclass(order=True, slots=True)
class Link(Generic[T]):
    """A held fire: its instant, its run's id, what the runner started it with and its call."""

    at: datetime
    key: str = field(compare=False)
    item: T = field(compare=False)
    call: Any = field(compare=False)  # threads.Call, made ready (not started)


class Relay(Generic[T]):
    def __init__(
        self, allowed: Callable[[datetime], bool], on_start: Callable[[Link[T], float], None]
    ) -> None:
        self.allowed = allowed  # called in a worker, under the relay's lock
        self.on_start = on_start  # on the loop: a worker started `link` at monotonic time `at`
        self._lock = threading.Lock()
        self._put = threading.Condition(self._lock)  # links put, or none coming any more
        self._links: list[Link[T]] = []  # by instant, earliest first
        self._flight: dict[str, Link[T]] = {}  # taken by a worker, start not heard of yet
        # While set, workers tell the loop of their starts and results without waking it: the
        # loop's work for each fire (its task, its events, its outcome) would take the
        # interpreter lock from the workers while the rest wait to start. The worker that finds
        # the relay empty wakes it; the runner ends the hold after RELAY_HOLD at the latest.
        self.holding = False
        self.coming = False  # more of the herd is to be flipped for the relay
        self.waiting = 0  # workers waiting for them

    def __len__(self) -> int:
        return len(self._links)

    def put(self, links: list[Link[T]], coming: bool = False) -> None:
        """Links made ready (each call's relay set to this one), in the order of their instant;
        and whether more are `coming` (see expect), in the same breath: a worker waiting for
        these never finds the relay empty with none coming meanwhile."""
        with self._lock:
            for link in links:
                bisect.insort_right(self._links, link)
            self.coming = coming
            self._put.notify_all()

    def expect(self, coming: bool) -> None:
        """More held fires are to be flipped for the relay (or no longer: a worker waiting for
        them stops waiting)."""
        with self._lock:
            self.coming = coming
            if not coming:
                self._put.notify_all()

    def next(self) -> Link[T] | None:
        """For a worker whose call ended: the next link it starts itself, if any is allowed
        now (in flight until landed)."""
        with self._lock:
            until: float | None = None
            while not self._links and self.holding and self.coming:  # more to be flipped
                now = time.monotonic()
                until = now + REFILL_WAIT if until is None else until
                if now >= until:
                    break
                self.waiting += 1
                try:
                    self._put.wait(until - now)
                finally:
                    self.waiting -= 1
            if not self._links or not self.allowed(self._links[0].at):
                self.holding = False  # (the caller's result wakes the loop)
                return None
            link = self._links.pop(0)
            self._flight[link.key] = link
            return link

    def release(self) -> None:
        """The loop hears of every start and result as they come from now on (see holding)."""
        with self._lock:
            self.holding = False
            self._put.notify_all()

    def started(self, link: Link[T], at: float) -> None:
        """On the loop: a worker started `link` at monotonic time `at` (no longer in flight)."""
        with self._lock:
            self._flight.pop(link.key, None)
        self.on_start(link, at)

    def first(self) -> Link[T] | None:
        """For the loop, with a slot free: the earliest link if it is allowed now (the loop
        starts it itself)."""
        with self._lock:
            if not self._links or not self.allowed(self._links[0].at):
                return None
            return self._links.pop(0)

    def take(self, gone: Callable[[datetime], bool] | None = None) -> list[Link[T]]:
        """Take out the links whose instant is `gone` (every one without it): no worker starts
        them any more."""
        with self._lock:
            if gone is None:
                taken, self._links = self._links, []
                self.coming = False
            else:
                taken = [link for link in self._links if gone(link.at)]
                self._links = [link for link in self._links if not gone(link.at)]
            self._put.notify_all()
            return taken

    def earliest(self) -> datetime | None:
        """The instant of the earliest link held (not in flight), if any."""
        with self._lock:
            return self._links[0].at if self._links else None

    def held(self) -> int:
        """Links held or in flight."""
        with self._lock:
            return len(self._links) + len(self._flight)

    def ids(self) -> set[str]:
        """Runs held here or in flight."""
        with self._lock:
            return {link.key for link in self._links} | set(self._flight)

    def in_flight(self) -> int:
        with self._lock:
            return len(self._flight)
