"""systemd's notify protocol, to a real unix datagram socket listening in the test."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tickwork.runner.systemd import Notifier
from tickwork.store import Store

from ..runner.conftest import add, command
from .conftest import RunProcess


class Listener:
    """A datagram socket collecting what is sent to it (path or abstract name)."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.messages: list[str] = []

    def wait_for(
        self, predicate: Callable[[str], bool], start: int = 0, timeout: float = 60
    ) -> int:
        """The index of the first message from `start` on that matches (receiving until the
        deadline)."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for i in range(seen, len(self.messages)):
                if predicate(self.messages[i]):
                    return i
            seen = len(self.messages)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message; got {self.messages}")
            self.sock.settimeout(left)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def listener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Listener, str]]:
    if request.param == "path":
        path = str(tmp_path / "notify.sock")
        sock, name = Listener(path), path
    else:
        name = f"@tickwork-test-{os.getpid()}-{time.monotonic_ns()}"
        sock = Listener("\0" + name[1:])
    yield sock, name
    sock.close()


def test_ready_watchdog_status_stopping(
    db_path: Path, listener: tuple[Listener, str], run_process: Callable[..., RunProcess]
) -> None:
    sock, name = listener
    with Store.open(db_path) as store:
        add(store, "tick", every="1s", action=command("true"))
    env = {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "1000000"}  # pet every 0.5 s
    runner = run_process(db_path, env=env)
    ready = sock.wait_for(lambda m: "READY=1" in m.splitlines())
    assert ready == 0  # nothing before READY
    lines = sock.messages[ready].splitlines()
    assert "STATUS=active: 1 active schedules, 0 runs in flight" in lines
    assert f"MAINPID={runner.proc.pid}" in lines
    at = ready
    for _ in range(3):  # the watchdog keeps being fed while the runner is healthy
        at = sock.wait_for(lambda m: m == "WATCHDOG=1", start=at + 1)
    runner.proc.terminate()
    stopping = sock.wait_for(lambda m: "STOPPING=1" in m.splitlines(), start=at + 1)
    assert sock.messages[stopping].splitlines()[1].startswith("STATUS=stopping")
    assert runner.proc.wait(40) == 0


def test_no_notify_socket_no_messages_and_a_gone_socket_is_not_fatal(tmp_path: Path) -> None:
    assert not Notifier({}).enabled and not Notifier({}).send("READY=1")
    assert Notifier({"NOTIFY_SOCKET": "relative/path"}).address is None
    gone = Notifier({"NOTIFY_SOCKET": str(tmp_path / "nobody.sock")})
    assert gone.enabled and not gone.send("READY=1")
    assert "NOTIFY_SOCKET" in gone.errors[0]


def test_watchdog_interval() -> None:
    assert Notifier({"WATCHDOG_USEC": "30000000"}).watchdog_interval == 15
    assert Notifier({"WATCHDOG_USEC": "0"}).watchdog_interval is None
    assert Notifier({"WATCHDOG_USEC": "x"}).watchdog_interval is None
    mine = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    assert Notifier(mine).watchdog_interval == 1
    other = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}
    assert Notifier(other).watchdog_interval is None
