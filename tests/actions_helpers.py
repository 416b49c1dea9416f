"""Targets for Python actions in test_actions.py (imported as ``actions_helpers:<name>``)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

received: list[dict[str, Any]] = []
release = threading.Event()  # lets `slow` return once its test is done


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    received.append(payload)
    return {"seen": payload["run_id"], "thread": threading.current_thread().name}


def nothing(payload: dict[str, Any]) -> None:
    received.append(payload)


async def async_ok(payload: dict[str, Any]) -> str:
    await asyncio.sleep(0)
    received.append(payload)
    return f"async {payload['schedule_name']}"


def _inner(value: int) -> int:
    raise ValueError(f"bad value {value}")


def boom(payload: dict[str, Any]) -> None:
    _inner(payload["attempt"])


async def async_boom(payload: dict[str, Any]) -> None:
    raise RuntimeError("async failure")


def raises_timeout_error(payload: dict[str, Any]) -> None:
    raise TimeoutError("the user's own timeout")


def slow(payload: dict[str, Any]) -> str:
    release.wait(10)
    return "late"


async def async_slow(payload: dict[str, Any]) -> str:
    await asyncio.sleep(30)
    return "late"


class Namespace:
    @staticmethod
    def nested(payload: dict[str, Any]) -> str:
        return "nested ok"


not_callable = 42


callers: list[threading.Thread] = []  # the threads `which_thread` ran in (kept alive)


def which_thread(payload: dict[str, Any]) -> str:
    callers.append(threading.current_thread())
    return threading.current_thread().name


gate = threading.Event()  # `gated` calls wait for it (test_relay.py)
_gated_lock = threading.Lock()
gated_now = 0  # `gated` calls running now...
gated_most = 0  # ...and the most at once
gated_threads: list[str] = []  # the worker each ran in, in order of start
passes = threading.Semaphore(0)  # each release lets one `gated` call end without the gate


def gated(payload: dict[str, Any]) -> str:
    global gated_now, gated_most
    with _gated_lock:
        gated_now += 1
        gated_most = max(gated_most, gated_now)
        gated_threads.append(threading.current_thread().name + f"#{threading.get_ident()}")
    try:
        deadline = time.monotonic() + 30
        while not gate.is_set() and time.monotonic() < deadline:
            if passes.acquire(timeout=0.005):
                break
        return str(payload["run_id"])
    finally:
        with _gated_lock:
            gated_now -= 1


def reset_gated() -> None:
    global gated_now, gated_most
    gate.clear()
    while passes.acquire(blocking=False):
        pass
    with _gated_lock:
        gated_now = gated_most = 0
        gated_threads.clear()
