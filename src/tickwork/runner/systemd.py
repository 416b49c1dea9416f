"""systemd's notify protocol (sd_notify) without libsystemd: datagrams to $NOTIFY_SOCKET.

`tickwork run` under a `Type=notify` unit sends READY=1 after its first heartbeat, WATCHDOG=1
every half WatchdogSec while it is healthy, STATUS=... lines, and STOPPING=1 on shutdown.
Without NOTIFY_SOCKET every call is a no-op. A socket name starting with '@' is in the
abstract namespace (Linux), as sd_notify(3) says.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Mapping

from tickwork.runner.health import check, first_heartbeat_done
from tickwork.runner.service import Runner


class Notifier:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        path = env.get("NOTIFY_SOCKET", "")
        self.address: str | None = None
        if path.startswith("@"):
            self.address = "\0" + path[1:]
        elif path.startswith("/"):
            self.address = path
        self.watchdog_interval = _watchdog_interval(env)
        self.errors: list[str] = []

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *lines: str) -> bool:
        """One datagram of KEY=value lines; False (and the error kept) if it could not go."""
        if self.address is None:
            return False
        data = "\n".join(lines).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(data, self.address)
        except OSError as exc:
            self.errors.append(f"NOTIFY_SOCKET: {exc}")
            return False
        return True


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    """Half of WATCHDOG_USEC in seconds, if the watchdog is meant for this process."""
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2 / 1_000_000


def status_line(runner: Runner, schedules: int | None) -> str:
    counted = f"{schedules} active schedules, " if schedules is not None else ""
    return f"STATUS={runner.state}: {counted}{runner.running} runs in flight"


async def supervise(
    runner: Runner,
    notifier: Notifier,
    active_schedules: Callable[[], int | None],  # None when the database cannot say
    *,
    poll: float = 0.1,
    status_every: float = 10.0,
) -> None:
    """READY=1 once the first heartbeat is written, then WATCHDOG=1 every half WatchdogSec
    while healthy (a runner whose database stopped answering lets the watchdog fire) and a
    STATUS line every `status_every` seconds. Cancel it to stop; STOPPING=1 is the caller's."""
    if not notifier.enabled:
        return
    loop = asyncio.get_running_loop()
    while not first_heartbeat_done(runner):
        await asyncio.sleep(poll)
    counts = await asyncio.to_thread(active_schedules)
    notifier.send("READY=1", status_line(runner, counts), f"MAINPID={os.getpid()}")
    next_status = loop.time() + status_every
    pet = notifier.watchdog_interval
    next_pet = loop.time() + (pet or 0)
    while True:
        await asyncio.sleep(min(poll * 10, pet or 1.0, status_every))
        now = loop.time()
        if pet is not None and now >= next_pet:
            next_pet = now + pet
            if check(runner).ok:
                notifier.send("WATCHDOG=1")
        if now >= next_status:
            next_status = now + status_every
            counts = await asyncio.to_thread(active_schedules)
            notifier.send(status_line(runner, counts))
