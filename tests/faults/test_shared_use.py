"""Ordinary shared use, at length: the UI open (its embedded runner on), two headless runners,
and the CLI writing meanwhile, over a thousand fires: no fire executed twice, none lost, the UI
never left holding a deleted WAL (the database never splits)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.runner.conftest import RunnerProcess, cli, query, wait_until
from tests.store.test_shared_file import deleted_files
from tests.tmux_ui import Tmux

from .chaos import FULL, audit, logged, make_schedules


def fires(db: Path) -> int:
    return int(query(db, "SELECT count(*) FROM runs WHERE attempt = 1")[0][0])


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux to run the UI")
def test_the_ui_two_runners_and_cli_writes_fire_a_thousand_times_without_a_duplicate(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    target = 3000 if FULL else 1000
    db, log = tmp_path / "tickwork.db", tmp_path / "executions.log"
    ids = make_schedules(db, log, 50, catchup="all", overlap="allow")
    ui = Tmux(tmp_path, db)
    try:
        # the UI has loaded every schedule (its status line counts them; a given row may be
        # scrolled out of sight, whatever the terminal's size)
        assert wait_until(lambda: "50 active" in ui.screen(), 60), ui.screen()
        ui_pid = ui.pid()
        runners = [spawn(db, "--lease-ttl", "3") for _ in range(2)]
        added: list[str] = []
        writes = 0
        while fires(db) < target:
            assert writes < 500, f"only {fires(db)} fires after {writes} CLI writes"
            name = f"added-{writes:03}"
            for args in (
                ("pause", "chaos-000"),
                ("resume", "chaos-000"),
                ("add", name, "--every", "1s", "--command", logged(log)),
                ("edit", "chaos-001", "--description", f"edit {writes}"),
            ):
                done = cli(db, *args)
                assert done.returncode == 0, (args, done.stderr)
            added.append(name)
            writes += 1
            assert deleted_files(ui_pid, db) == []
        for runner in runners:
            assert runner.stop() == 0, runner.text()[-2000:]
        ui.keys("q")
        assert wait_until(ui.exit_file.exists, 60), ui.screen()
    finally:
        ui.close()
    done = cli(db, "run", "--once", timeout=120)  # what the runners queued and left
    assert done.returncode == 0, done.stderr
    new_ids = [r[0] for r in query(db, "SELECT id FROM schedules WHERE name LIKE 'added-%'")]
    steady = [i for i in ids if i != ids[0]]  # chaos-000 is paused and resumed: no backlog
    result = audit(db, log, steady + new_ids)
    print(f"\nUI + two runners + {writes * 4} CLI writes: {result.figures()}")
    assert result.duplicates == [] and result.gaps == [] and result.stuck == [], result.figures()
    assert result.unexecuted == []
    assert result.fires >= target - 100
    paused_and_resumed = audit(db, log, ids[:1])
    assert paused_and_resumed.duplicates == [] and paused_and_resumed.stuck == []
    [desc] = query(db, "SELECT description FROM schedules WHERE name = 'chaos-001'")
    assert desc[0] == f"edit {writes - 1}"  # every CLI change kept
