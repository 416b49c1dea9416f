"""Python actions: a ``package.module:function`` target called with the run's payload (a
coroutine function on the loop, anything else on a pooled daemon worker), its result as output."""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from tickwork.domain.model import PythonAction
from tickwork.domain.status import RunStatus
from tickwork.runner import threads
from tickwork.runner.outcome import Outcome, Status, one_line, secs
from tickwork.runner.output import CappedOutput
from tickwork.runner.payload import RunContext
from tickwork.runner.threads import Call, in_daemon_thread, ready_call, start_calls

T = TypeVar("T")


class _TargetError(Exception):
    """A Python target that cannot be loaded: the message is the one-line error."""


def _split_target(target: str) -> tuple[str, str]:
    module_name, sep, attr_path = target.partition(":")
    module_name, attr_path = module_name.strip(), attr_path.strip()
    if not sep or not module_name or not attr_path:
        raise _TargetError(f"invalid target {target!r}: expected 'package.module:function'")
    return module_name, attr_path


def _load_target(target: str) -> Callable[..., Any]:
    """Import the target's module (it may run user code: called off the loop) and find it."""
    module_name, attr_path = _split_target(target)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise _TargetError(one_line(f"cannot import {module_name}: {exc}")) from None
    except BaseException as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise _TargetError(one_line(f"cannot import {module_name}: {detail}")) from None
    return _attribute(obj, target, module_name, attr_path)


def _loaded_target(target: str) -> Callable[..., Any] | None:
    """The target when its module is imported already (the usual case after the first call):
    found on the loop, no thread; None when the module must be imported first."""
    try:
        module_name, attr_path = _split_target(target)
    except _TargetError:
        return None  # _load_target says why
    module = sys.modules.get(module_name)
    spec = getattr(module, "__spec__", None)
    if module is None or getattr(spec, "_initializing", False):  # (being imported elsewhere)
        return None
    return _attribute(module, target, module_name, attr_path)


def _attribute(obj: Any, target: str, module_name: str, attr_path: str) -> Callable[..., Any]:
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise _TargetError(f"{module_name} has no attribute {attr_path}") from None
    if not callable(obj):
        raise _TargetError(f"{target} is not callable")
    return obj  # type: ignore[no-any-return]


def _unwrap(value: tuple[T | None, BaseException | None]) -> T:
    result, exc = value
    if exc is not None:
        raise exc
    return result  # type: ignore[return-value]


@functools.cache
def _internal_paths() -> tuple[str, ...]:
    """Files whose frames lead into a user's call (this module, its threads, asyncio,
    threading)."""
    return (
        str(Path(__file__).resolve()),
        str(Path(threads.__file__).resolve()),
        str(Path(asyncio.__file__).resolve().parent) + os.sep,
        str(Path(threading.__file__).resolve()),
    )


def _user_traceback(exc: BaseException) -> str:
    """The exception's traceback without the leading frames of this module and asyncio."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        filename = str(Path(tb.tb_frame.f_code.co_filename).resolve())
        if not filename.startswith(_internal_paths()):
            break
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return repr(value)


Launched = asyncio.Future[tuple[Any, BaseException | None]]


async def import_python(action: PythonAction) -> None:
    """Import the target's module now if it is not yet (a herd's runner does it before the
    instant, so launch_python finds it); a target that cannot be loaded is left to run_python,
    which says why."""
    try:
        if _loaded_target(action.target) is not None:
            return
    except _TargetError:
        return
    await in_daemon_thread(lambda: _load_target(action.target))  # settled: errors kept there


def launch_python(
    action: PythonAction, ctx: RunContext, wait: Callable[[], None] | None = None
) -> Launched | None:
    """The call started now on a worker (ready_python, started at once); None when it cannot
    be (run_python then does it all, and says what is wrong with the target). With `wait`, the
    worker calls it first and the action once it returned (the runner hands a fire over a
    moment before its instant: the worker waits for the instant itself)."""
    call = ready_python(action, ctx)
    if call is None:
        return None
    start_calls([call], wait)
    return call.future


def ready_python(action: PythonAction, ctx: RunContext) -> Call[Any] | None:
    """The call made ready for a worker, not started (threads.start_calls starts it: a herd's
    runner makes its fires' calls ready at the flip and starts them together at the instant),
    when its target is imported already and is no coroutine function; None otherwise (launch
    or run_python then does it)."""
    try:
        fn = _loaded_target(action.target)
    except _TargetError:
        return None
    if fn is None or inspect.iscoroutinefunction(fn):
        return None
    payload = ctx.payload
    return ready_call(lambda: fn(payload))


async def run_python(
    action: PythonAction,
    ctx: RunContext,
    timeout: float,
    cap: int,
    launched: Launched | None = None,
) -> Outcome:
    """Run the action (`launched`: its call, started by launch_python) and report how it went."""
    start = time.monotonic()

    def done(status: Status, **fields: Any) -> Outcome:
        return Outcome(status, time.monotonic() - start, **fields)

    payload = ctx.payload
    try:
        async with asyncio.timeout(timeout):
            try:
                result: Any
                if launched is not None:
                    result = _unwrap(await launched)
                else:
                    try:
                        fn = _loaded_target(action.target) or _unwrap(
                            await in_daemon_thread(lambda: _load_target(action.target))
                        )
                    except _TargetError as exc:
                        return done(RunStatus.FAILED, error=str(exc))
                    if inspect.iscoroutinefunction(fn):
                        result = await fn(payload)
                    else:
                        result = _unwrap(await in_daemon_thread(lambda: fn(payload)))
                if inspect.isawaitable(result):
                    result = await result
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                return done(RunStatus.FAILED, error=CappedOutput.of(_user_traceback(exc), cap, cap))
    except TimeoutError:
        return done(RunStatus.TIMED_OUT, error=f"timed out after {secs(timeout)}")
    output = "" if result is None else CappedOutput.of(_render(result), cap, cap)
    return done(RunStatus.SUCCEEDED, output=output)
