"""Quitting the UI while its embedded runner has running jobs, as a person does it (a real
terminal): q stops gracefully and says what it waits for; q again (or ctrl+c) stops the jobs now;
the UI exits only once every process of their groups is gone and their runs are recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import cmd
from tests.runner.conftest import query, wait_until
from tests.runner.test_stop_twice import LONG, STUBBORN, group_members
from tests.tmux_ui import Tmux
from tickwork.runner.service import STOPPED_AT_ONCE
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual

STOPS_NOW = "Stopping 2 running jobs now (SIGTERM, SIGKILL after 5 s). q again kills them."
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux to run the UI")


def runs(db: Path) -> list[tuple[str, str | None, int | None]]:
    rows = query(db, "SELECT status, error, pid FROM runs ORDER BY created_at")
    return [(r[0], r[1], r[2]) for r in rows]


def runner_states(db: Path) -> list[str]:
    return [str(r[0]) for r in query(db, "SELECT state FROM runners")]


def toasts(screen: str) -> str:
    """The notifications' text on a captured screen, their wrapped lines joined."""
    return " ".join(line.split("▌ ", 1)[1].strip() for line in screen.splitlines() if "▌ " in line)


def start_jobs(db: Path, action: str, n: int) -> None:
    with Store.open(db) as store:
        for i in range(n):
            s = store.create({"name": f"long-{i}", "cron": "0 0 1 1 *", "action": cmd(action)})
            enqueue_manual(store, s.schedule.id, store.clock())


@pytest.mark.parametrize(
    ("action", "keys", "says"),
    [
        (LONG, ("q", "q"), STOPS_NOW),
        (LONG, ("q", "C-c"), STOPS_NOW),
        (STUBBORN, ("q", "q", "q"), "Killing 2 running jobs (SIGKILL)"),
    ],
    ids=["q-twice", "q-then-ctrl-c", "ignores-sigterm-q-three-times"],
)
def test_q_again_stops_running_jobs_now_and_leaves_no_process_behind(
    tmp_path: Path, action: str, keys: tuple[str, ...], says: str
) -> None:
    db = tmp_path / "tickwork.db"
    start_jobs(db, action, 2)
    ui = Tmux(tmp_path, db)
    try:
        started = [("running", None, True)] * 2  # its pid (= its group) is written a bit later
        assert wait_until(lambda: [(s, e, bool(p)) for s, e, p in runs(db)] == started, 60), (
            ui.screen()
        )
        groups = [int(pid) for _, _, pid in runs(db) if pid]
        assert len(groups) == 2
        assert wait_until(lambda: all(len(group_members(g)) >= 2 for g in groups), 30)
        ui.keys("q")  # a graceful stop: the jobs get 10 s, and the UI says so
        assert wait_until(lambda: runner_states(db) == ["stopping"], 60), ui.screen()
        waits = "Waiting up to 10 s for 2 running jobs to finish. q again stops them now."
        assert wait_until(lambda: waits in toasts(ui.screen()), 30), ui.screen()
        assert "runner stopping: 2 running jobs" in ui.screen()
        for key in keys[1:]:
            ui.keys(key)
        assert wait_until(lambda: says in toasts(ui.screen()) or ui.exit_file.exists(), 30), (
            ui.screen()
        )
        assert wait_until(ui.exit_file.exists, 90), ui.screen()
        assert ui.exit_file.read_text().strip() == "0", ui.screen()
    finally:
        ui.close()
    assert [g for g in groups if group_members(g)] == []  # no process of theirs outlives the UI
    assert [(status, error) for status, error, _ in runs(db)] == [
        ("cancelled", STOPPED_AT_ONCE)
    ] * 2
    assert runner_states(db) == []  # the lease released


def test_q_twice_with_no_running_job_exits_at_once(tmp_path: Path) -> None:
    db = tmp_path / "tickwork.db"
    with Store.open(db) as store:
        store.create({"name": "later", "cron": "0 0 1 1 *", "action": cmd("true")})
    ui = Tmux(tmp_path, db)
    try:
        assert wait_until(lambda: runner_states(db) == ["active"], 60), ui.screen()
        ui.keys("q")
        ui.keys("q")
        assert wait_until(ui.exit_file.exists, 60), ui.screen()
        assert ui.exit_file.read_text().strip() == "0", ui.screen()
    finally:
        ui.close()
    assert runner_states(db) == []
    assert runs(db) == []
