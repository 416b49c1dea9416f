"""Bad input: failing actions are recorded, unusable stored rows are set aside, nothing stops."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tickwork.domain.timeutil import parse_iso
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual

from ..conftest import FakeClock
from .conftest import (
    SECOND,
    add,
    async_wait_until,
    command,
    grid_problems,
    in_process,
    query,
    runs_of,
    schedule_row,
    step,
)

OPEN = "SELECT 1 FROM runs WHERE status IN ('running', 'pending')"

CORRUPTIONS = {  # column -> a value tickwork never writes (a hand edit, another version)
    "expression": "61 * * * *",
    "timezone": "Mars/Olympus_Mons",
    "action": "{not json",
    "next_run_at": "2000-13-45T00:00:00+00:00",  # sorts as due, is no time
}
FAILING_ACTIONS = {
    "no-command": (command("no-such-command-tickwork"), "exit code 127"),
    "no-module": ({"kind": "python", "target": "no_such_module_tw:run"}, "cannot import"),
    "no-server": ({"kind": "http", "url": "http://127.0.0.1:9/hook"}, "connection failed"),
    "no-cwd": ({**command("true"), "cwd": "/nonexistent/tickwork"}, "does not exist"),
}


async def test_bad_actions_and_bad_rows_do_not_stop_the_runner(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        good = add(store, "good", catchup="all")
        failing = {
            name: add(store, name, max_runs=2, action=action).id
            for name, (action, _error) in FAILING_ACTIONS.items()
        }
        broken = {column: add(store, f"broken-{column}").id for column in CORRUPTIONS}
        queued = enqueue_manual(store, broken["action"], store.clock())
    conn = sqlite3.connect(db_path)
    with conn:
        for column, value in CORRUPTIONS.items():
            conn.execute(f"UPDATE schedules SET {column} = ? WHERE id = ?", (value, broken[column]))
    conn.close()

    async with in_process(db_path, clock=clock) as (runner, events):
        for _ in range(3):
            await step(runner, clock)
            assert await async_wait_until(lambda: not query(db_path, OPEN), 30)

    for column, schedule_id in broken.items():
        row = schedule_row(db_path, schedule_id)
        assert row["active"] == 0 and row["next_run_at"] is None, column
        assert row["status_reason"].startswith("invalid: "), column
        assert any(schedule_id in note for note in events.notes()), column
    [manual] = runs_of(db_path, broken["action"])
    assert manual["id"] == queued.id
    assert manual["status"] == "failed" and manual["error"].startswith("invalid schedule: ")

    for name, schedule_id in failing.items():
        runs = runs_of(db_path, schedule_id)
        assert [r["status"] for r in runs] == ["failed", "failed"], name
        assert all(FAILING_ACTIONS[name][1] in r["error"] for r in runs), (name, runs[0]["error"])

    runs = runs_of(db_path, good.id)
    times = [r["scheduled_for"] for r in runs]
    assert len(times) >= 3 and times[0] == good.next_run_at and grid_problems(times) == []
    assert parse_iso(schedule_row(db_path, good.id)["next_run_at"]) == times[-1] + SECOND
    assert {r["status"] for r in runs} == {"succeeded"}


async def test_an_unexpected_database_error_is_logged_and_the_runner_recovers(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "steady", catchup="all")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(  # every claim fails until the trigger goes
        "CREATE TRIGGER tw_refuse BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    async with in_process(db_path, clock=clock) as (runner, events):
        for _ in range(2):
            await step(runner, clock)
        assert runs_of(db_path, s.id) == []
        assert any("cycle failed" in n and "refused" in n for n in events.notes()), events.notes()
        conn.execute("DROP TRIGGER tw_refuse")
        await step(runner, clock)
        assert await async_wait_until(lambda: len(runs_of(db_path, s.id)) == 3, 30)
        assert await async_wait_until(lambda: not query(db_path, OPEN), 30)
        assert runner.state == "active"
    conn.close()
    runs = runs_of(db_path, s.id)
    assert runs and all(r["status"] == "succeeded" for r in runs)
    assert grid_problems([r["scheduled_for"] for r in runs]) == []  # catchup=all: nothing lost


async def test_a_next_run_written_in_another_iso_form_is_still_claimed(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(db_path, clock=clock) as store:
        s = add(store, "zulu", catchup="all")
    conn = sqlite3.connect(db_path)
    with conn:  # same instant, written as another program would: "Z" and no offset digits
        conn.execute(
            "UPDATE schedules SET next_run_at = replace(next_run_at, '+00:00', 'Z') WHERE id = ?",
            (s.id,),
        )
    conn.close()
    async with in_process(db_path, clock=clock) as (runner, events):
        await step(runner, clock, 2)  # "Z" sorts after "+00:00": due by text a moment later
        assert await async_wait_until(lambda: bool(runs_of(db_path, s.id)), 30)
        assert await async_wait_until(lambda: not query(db_path, OPEN), 30)
    runs = runs_of(db_path, s.id)
    assert runs and runs[0]["status"] == "succeeded", events.notes()
    assert not any("cycle failed" in n for n in events.notes())
