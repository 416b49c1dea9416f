"""Run one action once: a shell command, an HTTP request or a Python callable.

:func:`execute` never raises for a failing action; it returns an :class:`Outcome`. The only
exception it lets through is :class:`asyncio.CancelledError` (after killing what it started).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx

from tickwork import __version__
from tickwork.domain.model import Action, CommandAction, HttpAction, PythonAction
from tickwork.domain.secrets import mask_text
from tickwork.domain.status import RunStatus
from tickwork.runner import threads
from tickwork.runner.output import CappedOutput
from tickwork.runner.payload import RunContext, base_env, build_payload, command_env
from tickwork.runner.signing import sign
from tickwork.runner.threads import in_daemon_thread

# "abandoned": the runner stopped the action because it could not keep its lease (fenced).
Status = Literal[
    RunStatus.SUCCEEDED,
    RunStatus.FAILED,
    RunStatus.TIMED_OUT,
    RunStatus.CANCELLED,
    RunStatus.ABANDONED,
]
T = TypeVar("T")

DEFAULT_OUTPUT_CAP = 32 * 1024
EOF_WAIT = 1.0  # after the main process exits, how long to wait for its output pipe to close
REAP_WAIT = 2.0  # after SIGKILL, how long to wait for the process and the pipe to go
POLL = 0.02


@dataclass(frozen=True)
class Outcome:
    status: Status
    duration: float
    output: str = ""
    exit_code: int | None = None
    http_status: int | None = None
    error: str | None = None


async def execute(
    action: Action,
    ctx: RunContext,
    *,
    timeout: float,
    kill_grace: float = 5.0,
    output_cap: int = DEFAULT_OUTPUT_CAP,
    http_client: httpx.AsyncClient | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Outcome:
    """Run ``action`` once for ``ctx`` and report how it went.

    ``output_cap`` bytes are kept from the start and as many from the end of the output.
    Cancelling the call stops what it started (a command's whole process group: SIGTERM,
    ``kill_grace`` seconds, SIGKILL) and then lets the CancelledError through.
    """
    start = time.monotonic()
    try:
        if isinstance(action, CommandAction):
            return await _run_command(action, ctx, timeout, kill_grace, output_cap, on_start)
        if isinstance(action, HttpAction):
            return await _run_http(action, ctx, timeout, output_cap, http_client)
        if isinstance(action, PythonAction):
            return await _run_python(action, ctx, timeout, output_cap)
        kind = getattr(action, "kind", "?")
        return Outcome(RunStatus.FAILED, 0.0, error=f"unknown action kind {kind!r}")
    except Exception as exc:  # a bug here must not take the runner down
        error = _one_line(f"internal error: {type(exc).__name__}: {exc}")
        return Outcome(RunStatus.FAILED, time.monotonic() - start, error=error)


def _secs(value: float) -> str:
    return f"{value:g}s"


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --------------------------------------------------------------------------- commands


class _CommandProtocol(asyncio.SubprocessProtocol):
    """Feeds stdout+stderr into a CappedOutput as it arrives; signals exit and EOF apart.

    ``Process.wait()`` also waits for the pipes to close, so a background grandchild holding
    stdout would hang it: the exit is taken from ``process_exited`` instead.
    """

    def __init__(self, output: CappedOutput, loop: asyncio.AbstractEventLoop) -> None:
        self.output = output
        self.exited: asyncio.Future[None] = loop.create_future()
        self.eof: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        self.output.feed(data.encode() if isinstance(data, str) else data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1 and not self.eof.done():
            self.eof.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        for fut in (self.eof, self.exited):
            if not fut.done():
                fut.set_result(None)


async def _wait_all(futures: Iterable[asyncio.Future[None]], timeout: float) -> bool:
    """Wait (without cancelling them) until all futures are done; False on timeout."""
    pending = {f for f in futures if not f.done()}
    if pending:
        _, pending = await asyncio.wait(pending, timeout=max(timeout, 0.0))
    return not pending


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group is still running (zombies awaiting a reaper don't count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


async def _stop_group(pgid: int, proto: _CommandProtocol, grace: float) -> None:
    """SIGTERM the whole group, give it ``grace`` seconds, then SIGKILL whatever is left."""
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proto.exited.done() and proto.eof.done() and not _group_alive(pgid):
            break
        await asyncio.sleep(POLL)
    _signal_group(pgid, signal.SIGKILL)
    await _wait_all((proto.exited, proto.eof), REAP_WAIT)


async def _stop_group_on_cancel(pgid: int, proto: _CommandProtocol, grace: float) -> None:
    try:
        await _stop_group(pgid, proto, grace)
    except asyncio.CancelledError:
        _signal_group(pgid, signal.SIGKILL)  # cancelled again: no more grace
        raise


async def _stop_once_started(
    starting: asyncio.Future[tuple[asyncio.SubprocessTransport, _CommandProtocol]], grace: float
) -> None:
    """Cancelled while the command was starting: stop its whole group once it has started."""
    try:
        transport, proto = await asyncio.shield(starting)
    except OSError:
        return  # it never started
    try:
        await _stop_group_on_cancel(transport.get_pid(), proto, grace)
    finally:
        transport.close()


def _exit_error(code: int | None) -> str | None:
    if code is None or code == 0:
        return None if code == 0 else "exit status unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name}"
    return f"exit code {code}"


async def _run_command(
    action: CommandAction,
    ctx: RunContext,
    timeout: float,
    grace: float,
    cap: int,
    on_start: Callable[[int], None] | None = None,
) -> Outcome:
    start = time.monotonic()

    def done(status: Status, **fields: Any) -> Outcome:
        return Outcome(status, time.monotonic() - start, **fields)

    cwd: str | None = None
    if action.cwd:
        cwd = os.path.expanduser(action.cwd)
        if not os.path.exists(cwd):
            return done(RunStatus.FAILED, error=f"cwd {action.cwd} does not exist")
        if not os.path.isdir(cwd):
            return done(RunStatus.FAILED, error=f"cwd {action.cwd} is not a directory")
    env = {**base_env(ctx.inherit_env), **action.env, **command_env(ctx)}
    output = CappedOutput(cap, cap)
    loop = asyncio.get_running_loop()
    starting = asyncio.ensure_future(
        loop.subprocess_exec(
            lambda: _CommandProtocol(output, loop),
            "/bin/sh",
            "-c",
            action.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
            env=env,
        )
    )
    try:
        # Shielded: cancelled while the pipes are being connected, asyncio would kill the shell
        # alone, and what the shell started meanwhile (a busy machine lets it run ahead) would
        # live on.
        transport, proto = await asyncio.shield(starting)
    except asyncio.CancelledError:
        await _stop_once_started(starting, grace)
        raise
    except OSError as exc:
        return done(RunStatus.FAILED, error=_one_line(f"cannot start command: {exc}"))
    pgid = transport.get_pid()  # start_new_session: the child leads its own group
    try:
        if on_start is not None:  # the runner records the pid, to find orphans after a crash
            on_start(pgid)  # (on the loop: it must not block)
        if not await _wait_all((proto.exited,), timeout):
            await _stop_group(pgid, proto, grace)
            return done(
                RunStatus.TIMED_OUT,
                output=output.text(),
                exit_code=transport.get_returncode(),
                error=f"timed out after {_secs(timeout)}",
            )
        note = ""
        if not await _wait_all((proto.eof,), EOF_WAIT):
            await _stop_group(pgid, proto, grace)
            note = "\n[tickwork: stopped background processes still holding the output open]\n"
        code = transport.get_returncode()
        error = _exit_error(code)
        status: Status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED
        return done(status, output=output.text() + note, exit_code=code, error=error)
    except asyncio.CancelledError:
        await _stop_group_on_cancel(pgid, proto, grace)
        raise
    finally:
        transport.close()


# --------------------------------------------------------------------------- http


async def _run_http(
    action: HttpAction,
    ctx: RunContext,
    timeout: float,
    cap: int,
    client: httpx.AsyncClient | None,
) -> Outcome:
    start = time.monotonic()
    headers = httpx.Headers({"User-Agent": f"tickwork/{__version__}"})
    if action.body is not None:
        body = action.body.encode("utf-8")
    else:
        body = json.dumps(build_payload(ctx), separators=(",", ":")).encode("utf-8")
        headers["Content-Type"] = "application/json"
    headers.update(action.headers)
    if ctx.signing_secret:
        msg_id = ctx.message_id
        stamp = int(time.time())
        headers["webhook-id"] = msg_id
        headers["webhook-timestamp"] = str(stamp)
        try:
            headers["webhook-signature"] = sign(ctx.signing_secret, msg_id, stamp, body)
        except ValueError as exc:
            return Outcome(RunStatus.FAILED, time.monotonic() - start, error=str(exc))
    output = CappedOutput(cap, cap)
    status_code: int | None = None
    try:
        async with asyncio.timeout(timeout):
            if client is None:
                async with httpx.AsyncClient(follow_redirects=False, timeout=timeout) as own:
                    status_code = await _send(own, action, headers, body, timeout, output)
            else:
                status_code = await _send(client, action, headers, body, timeout, output)
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(
            RunStatus.TIMED_OUT,
            time.monotonic() - start,
            output=output.text(),
            http_status=status_code,
            error=f"timed out after {_secs(timeout)}",
        )
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return Outcome(
            RunStatus.FAILED,
            time.monotonic() - start,
            output=output.text(),
            http_status=status_code,
            error=_http_error(exc),
        )
    duration = time.monotonic() - start
    assert status_code is not None
    if 200 <= status_code < 300:
        return Outcome(RunStatus.SUCCEEDED, duration, output=output.text(), http_status=status_code)
    error = f"HTTP {status_code}"
    if 300 <= status_code < 400:
        error += " (redirects are not followed)"
    return Outcome(
        RunStatus.FAILED, duration, output=output.text(), http_status=status_code, error=error
    )


async def _send(
    client: httpx.AsyncClient,
    action: HttpAction,
    headers: httpx.Headers,
    body: bytes,
    timeout: float,
    output: CappedOutput,
) -> int:
    async with client.stream(
        action.method.upper(),
        action.url,
        headers=headers,
        content=body,
        timeout=timeout,
        follow_redirects=False,
    ) as response:
        async for chunk in response.aiter_bytes():
            output.feed(chunk)
        return response.status_code


def _http_error(exc: BaseException) -> str:
    if isinstance(exc, httpx.ConnectError):
        kind = "connection failed"
    elif isinstance(exc, httpx.HTTPError):
        kind = "request failed"
    else:
        kind = "invalid request"
    detail = str(exc) or type(exc).__name__
    return _one_line(mask_text(f"{kind}: {detail}"))  # errors are stored and logged


# --------------------------------------------------------------------------- python


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
        raise _TargetError(_one_line(f"cannot import {module_name}: {exc}")) from None
    except BaseException as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise _TargetError(_one_line(f"cannot import {module_name}: {detail}")) from None
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


async def _run_python(action: PythonAction, ctx: RunContext, timeout: float, cap: int) -> Outcome:
    start = time.monotonic()

    def done(status: Status, **fields: Any) -> Outcome:
        return Outcome(status, time.monotonic() - start, **fields)

    payload = build_payload(ctx)
    try:
        async with asyncio.timeout(timeout):
            try:
                fn = _loaded_target(action.target) or _unwrap(
                    await in_daemon_thread(lambda: _load_target(action.target))
                )
            except _TargetError as exc:
                return done(RunStatus.FAILED, error=str(exc))
            try:
                result: Any
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
        return done(RunStatus.TIMED_OUT, error=f"timed out after {_secs(timeout)}")
    output = "" if result is None else CappedOutput.of(_render(result), cap, cap)
    return done(RunStatus.SUCCEEDED, output=output)
