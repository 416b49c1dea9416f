"""Daemon worker threads for the blocking calls of python actions, reused from call to call.

Unlike ``asyncio.to_thread``'s executor, a call that never returns only holds its own worker (the
next call starts another) and never blocks the loop's shutdown (the workers are daemons). Unlike a
thread per call, a herd of calls reuses the workers that are idle: no thread start per call. A
worker idle for ``IDLE`` seconds ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
Settled = tuple[T | None, BaseException | None]
IDLE = 30.0  # seconds a worker waits for another call before it ends


class DaemonPool:
    def __init__(self, name: str, idle: float = IDLE) -> None:
        self.name = name
        self.idle_timeout = idle
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a call that no call was handed to yet
        self._workers = 0
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    @property
    def workers(self) -> int:
        return self._workers

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` in a worker: an idle one, or a new one when none is idle."""
        with self._lock:
            self._calls.put(job)
            if self._idle > 0:
                self._idle -= 1
                return
            self._workers += 1
        threading.Thread(target=self._work, name=self.name, daemon=True).start()

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
            job()
            with self._lock:
                self._idle += 1


_POOL = DaemonPool("tickwork-python-action")


def in_daemon_thread(fn: Callable[[], T]) -> asyncio.Future[Settled[T]]:
    """Run ``fn`` in a daemon worker of the pool, in a copy of the caller's context. The future
    gets ``(result, None)`` or ``(None, exc)``; a call still running when the loop is closed is
    left to finish on its own."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[Settled[T]] = loop.create_future()
    context = contextvars.copy_context()

    def settle(value: Settled[T]) -> None:
        if not fut.done():
            fut.set_result(value)

    def job() -> None:
        value: Settled[T]
        try:
            value = (context.run(fn), None)
        except BaseException as exc:
            value = (None, exc)
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(settle, value)

    _POOL.submit(job)
    return fut
