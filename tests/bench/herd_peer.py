"""The APScheduler 3 side of tests/bench/bench_herd.py (never imported by tickwork).

Run by bench_herd.py in its own process, in an environment that has APScheduler 3:
``uv run --with 'apscheduler>=3.11,<4' python tests/bench/bench_herd.py ... --peer``.
Jobs use the memory job store (APScheduler's fastest), ``misfire_grace_time=None`` (else a late
job of a big herd is dropped, not run) and the same action as tickwork: ``herd_action.stamp`` for
python, ``/bin/sh -c CMD`` in its own session with output captured for command. Prints ``ready``
once its scheduler runs, then runs until terminated.

    herd_peer.py herd N --at EPOCH --action python|command --command CMD --mode thread|asyncio
    herd_peer.py lone N --mode thread|asyncio       (N yearly jobs + one every second)
    herd_peer.py idle N                              (N yearly jobs, nothing due)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from herd_action import stamp

DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def run_command(command: str, schedule_id: str) -> None:
    env = {**os.environ, "TICKWORK_SCHEDULE_ID": schedule_id}
    subprocess.run(
        ["/bin/sh", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
        check=False,
    )


async def run_command_async(command: str, schedule_id: str) -> None:
    env = {**os.environ, "TICKWORK_SCHEDULE_ID": schedule_id}
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
    )
    await proc.communicate()


async def stamp_async(payload: dict[str, Any]) -> None:
    stamp(payload)


def add_jobs(sched: Any, args: argparse.Namespace) -> None:
    n = args.n
    if args.kind == "herd":
        at = datetime.fromtimestamp(args.at, UTC)  # that second of every minute, from `at` on
        trigger = CronTrigger(second=at.second, minute="*", start_date=at, timezone=UTC)
    else:  # lone, idle: N schedules waiting for next January
        trigger = CronTrigger(month=1, day=1, hour=0, minute=0, timezone=UTC)
    asyncio_mode = args.mode == "asyncio"
    fn: Callable[..., Any]
    for i in range(n):
        sid = f"peer{i:06d}"
        if args.action == "command" and args.kind == "herd":
            fn, fargs = (run_command_async if asyncio_mode else run_command), [args.command, sid]
        else:
            fn, fargs = (stamp_async if asyncio_mode else stamp), [{"schedule_id": sid}]
        sched.add_job(fn, trigger, args=fargs, id=sid)
    if args.kind == "lone":
        start = datetime.fromtimestamp(int(datetime.now(UTC).timestamp()) + 2, UTC)
        fn = stamp_async if asyncio_mode else stamp
        every = IntervalTrigger(seconds=1, start_date=start, timezone=UTC)
        sched.add_job(fn, every, args=[{"schedule_id": "lone"}], id="lone")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["herd", "lone", "idle"])
    parser.add_argument("n", type=int)
    parser.add_argument("--at", type=float, default=0.0)
    parser.add_argument("--action", choices=["python", "command"], default="python")
    parser.add_argument("--command", default="true")
    parser.add_argument("--mode", choices=["thread", "asyncio"], default="thread")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.mode == "asyncio":

        async def amain() -> None:
            sched = AsyncIOScheduler(job_defaults=DEFAULTS, timezone=UTC)
            add_jobs(sched, args)
            sched.start()
            print("ready", flush=True)
            while not stop.is_set():
                await asyncio.sleep(0.2)
            sched.shutdown(wait=False)

        asyncio.run(amain())
        return
    sched = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(10)}, job_defaults=DEFAULTS, timezone=UTC
    )
    add_jobs(sched, args)
    sched.start()
    print("ready", flush=True)
    stop.wait()
    sched.shutdown(wait=False)


if __name__ == "__main__":
    main()
