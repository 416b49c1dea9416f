"""`tickwork run` stopped twice (a second SIGTERM/SIGINT while it waits for its running actions):
it stops at once; every process of the actions' groups is gone and their runs are recorded
`cancelled` with why, before it exits. A third signal kills what ignores SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tickwork.runner.service import STOPPED_AT_ONCE
from tickwork.store import Store

from .conftest import RunnerProcess, add, command, query, runs_of, wait_until

# Two processes in the action's group: the shell and a background sleep (its grandchild).
LONG = "sleep 60 & sleep 61; wait"
STUBBORN = "trap '' TERM; sleep 60 & sleep 61; wait"  # ignores SIGTERM (the sleeps inherit it)


def group_members(pgid: int) -> list[int]:
    """Processes of group `pgid` still running (zombies awaiting a reaper do not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # state ppid pgrp ...
        if fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def running_pid(db: Path, schedule_id: str) -> int | None:
    runs = runs_of(db, schedule_id)
    if runs and runs[0]["status"] == "running" and runs[0]["pid"]:
        return int(runs[0]["pid"])
    return None


def states(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT state FROM runners")]


@pytest.mark.parametrize(
    ("action", "signals"),
    [
        (LONG, (signal.SIGTERM, signal.SIGTERM)),
        (LONG, (signal.SIGINT, signal.SIGINT)),
        (STUBBORN, (signal.SIGTERM, signal.SIGINT, signal.SIGTERM)),  # the third: SIGKILL
    ],
    ids=["term-twice", "int-twice", "ignores-term-three-signals"],
)
def test_a_second_stop_signal_stops_running_actions_now_and_records_them(
    db_path: Path,
    spawn: Callable[..., RunnerProcess],
    action: str,
    signals: tuple[signal.Signals, ...],
) -> None:
    with Store.open(db_path) as store:
        s = add(store, "long", max_runs=1, action=command(action))
    runner = spawn(db_path, "--grace", "600")  # a grace no test waits out
    assert wait_until(lambda: running_pid(db_path, s.id) is not None, 30), runner.text()
    pgid = running_pid(db_path, s.id)
    assert pgid is not None
    assert wait_until(lambda: len(group_members(pgid)) >= 2, 30)  # sh and its background sleep
    first, *more = signals
    runner.proc.send_signal(first)
    assert wait_until(lambda: "stopping" in states(db_path), 30), runner.text()
    for sig in more:
        runner.proc.send_signal(sig)
        assert wait_until(lambda: "stop signal again" in runner.text(), 30), runner.text()
    assert runner.proc.wait(60) == 0, runner.text()
    assert group_members(pgid) == []
    [run] = runs_of(db_path, s.id)
    assert (run["status"], run["error"]) == ("cancelled", STOPPED_AT_ONCE)
    assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 0  # the lease released
    log = runner.text()
    assert "stop signal again: stopping 1 running run(s) now (SIGTERM to their process " in log
    if len(more) > 1:
        assert "stop signal again: killing 1 running run(s) now (SIGKILL)" in log
    assert log.splitlines()[-1].endswith("runner    stopped")


def test_a_second_stop_signal_with_nothing_running_stops_as_the_first(
    db_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    with Store.open(db_path) as store:
        add(store, "later", cron="0 0 1 1 *", action=command("true"))
    runner = spawn(db_path, "--grace", "600")
    assert wait_until(lambda: states(db_path) == ["active"], 30), runner.text()
    runner.proc.send_signal(signal.SIGTERM)
    runner.proc.send_signal(signal.SIGTERM)
    assert runner.proc.wait(60) == 0, runner.text()
    assert "Traceback" not in runner.text()
    assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 0
