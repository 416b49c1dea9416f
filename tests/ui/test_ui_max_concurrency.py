"""`tickwork --max-concurrency N` as a person runs it (a real terminal): the UI's embedded runner
starts N runs at once, and the others wait for a slot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import cmd
from tests.runner.conftest import query, wait_until
from tests.tmux_ui import Tmux
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual


def count(db: Path, status: str) -> int:
    return int(query(db, "SELECT count(*) FROM runs WHERE status = ?", (status,))[0][0])


def beats(db: Path) -> str:
    rows = query(db, "SELECT heartbeat_at FROM runners WHERE mode = 'embedded'")
    return str(rows[0][0]) if rows else ""


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux to run the UI")
def test_the_ui_runs_as_many_at_once_as_max_concurrency_says(tmp_path: Path) -> None:
    db = tmp_path / "tickwork.db"
    with Store.open(db) as store:
        for i in range(3):
            s = store.create({"name": f"slow-{i}", "cron": "0 0 1 1 *", "action": cmd("sleep 60")})
            enqueue_manual(store, s.schedule.id, store.clock())
    ui = Tmux(tmp_path, db, "--max-concurrency", "2")
    try:
        assert wait_until(lambda: count(db, "running") == 2, 60), ui.screen()
        seen: list[str] = []
        for _ in range(2):  # the runner beat twice since: it had cycles to start the third
            seen.append(beats(db))
            assert wait_until(lambda: beats(db) not in seen, 60), ui.screen()
        assert (count(db, "running"), count(db, "pending")) == (2, 1)
        ui.keys("q")  # stops the runner: running jobs get 10 s, then are stopped and recorded
        assert wait_until(ui.exit_file.exists, 90), ui.screen()
    finally:
        ui.close()
    assert (count(db, "cancelled"), count(db, "running"), count(db, "pending")) == (2, 0, 1)
