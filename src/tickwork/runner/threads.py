"""Daemon worker threads for the blocking calls of python actions, reused from call to call.

Unlike ``asyncio.to_thread``'s executor, a call that never returns only holds its own worker (a
later call gets another) and never blocks the loop's shutdown (the workers are daemons). Unlike a
thread per call, a herd of calls reuses the workers that are idle: no thread start per call.

A herd of a thousand quick calls must not start a thousand threads (each start hands the
interpreter lock to the new thread, and the herd's starts wait behind them): up to ``SOFT_CAP``
workers are started at once; a call submitted beyond them waits in the queue for the next free
worker, and one still waiting ``RELIEF`` seconds later gets a worker of its own (so calls that
block never hold the others up for longer than that). A worker idle for ``IDLE`` seconds ends.

Results come back to the loop through one inbox per loop: one wake-up carries every result that
arrived meanwhile, not one wake-up per call. While calls wait in the queue (a herd is starting),
results are held: the loop would take the interpreter lock from the workers to see runs through
while other runs have not started. The worker that takes the last queued call hands them over.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Settled = tuple[T | None, BaseException | None]
Job = Callable[[], "Callable[[], None] | None"]  # returns what to do once its worker is free
IDLE = 30.0  # seconds a worker waits for another call before it ends
SOFT_CAP = 16  # workers started at once for calls that find none idle
RELIEF = 0.02  # seconds a call beyond SOFT_CAP waits for a free worker before it gets its own


class DaemonPool:
    def __init__(
        self, name: str, idle: float = IDLE, soft_cap: int = SOFT_CAP, *, relief: bool = True
    ) -> None:
        self.name = name
        self.relief = relief  # calls beyond soft_cap get a worker of their own after RELIEF
        self.idle_timeout = idle
        self.soft_cap = soft_cap
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a call that no call was handed to yet
        self._waiting = 0  # calls queued beyond the soft cap that no worker took yet
        self._workers = 0
        self._calls: queue.SimpleQueue[Job] = queue.SimpleQueue()

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def waiting(self) -> int:
        return self._waiting

    def queued(self) -> bool:
        """Whether calls wait in the queue for a worker to take them."""
        return not self._calls.empty()

    def submit(self, job: Job) -> bool:
        """Run `job` in a worker: an idle one, or a new one when none is idle and fewer than
        the soft cap run. False: it waits for a free worker (call relieve() a moment later).
        What `job` returns is called once the worker counts as free again (so a call made in
        answer to its result finds it free)."""
        with self._lock:
            self._calls.put(job)
            if self._idle > 0:
                self._idle -= 1
                return True
            if self._workers >= self.soft_cap:
                self._waiting += 1
                return False
            self._workers += 1
        return self._start(1) == 1

    def relieve(self) -> int:
        """Every call still waiting for a worker gets one of its own now; how many started."""
        with self._lock:
            n, self._waiting = self._waiting, 0
            self._workers += n
        return self._start(n)

    def _start(self, n: int) -> int:
        """Start `n` workers (counted already); how many started. A thread that cannot be had
        now (the process's limit) leaves its call queued for the next free worker or relief."""
        for i in range(n):
            try:
                threading.Thread(target=self._work, name=self.name, daemon=True).start()
            except RuntimeError:
                with self._lock:
                    self._workers -= n - i
                    self._waiting += n - i
                return i
        return n

    def _work(self) -> None:
        while True:
            try:
                job = self._calls.get(timeout=self.idle_timeout)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # this worker is not owed a call: it ends
                        self._idle -= 1
                        self._workers -= 1
                        return
                continue  # a call was handed to the idle workers and is on its way
            then = job()
            with self._lock:
                if self._waiting > 0:  # a queued call is this worker's next
                    self._waiting -= 1
                else:
                    self._idle += 1
            if then is not None:
                then()


_POOL = DaemonPool("tickwork-python-action")


class _Inbox:
    """Results of calls made from one loop, handed to it in batches (see the module doc)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: collections.deque[tuple[asyncio.Future[Any], Any]] = collections.deque()
        self.scheduled = False
        self.relief: asyncio.TimerHandle | None = None

    def put(self, fut: asyncio.Future[Any], value: Any, pool: DaemonPool) -> None:  # a worker's
        self.items.append((fut, value))
        if not pool.queued():  # else the worker that takes the last queued call wakes the loop
            self.wake()

    def wake(self) -> None:
        if not self.scheduled:
            self.scheduled = True
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                self.loop.call_soon_threadsafe(self.drain)

    def drain(self) -> None:  # on the loop
        self.scheduled = False  # first: a result put from now on schedules another drain
        while self.items:
            fut, value = self.items.popleft()
            if not fut.done():
                fut.set_result(value)

    def relieve_later(self, pool: DaemonPool) -> None:  # on the loop
        if self.relief is None:
            self.relief = self.loop.call_later(RELIEF, self._relieve, pool)

    def _relieve(self, pool: DaemonPool) -> None:
        self.relief = None
        pool.relieve()


_INBOXES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()


def in_daemon_thread(
    fn: Callable[[], T], pool: DaemonPool | None = None
) -> asyncio.Future[Settled[T]]:
    """Run ``fn`` in a daemon worker of the pool (python actions' by default), in a copy of the
    caller's context. The future gets ``(result, None)`` or ``(None, exc)``; a call still
    running when the loop is closed is left to finish on its own. A pool made with
    ``relief=False`` keeps its calls queued for its workers (never a thread beyond its cap)."""
    loop = asyncio.get_running_loop()
    inbox = _INBOXES.get(loop)
    if inbox is None:
        inbox = _INBOXES[loop] = _Inbox(loop)
    fut: asyncio.Future[Settled[T]] = loop.create_future()
    context = contextvars.copy_context()

    workers = _POOL if pool is None else pool

    def job() -> Callable[[], None]:
        if inbox.items and not workers.queued():  # results held while this call was queued
            inbox.wake()
        value: Settled[T]
        try:
            value = (context.run(fn), None)
        except BaseException as exc:
            value = (None, exc)
        return lambda: inbox.put(fut, value, workers)

    if not workers.submit(job) and workers.relief:
        inbox.relieve_later(workers)
    return fut
