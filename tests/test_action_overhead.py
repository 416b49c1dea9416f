"""What a fire costs besides its action: python calls reuse idle daemon workers (no thread
start per call, a hung call never blocks the next), a command's environment is built encoded,
and the runner's event lines are written once per loop iteration, in order."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tickwork.cli.run_log import Output
from tickwork.domain.model import PythonAction
from tickwork.domain.status import RunStatus
from tickwork.runner import threads
from tickwork.runner.actions import execute
from tickwork.runner.threads import DaemonPool, in_daemon_thread

from .actions_support import make_ctx


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    import actions_helpers

    actions_helpers.release.clear()
    yield actions_helpers
    actions_helpers.release.set()


def wait_until(condition: Callable[[], bool], deadline: float = 30.0) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


async def test_python_calls_reuse_an_idle_worker(
    helpers: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pool of its own: earlier tests leave idle workers, any of which may take a call.
    monkeypatch.setattr(threads, "_POOL", DaemonPool("tickwork-python-action"))
    ctx = make_ctx()
    helpers.callers.clear()
    for _ in range(2):
        done = await execute(PythonAction("actions_helpers:which_thread"), ctx, timeout=10)
        assert done.status == RunStatus.SUCCEEDED and done.output == "tickwork-python-action"
    first, second = helpers.callers
    assert first is second  # the same worker thread, not a new one per call
    assert first is not threading.current_thread()  # and not the loop's


async def test_a_hung_call_keeps_its_worker_and_the_next_call_gets_another(
    helpers: ModuleType,
) -> None:
    ctx = make_ctx()
    hung = asyncio.ensure_future(execute(PythonAction("actions_helpers:slow"), ctx, timeout=0.2))
    quick = await execute(PythonAction("actions_helpers:ok"), ctx, timeout=10)
    assert quick.status == RunStatus.SUCCEEDED
    assert (await hung).status == RunStatus.TIMED_OUT  # its thread still waits; the loop does not


def test_the_pool_grows_for_blocked_calls_and_idle_workers_end() -> None:
    pool = DaemonPool("test-pool", idle=0.05)
    gate = threading.Event()
    done: list[int] = []

    def blocked(i: int) -> Callable[[], None]:
        def call() -> None:
            gate.wait(30)
            done.append(i)

        return call

    for i in range(3):  # three calls that block: three workers
        pool.submit(blocked(i))
    assert wait_until(lambda: pool.workers == 3)
    gate.set()
    assert wait_until(lambda: sorted(done) == [0, 1, 2])
    assert wait_until(lambda: pool.workers == 0)  # idle past their time: ended
    pool.submit(lambda: done.append(3))
    assert wait_until(lambda: done[-1:] == [3])


async def test_a_call_keeps_the_callers_context_and_exception() -> None:
    def fail() -> None:
        raise KeyError("inside")

    result, exc = await in_daemon_thread(fail)
    assert result is None and isinstance(exc, KeyError)


def test_event_lines_are_written_together_and_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = Output()
    later: list[Callable[[], None]] = []
    out.defer = later.append
    out.event("one")
    out.event("two")
    assert capsys.readouterr().out == "" and len(later) == 1  # one write scheduled
    out.line("runner note")  # any other line writes what is pending first
    assert capsys.readouterr().out == "one\ntwo\nrunner note\n"
    out.event("three")
    later[-1]()
    assert capsys.readouterr().out == "three\n"
    out.defer = None
    out.event("four")  # no loop: at once
    assert capsys.readouterr().out == "four\n"


def test_a_herd_of_calls_starts_few_workers_and_a_blocked_pool_gets_relief() -> None:
    pool = DaemonPool("test-pool", idle=5.0, soft_cap=2)
    gate = threading.Event()
    done: list[int] = []

    def blocked() -> None:
        gate.wait(30)
        done.append(0)

    assert pool.submit(blocked) and pool.submit(blocked)  # two workers, both held
    assert not pool.submit(lambda: done.append(1))  # beyond the soft cap: it waits...
    assert pool.workers == 2 and pool.waiting == 1
    assert pool.relieve() == 0  # a first look: the workers may be making progress
    assert pool.relieve() == 1  # still on the same calls: stuck, so it gets a worker of its own
    assert pool.relieve() == 0  # nothing waits any more
    assert wait_until(lambda: done == [1])
    gate.set()
    assert wait_until(lambda: sorted(done) == [0, 0, 1])
    # A herd of quick calls: no thread per call beyond the soft cap.
    for i in range(200):
        pool.submit(functools.partial(done.append, i))
    assert wait_until(lambda: len(done) == 203)
    assert pool.workers <= 3


async def test_a_call_waiting_behind_hung_ones_runs_within_the_relief_delay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads, "_POOL", DaemonPool("tickwork-python-action", soft_cap=1))
    gate = threading.Event()
    try:
        hung = in_daemon_thread(lambda: gate.wait(30))

        def ran() -> str:
            return "ran"

        result, exc = await asyncio.wait_for(in_daemon_thread(ran), 30)
        assert (result, exc) == ("ran", None)  # not held behind the hung call
        assert not hung.done()
    finally:
        gate.set()
    assert (await asyncio.wait_for(hung, 30))[0] is True


def test_a_call_whose_thread_cannot_be_started_waits_for_relief(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = DaemonPool("test-pool", idle=5.0)
    done: list[int] = []
    real_start = threading.Thread.start

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    assert not pool.submit(functools.partial(done.append, 1))  # queued, not lost, not run twice
    assert pool.workers == 0 and pool.waiting == 1
    monkeypatch.setattr(threading.Thread, "start", real_start)
    assert pool.relieve() == 1  # no worker at all: one at the first look
    assert wait_until(lambda: done == [1])


def test_relief_replaces_only_stuck_workers_not_busy_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that moved on to another call between two looks is not stuck; one held by one
    call across a look gets one replacement (not one per waiting call: no thread storm)."""
    monkeypatch.setattr(threads, "SLOW_CALL", 3600.0)  # no growth for slow calls here (below)
    pool = DaemonPool("test-pool", idle=5.0, soft_cap=2)
    gates = [threading.Event() for _ in range(51)]
    began: list[int] = []
    done: list[int] = []

    def call(i: int) -> Callable[[], None]:
        def run() -> None:
            began.append(i)
            gates[i].wait(30)
            done.append(i)

        return run

    assert pool.submit(call(50))  # held until the end
    assert pool.submit_many([call(i) for i in range(50)]) == 49  # one worker free: 49 wait
    assert wait_until(lambda: sorted(began) == [0, 50])
    assert pool.relieve() == 0  # the first look
    gates[0].set()  # the free worker moves on to call 1: making progress
    assert wait_until(lambda: 1 in began)
    assert pool.relieve() == 1  # only the held worker is stuck: one replacement
    assert pool.workers == 3
    for gate in gates:
        gate.set()
    assert wait_until(lambda: len(done) == 51)
    assert pool.workers == 3 and pool.waiting == 0


def test_relief_doubles_the_pool_for_slow_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls that ended since the previous look took SLOW_CALL or more on average: the pool
    doubles (the worker is not stuck: it moved on to the next call)."""
    monkeypatch.setattr(threads, "SLOW_CALL", 0.0)  # every call counts as slow
    pool = DaemonPool("test-pool", idle=5.0, soft_cap=1)
    gates = [threading.Event() for _ in range(10)]
    began: list[int] = []

    def call(i: int) -> Callable[[], None]:
        def run() -> None:
            began.append(i)
            gates[i].wait(30)

        return run

    try:
        assert pool.submit_many([call(i) for i in range(10)]) == 9
        assert wait_until(lambda: began == [0])
        assert pool.relieve() == 0  # the first look: no call ended yet, none stuck
        gates[0].set()
        assert wait_until(lambda: began == [0, 1])
        assert pool.relieve() == 1  # one call ended since: twice the workers
        assert pool.workers == 2
    finally:
        for gate in gates:
            gate.set()


def test_waiting_for_a_herd_to_be_taken_relieves_a_stuck_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """wait_taken blocks until every queued call has a worker: quick calls are all taken; a
    call queued behind a stuck worker is taken once the wait's own looks replace that worker;
    with no time left it says the queue is not empty (and the call still runs later)."""
    monkeypatch.setattr(threads, "SLOW_CALL", 3600.0)  # only stuck workers count here
    pool = DaemonPool("test-pool", idle=5.0, soft_cap=1)
    done: list[int] = []
    assert pool.submit_many([functools.partial(done.append, i) for i in range(200)]) >= 0
    assert pool.wait_taken(30)
    assert wait_until(lambda: len(done) == 200)
    gate = threading.Event()
    try:

        def stuck() -> None:
            gate.wait(30)

        assert pool.submit(stuck)
        assert wait_until(lambda: pool.workers == 1 and not pool.queued())
        assert not pool.submit(functools.partial(done.append, -1))  # behind the stuck one
        assert not pool.wait_taken(0)  # no time to wait: still queued
        assert pool.wait_taken(30)  # the looks replace the stuck worker
        assert wait_until(lambda: done[-1:] == [-1])
        assert pool.workers == 2
    finally:
        gate.set()
