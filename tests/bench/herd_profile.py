"""`tickwork ...` under cProfile in every thread, CPU time per thread (time.thread_time).

Used by ``bench_herd.py N --profile FILE``: the runner's event loop, the store calls it hands to
worker threads (asyncio.to_thread) and the python actions' own threads are all profiled; at exit
the profiles are merged into FILE (pstats) and the top entries printed to FILE.txt. SIGUSR1
drops what was collected so far (start-up), so the profile covers the herd and the stop.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import signal
import sys
import threading
import time
from typing import Any

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(*_: Any) -> None:
    """threading.setprofile hook: runs first in each new thread, then hands over to cProfile."""
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()


def main() -> None:
    out = os.environ["HERD_PROFILE"]
    threading.setprofile(_start_in_thread)
    main_profile = cProfile.Profile(time.thread_time)
    from tickwork.cli.main import cli

    def restart(*_: Any) -> None:
        with _lock:
            for profile in [main_profile, *_profiles]:
                profile.clear()

    signal.signal(signal.SIGUSR1, restart)

    main_profile.enable()
    try:
        cli(sys.argv[1:], prog_name="tickwork", standalone_mode=False)
    finally:
        main_profile.disable()
        threading.setprofile(None)
        stats = pstats.Stats(main_profile)
        with _lock:
            for profile in _profiles:
                profile.disable()
                stats.add(profile)
        stats.dump_stats(out)
        with open(out + ".txt", "w") as fh:
            report = pstats.Stats(out, stream=fh)
            fh.write(f"CPU time per function, all {len(_profiles) + 1} threads merged\n")
            report.sort_stats("tottime").print_stats(30)
            report.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
