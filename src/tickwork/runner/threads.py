"""Daemon worker threads for the blocking calls of python actions, reused from call to call.

Unlike ``asyncio.to_thread``'s executor, a call that never returns only holds its own worker (a
later call gets another) and never blocks the loop's shutdown (the workers are daemons). Unlike a
thread per call, a herd of calls reuses the workers that are idle: no thread start per call.

A herd of a thousand quick calls must not start a thousand threads (each start hands the
interpreter lock to the new thread, and the herd's starts wait behind them): up to ``SOFT_CAP``
workers are started at once; calls beyond them wait in the queue for the next free worker.
While calls wait, the pool is looked at every ``RELIEF`` seconds:
- a worker still on the call it had at the previous look is stuck (a call that blocks) and gets
  a replacement, so calls that block never hold the others up for more than about twice that;
- when the calls that ended since the previous look took ``SLOW_CALL`` seconds or more on
  average (they wait on I/O, mostly), the pool doubles, up to ``GROW_CAP`` workers;
- workers that work quick calls through get no company (no thread storm).
A worker idle for ``IDLE`` seconds ends.

A herd's calls are made ready ahead (``ready_call``: the future, the context, the job) and
started together (``start_calls``: one hand-over to the queue), so starting the ten thousandth
costs the loop about as little as the first.

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
import functools
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from tickwork.runner.relay import Relay

T = TypeVar("T")
Settled = tuple[T | None, BaseException | None]
Job = Callable[[], "Callable[[], None] | None"]  # returns what to do once its worker is free
IDLE = 30.0  # seconds a worker waits for another call before it ends
SOFT_CAP = 16  # workers started at once for calls that find none idle (see the module doc)
RELIEF = 0.02  # seconds between looks at the workers while calls wait
SLOW_CALL = 0.002  # seconds a call takes on average for the pool to grow while calls wait
GROW_CAP = 32  # workers the pool grows to for slow calls (stuck ones are replaced beyond it)


class _Worker:
    """What the pool knows of one worker: the look (epoch) at which it took its current call."""

    __slots__ = ("epoch",)

    def __init__(self) -> None:
        self.epoch: int | None = None  # None: between calls


class DaemonPool:
    def __init__(
        self, name: str, idle: float = IDLE, soft_cap: int = SOFT_CAP, *, relief: bool = True
    ) -> None:
        self.name = name
        self.relief = relief  # looks for stuck workers while calls wait (else: never beyond cap)
        self.idle_timeout = idle
        self.soft_cap = soft_cap
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a call that no call was handed to yet
        self._waiting = 0  # calls queued beyond the soft cap that no worker took yet
        self._workers = 0
        self._epoch = 0  # looks at the workers so far (relieve)
        self._ended = 0  # calls ended since the last look...
        self._took = 0.0  # ...and the seconds they took
        self._live: set[_Worker] = set()
        self._taken = threading.Event()  # set once the queue is empty, while watched
        self._watched = False
        self._calls: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._local = threading.local()  # .worker: the _Worker of the calling thread

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
        the soft cap run. False: it waits for a free worker (call relieve() now and then while
        calls wait). What `job` returns is called once the worker counts as free again (so a
        call made in answer to its result finds it free)."""
        return self.submit_many([job]) == 0

    def submit_many(self, jobs: list[Job]) -> int:
        """submit() for many jobs at once (one hand-over); how many wait for a free worker."""
        with self._lock:
            for job in jobs:
                self._calls.put(job)
            n = len(jobs)
            taken = min(self._idle, n)
            self._idle -= taken
            new = max(0, min(n - taken, self.soft_cap - self._workers))
            self._workers += new
            self._waiting += n - taken - new
        return n - taken - self._start(new)

    def wait_taken(self, timeout: float) -> bool:
        """Block the calling thread (the interpreter lock released) until every queued call
        was taken by a worker, at most `timeout` seconds, looking at the workers meanwhile as
        relief does; whether the queue is empty. (A herd's runner waits so: the calls start
        with the interpreter lock to themselves; see runner.ahead.)"""
        end = time.perf_counter() + timeout
        self._taken.clear()
        self._watched = True
        try:
            while self.queued():
                left = end - time.perf_counter()
                if left <= 0:
                    return False
                if not self._taken.wait(min(left, RELIEF)) and self.relief:
                    self.relieve()
            return True
        finally:
            self._watched = False

    def relieve(self) -> int:
        """Look at the workers: each one still on the call it had at the previous look is
        stuck; calls waiting get new workers so that as many as the soft cap are not stuck, or
        twice as many workers as now (up to GROW_CAP) when the calls ended since the previous
        look were slow. How many started."""
        with self._lock:
            self._epoch += 1
            stuck = sum(1 for w in self._live if w.epoch is not None and w.epoch < self._epoch - 1)
            n = self.soft_cap - (self._workers - stuck)
            if self._ended and self._took / self._ended >= SLOW_CALL:
                n = max(n, min(self._workers, GROW_CAP - self._workers))
            self._ended, self._took = 0, 0.0
            n = max(0, min(self._waiting, n))
            self._waiting -= n
            self._workers += n
        return self._start(n)

    def _start(self, n: int) -> int:
        """Start `n` workers (counted already); how many started. A thread that cannot be had
        now (the process's limit) leaves its call queued for the next free worker or relief."""
        for i in range(n):
            try:
                worker = _Worker()
                threading.Thread(
                    target=self._work, args=(worker,), name=self.name, daemon=True
                ).start()
            except RuntimeError:
                with self._lock:
                    self._workers -= n - i
                    self._waiting += n - i
                return i
        return n

    def progress(self, took: float) -> None:
        """In a worker's job: one call ended (it took `took` seconds) and the worker goes on to
        another in the same job (a relay): counted as a call of its own, not one stuck."""
        me: _Worker | None = getattr(self._local, "worker", None)
        with self._lock:
            self._ended += 1
            self._took += took
        if me is not None:
            me.epoch = self._epoch

    def _work(self, me: _Worker) -> None:
        self._local.worker = me
        with self._lock:
            self._live.add(me)
        while True:
            try:
                job = self._calls.get(timeout=self.idle_timeout)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # this worker is not owed a call: it ends
                        self._idle -= 1
                        self._workers -= 1
                        self._live.discard(me)
                        return
                continue  # a call was handed to the idle workers and is on its way
            if self._watched and self._calls.empty():
                self._taken.set()
            me.epoch = self._epoch
            began = time.perf_counter()
            then = job()
            took = time.perf_counter() - began
            me.epoch = None
            with self._lock:
                self._ended += 1
                self._took += took
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
        self.items: collections.deque[Callable[[], None]] = collections.deque()  # to run
        self.scheduled = False
        self.relief: asyncio.TimerHandle | None = None

    def put(self, fut: asyncio.Future[Any], value: Any, pool: DaemonPool) -> None:  # a worker's
        self.tell(functools.partial(_settle, fut, value), pool)

    def tell(self, item: Callable[[], None], pool: DaemonPool, hold: bool = False) -> None:
        """Run `item` on the loop, with the next batch of results (`hold`: not waking it)."""
        self.items.append(item)  # (a worker's)
        if not hold and not pool.queued():  # else the worker that takes the last queued call
            self.wake()  # wakes the loop

    def wake(self) -> None:
        if not self.scheduled:
            self.scheduled = True
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                self.loop.call_soon_threadsafe(self.drain)

    def drain(self) -> None:  # on the loop
        self.scheduled = False  # first: a result put from now on schedules another drain
        while self.items:
            self.items.popleft()()

    def relieve_later(self, pool: DaemonPool) -> None:  # on the loop
        if self.relief is None:
            self.relief = self.loop.call_later(RELIEF, self._relieve, pool)

    def _relieve(self, pool: DaemonPool) -> None:
        self.relief = None
        pool.relieve()
        if pool.waiting > 0:  # looked at again until no call waits
            self.relieve_later(pool)


def _settle(fut: asyncio.Future[Any], value: Any) -> None:
    if not fut.done():
        fut.set_result(value)


_INBOXES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()


class Call(Generic[T]):
    """A call made ready on the loop (its future, its context, its job), not started yet. With
    a relay (runner.relay), the worker that ran it starts the relay's next call itself once it
    ended, and tells the loop."""

    __slots__ = ("context", "fn", "future", "inbox", "pool", "relay", "wait")

    def __init__(self, fn: Callable[[], T], pool: DaemonPool | None = None) -> None:
        loop = asyncio.get_running_loop()
        inbox = _INBOXES.get(loop)
        if inbox is None:
            inbox = _INBOXES[loop] = _Inbox(loop)
        self.inbox = inbox
        self.future: asyncio.Future[Settled[T]] = loop.create_future()
        self.context = contextvars.copy_context()
        self.fn = fn
        self.pool = _POOL if pool is None else pool
        self.wait: Callable[[], None] | None = None  # called in the worker first (see start)
        self.relay: Relay[Any] | None = None

    def settle(self) -> Settled[T]:
        """Run it (in a worker): its result, or the exception it raised."""
        try:
            if self.wait is not None:
                self.wait()
            return (self.context.run(self.fn), None)
        except BaseException as exc:
            return (None, exc)

    def job(self) -> Callable[[], None]:
        """What its worker runs: the call, then the relay's next calls while there are any
        (each start told to the loop before the result of the call that ended)."""
        inbox, pool = self.inbox, self.pool
        if inbox.items and not pool.queued():  # results held while this call was queued
            inbox.wake()
        call: Call[Any] = self
        began = time.perf_counter()
        value: Settled[Any] = call.settle()
        while call.relay is not None and not call.future.done():  # (not cancelled: its slot)
            link = call.relay.next()
            if link is None:
                break
            at = time.monotonic()  # when the next one started (a measurement, told the loop)
            hold = call.relay.holding
            inbox.tell(functools.partial(call.relay.started, link, at), pool, hold)
            inbox.tell(functools.partial(_settle, call.future, value), pool, hold)
            pool.progress(time.perf_counter() - began)
            call, began = link.call, time.perf_counter()
            value = call.settle()
        return functools.partial(inbox.put, call.future, value, pool)


def deliver_held() -> None:
    """On a loop: hand it the results and starts its calls' workers held (see Relay.holding)."""
    inbox = _INBOXES.get(asyncio.get_running_loop())
    if inbox is not None and inbox.items:
        inbox.wake()


def ready_call(fn: Callable[[], T]) -> Call[T]:
    """``fn`` made ready to run in a daemon worker, in a copy of the caller's context (see
    in_daemon_thread); started by start_calls."""
    return Call(fn)


def start_calls(calls: list[Call[Any]], wait: Callable[[], None] | None = None) -> None:
    """Start calls made ready (on the loop that made them): handed to the pool at once. With
    `wait`, each worker calls it first and the call once it returned (a herd handed over a
    moment before its instant: the workers wait for the instant itself)."""
    if not calls:
        return
    for call in calls:
        call.wait = wait
    pool = calls[0].pool
    if pool.submit_many([call.job for call in calls]) and pool.relief:
        loop = asyncio.get_running_loop()
        _INBOXES[loop].relieve_later(pool)


def wait_started(calls: list[Call[Any]], timeout: float) -> bool:
    """Block the loop until the calls started by start_calls were all taken by workers (at
    most `timeout` seconds); whether they were."""
    return calls[0].pool.wait_taken(timeout) if calls else True


def in_daemon_thread(
    fn: Callable[[], T], pool: DaemonPool | None = None
) -> asyncio.Future[Settled[T]]:
    """Run ``fn`` in a daemon worker of the pool (python actions' by default), in a copy of the
    caller's context. The future gets ``(result, None)`` or ``(None, exc)``; a call still
    running when the loop is closed is left to finish on its own. A pool made with
    ``relief=False`` keeps its calls queued for its workers (never a thread beyond its cap)."""
    call = Call(fn, pool)
    start_calls([call])
    return call.future
