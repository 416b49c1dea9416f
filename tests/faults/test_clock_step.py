"""The wall clock of a real runner process stepped forward by an hour, then back (a VM booted
with its clock ahead, then corrected by NTP): every schedule keeps firing, nothing fires twice.

The process's wall clock is moved with libfaketime (LD_PRELOAD, the `libfaketime` test
dependency ships it): its offset is read from a file at every call, so the test steps the
clock of the running process without touching the machine's. The monotonic clock stays real.
Before the fix nothing fired after the back step for the size of the step (an hour here).
"""

from __future__ import annotations

import importlib.util
import os
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.runner.conftest import RunnerProcess, add, command, query, wait_until
from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store

from .test_runner_faults import drain


def faketime_library() -> Path:
    spec = importlib.util.find_spec("libfaketime")
    if spec is None or spec.origin is None:
        pytest.skip("needs the libfaketime package (a test dependency)")
    lib = Path(spec.origin).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
    if not lib.exists():
        pytest.skip(f"libfaketime ships no library for this platform ({lib})")
    return lib


def set_offset(path: Path, seconds: int) -> None:
    """The runner's clock: `seconds` ahead of the real one (written whole: it reads the file
    at every call)."""
    part = path.with_suffix(".part")
    part.write_text(f"{seconds:+d}\n")
    part.replace(path)


def ran(db: Path, schedule_id: str) -> list[datetime]:
    """The fires of a schedule that ran (succeeded), in order."""
    rows = query(
        db,
        "SELECT scheduled_for FROM runs WHERE schedule_id = ? AND status = 'succeeded' "
        "ORDER BY scheduled_for",
        (schedule_id,),
    )
    out = [parse_iso(r[0]) for r in rows]
    return [t for t in out if t is not None]


def test_a_wall_clock_stepped_forward_then_back_keeps_every_schedule_firing(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    lib = faketime_library()
    db, log, offset = tmp_path / "tickwork.db", tmp_path / "executions.log", tmp_path / "offset"
    line = f'echo "$TICKWORK_SCHEDULE_ID $TICKWORK_SCHEDULED_FOR" >> {log}'
    with Store.open(db) as store:
        interval = add(store, "every-second", action=command(line))
        minutely = add(store, "minutely", cron="* * * * *", action=command(line))
    set_offset(offset, 0)
    env = {
        **os.environ,
        "LD_PRELOAD": str(lib),
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_NO_CACHE": "1",  # the file is read at every call: steps take effect at once
        "DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_FORCE_MONOTONIC_FIX": "0",
    }
    runner = spawn(db, "--lease-ttl", "5", env=env)
    assert wait_until(lambda: len(ran(db, interval.id)) >= 3, 60), runner.text()[-3000:]

    set_offset(offset, 3600)  # an hour ahead
    ahead = utcnow() + timedelta(minutes=50)
    tail = runner.text
    assert wait_until(lambda: sum(t > ahead for t in ran(db, interval.id)) >= 3, 60), tail()
    # catchup=latest: the minutely schedule runs the last fire the jump skipped over
    assert wait_until(lambda: any(t > ahead for t in ran(db, minutely.id)), 60), tail()

    # Set right, to 8 s before a minute starts: the minutely fire at that minute must happen
    # (before the fix its next run stayed an hour ahead), and the interval goes on meanwhile.
    now = utcnow()
    minute = (now + timedelta(seconds=10)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    shift = round((minute - timedelta(seconds=8) - now).total_seconds())
    set_offset(offset, shift)
    back = utcnow() + timedelta(minutes=30)  # the corrected time, well before the hour ahead
    # (the next minute's, should a loaded machine take more than 8 s to get there)
    assert wait_until(lambda: any(minute <= t < back for t in ran(db, minutely.id)), 150), (
        ran(db, minutely.id),
        runner.text()[-3000:],
    )
    assert wait_until(lambda: sum(now < t < back for t in ran(db, interval.id)) >= 5, 60)
    assert runner.stop() == 0, runner.text()[-3000:]
    drain(db)  # what it queued and had not started when it stopped

    executed = Counter(log.read_text().splitlines())
    assert [line for line, n in executed.items() if n > 1] == []  # nothing ran twice
    stuck = query(db, "SELECT count(*) FROM runs WHERE status IN ('running', 'pending')")
    assert stuck[0][0] == 0
    statuses = {r[0] for r in query(db, "SELECT DISTINCT status FROM runs")}
    assert statuses <= {"succeeded", "missed", "skipped"}, statuses
    text = runner.text()
    assert "Traceback" not in text, text[-3000:]
    assert "jumped forward by" in text and "stepped back by" in text  # both said
    print(
        f"\nclock +1h then back: {len(ran(db, interval.id))} interval fires, "
        f"{len(ran(db, minutely.id))} minutely fires, 0 duplicates"
    )
