"""The action executor on real parts: /bin/sh children, a local HTTP server, imported callables."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tickwork import __version__
from tickwork.domain.model import CommandAction, HttpAction, PythonAction
from tickwork.domain.status import RunStatus
from tickwork.runner.actions import Outcome, execute
from tickwork.runner.payload import command_env
from tickwork.runner.signing import generate_secret

from .actions_support import (
    EXPECTED_PAYLOAD,
    RecordingServer,
    gone,
    independent_signature_ok,
    make_ctx,
    read_pid,
)


async def run_cmd(command: str, **kwargs: Any) -> Outcome:
    cwd = kwargs.pop("cwd", None)
    env = kwargs.pop("env", {})
    kwargs.setdefault("timeout", 10)
    return await execute(CommandAction(command, cwd=cwd, env=env), make_ctx(), **kwargs)


# --------------------------------------------------------------------------- commands


async def test_command_env_cwd_and_stdin(tmp_path: Path) -> None:
    out = await run_cmd("env", env={"FOO": "bar baz"})
    assert out.status == RunStatus.SUCCEEDED and out.exit_code == 0 and out.error is None
    lines = set(out.output.splitlines())
    for key, value in command_env(make_ctx()).items():
        assert f"{key}={value}" in lines
    assert "FOO=bar baz" in lines
    assert "PATH=/usr/bin:/bin" in lines  # cron's minimal environment, not the runner's

    empty = await execute(
        CommandAction('printf "[%s|%s]" "$TICKWORK_LAST_RUN_AT" "${TICKWORK_EXTERNAL_ID+set}"'),
        make_ctx(last_run_at=None, external_id=None),
        timeout=5,
    )
    assert empty.output == "[|set]"

    here = await run_cmd("pwd", cwd=str(tmp_path))
    assert here.output.strip() == str(tmp_path.resolve())
    missing = await run_cmd("pwd", cwd=str(tmp_path / "nope"))
    assert missing.status == RunStatus.FAILED
    assert missing.error == f"cwd {tmp_path / 'nope'} does not exist"

    cat = await asyncio.wait_for(run_cmd("cat"), 60)  # stdin is empty, not the terminal's
    assert cat.status == RunStatus.SUCCEEDED and cat.output == ""


async def test_command_exit_codes_and_stderr() -> None:
    both = await run_cmd("echo out; echo err >&2")
    assert both.status == RunStatus.SUCCEEDED and both.output == "out\nerr\n"
    three = await run_cmd("echo partial; exit 3")
    assert (three.status, three.exit_code, three.error) == ("failed", 3, "exit code 3")
    assert three.output == "partial\n" and three.duration >= 0
    killed = await run_cmd("kill -9 $$")
    assert (killed.status, killed.exit_code, killed.error) == (
        "failed",
        -9,
        "killed by signal SIGKILL",
    )
    unknown = await run_cmd("no-such-command-tickwork-xyz")
    assert unknown.status == RunStatus.FAILED and unknown.exit_code == 127


async def test_command_huge_output_is_capped_and_drained_fast() -> None:
    size = 20_000_000
    out = await run_cmd(f"printf START; head -c {size} /dev/zero | tr '\\0' a; printf END")
    assert out.status == RunStatus.SUCCEEDED
    assert out.output.startswith("START" + "a" * 100)
    assert out.output.endswith("a" * 100 + "END")
    omitted = size + 8 - 2 * 32 * 1024
    assert f"\n[... {omitted} bytes omitted ...]\n" in out.output
    assert len(out.output) == 2 * 32 * 1024 + len(f"\n[... {omitted} bytes omitted ...]\n")


async def test_command_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    child, main = tmp_path / "child.pid", tmp_path / "main.pid"
    out = await run_cmd(
        f"sleep 100 & echo $! > {child}; echo $$ > {main}; echo waiting; sleep 100",
        timeout=1,
        kill_grace=0.5,
    )
    assert out.status == RunStatus.TIMED_OUT
    assert out.error == "timed out after 1s"
    assert out.output == "waiting\n"
    assert out.duration >= 1
    assert gone(int(child.read_text())) and gone(int(main.read_text()))


async def test_command_ignoring_sigterm_is_killed_after_grace(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    out = await run_cmd(
        f"trap '' TERM; echo $$ > {pidfile}; sleep 100", timeout=0.5, kill_grace=0.5
    )
    assert out.status == RunStatus.TIMED_OUT and out.error == "timed out after 0.5s"
    assert out.exit_code == -9
    assert out.duration >= 0.95  # the timeout, then the grace
    assert gone(int(pidfile.read_text()))


async def test_background_child_holding_the_pipe_does_not_hang(tmp_path: Path) -> None:
    pidfile = tmp_path / "bg.pid"
    out = await run_cmd(f"sleep 30 & echo $! > {pidfile}; echo done", timeout=20)
    assert out.status == RunStatus.SUCCEEDED and out.exit_code == 0
    assert out.output.startswith("done\n")
    assert "background processes" in out.output  # stopped, not waited for (sleep 30)
    assert gone(int(pidfile.read_text()))

    # A background process that let go of the output is left alone, as cron does.
    detached = await run_cmd(f"sleep 30 >/dev/null 2>&1 & echo $! > {pidfile}; echo ok")
    try:
        assert detached.status == RunStatus.SUCCEEDED and detached.output == "ok\n"
        assert not gone(int(pidfile.read_text()), within=0)
    finally:
        os.kill(int(pidfile.read_text()), 9)


async def test_cancellation_kills_the_group_and_reraises(tmp_path: Path) -> None:
    child, main = tmp_path / "child.pid", tmp_path / "main.pid"
    task = asyncio.create_task(
        run_cmd(
            f"sleep 100 & echo $! > {child}; echo $$ > {main}; sleep 100",
            timeout=60,
            kill_grace=0.5,
        )
    )
    child_pid, main_pid = await read_pid(child), await read_pid(main)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 60)
    assert gone(child_pid) and gone(main_pid)


# --------------------------------------------------------------------------- http


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    srv = RecordingServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


async def test_http_default_payload_signed(server: RecordingServer) -> None:
    secret = generate_secret()
    ctx = make_ctx(signing_secret=secret, webhook_id="run_first")
    out = await execute(HttpAction(f"{server.url}/ok"), ctx, timeout=5)
    assert (out.status, out.http_status, out.output, out.error) == ("succeeded", 200, "hello", None)
    [req] = server.requests
    assert req.method == "POST" and req.path == "/ok"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"] == f"tickwork/{__version__}"
    assert json.loads(req.body) == EXPECTED_PAYLOAD
    assert req.headers["webhook-id"] == "run_first"
    assert abs(int(req.headers["webhook-timestamp"]) - time.time()) < 10
    assert independent_signature_ok(secret, req.headers, req.body)
    assert not independent_signature_ok(generate_secret(), req.headers, req.body)

    await execute(HttpAction(f"{server.url}/created"), make_ctx(signing_secret=secret), timeout=5)
    assert server.requests[1].headers["webhook-id"] == "run_abc"
    assert independent_signature_ok(secret, server.requests[1].headers, server.requests[1].body)


async def test_http_custom_body_and_headers(server: RecordingServer) -> None:
    action = HttpAction(
        f"{server.url}/created",
        method="PUT",
        headers={"X-Token": "abc", "content-type": "text/plain", "User-Agent": "mine"},
        body="hello body",
    )
    out = await execute(action, make_ctx(), timeout=5)
    assert (out.status, out.http_status, out.output) == ("succeeded", 201, "")
    [req] = server.requests
    assert req.method == "PUT" and req.body == b"hello body"
    assert req.headers["x-token"] == "abc"
    assert req.headers["content-type"] == "text/plain"
    assert req.headers["user-agent"] == "mine"
    assert "webhook-signature" not in req.headers


async def test_http_failures(server: RecordingServer) -> None:
    fail = await execute(HttpAction(f"{server.url}/fail"), make_ctx(), timeout=5)
    assert (fail.status, fail.http_status, fail.error, fail.output) == (
        "failed",
        500,
        "HTTP 500",
        "boom",
    )
    # Not followed, even by a shared client configured to follow redirects.
    async with httpx.AsyncClient(follow_redirects=True) as client:
        moved = await execute(
            HttpAction(f"{server.url}/redirect", method="GET"),
            make_ctx(),
            timeout=5,
            http_client=client,
        )
    assert (moved.status, moved.http_status) == ("failed", 302)
    assert moved.error == "HTTP 302 (redirects are not followed)"
    assert [r.path for r in server.requests] == ["/fail", "/redirect"]

    big = await execute(HttpAction(f"{server.url}/big"), make_ctx(), timeout=5, output_cap=100)
    assert big.status == RunStatus.SUCCEEDED
    assert big.output.startswith("Bx") and big.output.endswith("xE")
    assert "[... 199800 bytes omitted ...]" in big.output


async def test_http_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = await execute(HttpAction(f"http://127.0.0.1:{port}/x"), make_ctx(), timeout=5)
    assert out.status == RunStatus.FAILED and out.http_status is None
    assert out.error is not None and out.error.startswith("connection failed:")
    assert "\n" not in out.error
    bad = await execute(HttpAction("notaurl://x"), make_ctx(), timeout=5)
    assert bad.status == RunStatus.FAILED and bad.error is not None and "\n" not in bad.error


async def test_http_timeout(server: RecordingServer) -> None:
    out = await execute(HttpAction(f"{server.url}/slow"), make_ctx(), timeout=0.5)
    assert out.status == RunStatus.TIMED_OUT and out.error == "timed out after 0.5s"
    assert out.duration >= 0.5


# --------------------------------------------------------------------------- python


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    import actions_helpers

    actions_helpers.received.clear()
    actions_helpers.release.clear()
    yield actions_helpers
    actions_helpers.release.set()


async def py(target: str, timeout: float = 5) -> Outcome:
    return await execute(PythonAction(target), make_ctx(), timeout=timeout)


async def test_python_sync_and_async(helpers: ModuleType) -> None:
    out = await py("actions_helpers:ok")
    assert out.status == RunStatus.SUCCEEDED and out.error is None
    assert helpers.received == [EXPECTED_PAYLOAD]
    assert out.output == repr({"seen": "run_abc", "thread": "tickwork-python-action"})

    assert (await py("actions_helpers:nothing")).output == ""
    assert (await py("actions_helpers:async_ok")).output == "async nightly backup"
    assert (await py("actions_helpers:Namespace.nested")).output == "nested ok"
    assert len(helpers.received) == 3


async def test_python_exceptions_are_failures_with_traceback(helpers: ModuleType) -> None:
    out = await py("actions_helpers:boom")
    assert out.status == RunStatus.FAILED and out.error is not None
    assert out.error.startswith("Traceback (most recent call last):")
    assert "in _inner" in out.error and out.error.rstrip().endswith("ValueError: bad value 2")
    assert "python_action.py" not in out.error and "threading.py" not in out.error
    assert "tickwork/runner" not in out.error

    coro = await py("actions_helpers:async_boom")
    assert coro.status == RunStatus.FAILED and coro.error is not None
    assert "RuntimeError: async failure" in coro.error

    own_timeout = await py("actions_helpers:raises_timeout_error")
    assert own_timeout.status == RunStatus.FAILED
    assert own_timeout.error is not None and "the user's own timeout" in own_timeout.error


async def test_python_bad_targets(helpers: ModuleType) -> None:
    out = await py("mypkg.jobs:run")
    assert out.status == RunStatus.FAILED
    assert out.error == "cannot import mypkg.jobs: No module named 'mypkg'"
    assert (await py("actions_helpers:missing")).error == (
        "actions_helpers has no attribute missing"
    )
    assert (await py("actions_helpers:not_callable")).error == (
        "actions_helpers:not_callable is not callable"
    )
    assert "expected 'package.module:function'" in str((await py("nocolon")).error)


async def test_python_timeouts(helpers: ModuleType) -> None:
    out = await asyncio.wait_for(py("actions_helpers:slow", timeout=0.3), 60)
    assert out.status == RunStatus.TIMED_OUT and out.error == "timed out after 0.3s"
    coro = await asyncio.wait_for(py("actions_helpers:async_slow", timeout=0.3), 60)
    assert coro.status == RunStatus.TIMED_OUT
