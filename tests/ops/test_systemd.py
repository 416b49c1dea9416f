"""systemd's notify protocol, to a real unix datagram socket listening in the test."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
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
    status = [line for line in lines if line.startswith("STATUS=")]
    assert re.fullmatch(r"STATUS=active: 1 active schedules, [01] runs in flight", status[0])
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


async def test_the_watchdog_is_fed_only_while_healthy(tmp_path: Path, db_path: Path) -> None:
    """A runner whose database stopped answering lets the watchdog fire (systemd restarts it)."""
    import asyncio

    from tickwork.domain.runs import RunnerLease
    from tickwork.domain.timeutil import utcnow
    from tickwork.runner import Runner
    from tickwork.runner.systemd import supervise

    sock = Listener(str(tmp_path / "n.sock"))
    sock.sock.setblocking(False)
    with Store.open(db_path) as store:
        runner = Runner(store, mode="headless")
        now = utcnow()
        runner.lease = RunnerLease(
            "rnr_t", "h", 1, "headless", "active", now, now, now + timedelta(hours=1)
        )
        runner.state = "active"
        runner.last_db_contact = time.monotonic() - 3600  # the database went quiet long ago
        env = {"NOTIFY_SOCKET": str(tmp_path / "n.sock"), "WATCHDOG_USEC": "100000"}
        task = asyncio.create_task(
            supervise(runner, Notifier(env), lambda: 3, poll=0.01, status_every=0.05)
        )
        loop = asyncio.get_running_loop()

        async def collect(until: Callable[[], bool]) -> None:
            deadline = loop.time() + 60
            while not until() and loop.time() < deadline:
                try:
                    sock.messages.append((await loop.sock_recv(sock.sock, 4096)).decode())
                except OSError:
                    await asyncio.sleep(0.01)
            assert until(), sock.messages

        def statuses() -> int:
            return sum(m.startswith("STATUS=") for m in sock.messages)

        await collect(lambda: statuses() >= 4)
        assert sock.messages[0].startswith("READY=1")
        assert "WATCHDOG=1" not in sock.messages  # unhealthy: not fed
        runner.last_db_contact = time.monotonic() + 3600  # it answers again
        await collect(lambda: "WATCHDOG=1" in sock.messages)
        task.cancel()
    sock.close()
