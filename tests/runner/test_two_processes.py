"""Two headless runner processes on one SQLite file, and a runner killed with SIGKILL."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store

from .conftest import (
    SECOND,
    RunnerProcess,
    add,
    command,
    grid_problems,
    process_gone,
    query,
    runs_of,
    schedule_row,
    wait_until,
)

# Enough for both runners to claim, and for every second to be contended, yet few enough that
# a machine with busy CPUs keeps up: the test is about exactly once, not about throughput.
SCHEDULES = 20
FIRES = 300  # at least, in all
# A late runner claims a backlog (catchup=all) at once and starts it a run at a time: what a
# stop leaves waiting stays in the database for the next runner to start; it is not lost.
WAITING = "pending"


def test_two_runners_fire_every_second_exactly_once(
    db_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    with Store.open(db_path) as store:
        # overlap=allow: on a loaded machine a run may still be recording when its next fire
        # comes; no fire may be lost or doubled either way.
        created = [
            add(store, f"tick-{i:03}", catchup="all", overlap="allow", action=command("true"))
            for i in range(SCHEDULES)
        ]
    first_fire = {s.id: s.next_run_at for s in created}
    runners = [spawn(db_path, "--lease-ttl", "3") for _ in range(2)]

    def enough() -> bool:
        # Fires that ran: those pre-claimed or held for a slot go back when the runners stop.
        counts = query(
            db_path,
            "SELECT runner_id, count(*) FROM runs WHERE status = 'succeeded' GROUP BY runner_id",
        )
        return sum(c for _, c in counts) >= FIRES and len(counts) == 2

    assert wait_until(enough, 180, interval=0.5), [r.text()[-2000:] for r in runners]
    codes = [r.stop(signal.SIGTERM) for r in runners]
    logs = [r.text() for r in runners]
    assert codes == [0, 0], "\n\n".join(
        f"runner {i} exited {code}; its log ends:\n" + "\n".join(log.splitlines()[-25:])
        for i, (code, log) in enumerate(zip(codes, logs, strict=True))
    )

    total = 0
    claimed_by: Counter[str] = Counter()
    for s in created:
        runs = runs_of(db_path, s.id)
        times = [r["scheduled_for"] for r in runs]
        assert times, f"{s.name} never fired"
        # The exact grid: from the first fire to the last one claimed, no gap, no duplicate.
        assert times[0] == first_fire[s.id], s.name
        assert grid_problems(times) == [], s.name
        next_run = parse_iso(schedule_row(db_path, s.id)["next_run_at"])
        assert next_run == times[-1] + SECOND, f"{s.name}: a claimed fire has no run row"
        assert {r["attempt"] for r in runs} == {1}
        statuses = Counter(r["status"] for r in runs)
        assert set(statuses) <= {"succeeded", WAITING}, f"{s.name}: {statuses}"
        assert statuses["succeeded"] > 0, f"{s.name}: {statuses}"
        assert schedule_row(db_path, s.id)["run_count"] == len(runs)
        total += len(runs)
        claimed_by.update(r["runner_id"] for r in runs)
    assert total >= FIRES
    assert len(claimed_by) == 2, claimed_by  # both runners claimed fires
    assert query(db_path, "SELECT * FROM runners") == []  # both leases released on SIGTERM
    for log in logs:
        assert "runner    stopped" in log


def test_killed_runner_run_is_abandoned_and_its_processes_killed(
    db_path: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    pidfile = tmp_path / "grandchild.pid"
    with Store.open(db_path) as store:
        victim = add(
            store,
            "victim",
            max_runs=1,
            action=command(f"sh -c 'sleep 60 & echo $! > {pidfile}; sleep 60'"),
        )
        steady = add(store, "steady", catchup="all")
        retried = add(  # its retries say: run it again (attempt 2 does not hang)
            store,
            "retried",
            max_runs=1,
            retries=1,
            retry_backoff_seconds=0,
            action=command("[ $TICKWORK_ATTEMPT = 1 ] && sleep 60; echo attempt $TICKWORK_ATTEMPT"),
        )
    first = spawn(db_path, "--lease-ttl", "2")
    assert wait_until(lambda: pidfile.exists() and pidfile.read_text().strip() != "", 30)
    grandchild = int(pidfile.read_text())
    assert wait_until(lambda: bool(runs_of(db_path, victim.id)[0]["pid"]), 30)
    assert wait_until(
        lambda: [r["status"] for r in runs_of(db_path, retried.id)] == ["running"], 30
    )
    [run] = runs_of(db_path, victim.id)
    assert run["status"] == "running" and not process_gone(run["pid"])
    assert wait_until(lambda: len(runs_of(db_path, steady.id)) >= 2, 30)  # steady fired
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    killed_at = utcnow()
    assert not process_gone(grandchild)  # the orphans outlive their runner...

    second = spawn(db_path, "--lease-ttl", "2")

    def abandoned() -> bool:
        return bool(runs_of(db_path, victim.id)[0]["status"] == "abandoned")

    assert wait_until(abandoned, 30), runs_of(db_path, victim.id)
    # ...until the next runner sees the lease expire and kills them.
    assert wait_until(lambda: process_gone(grandchild) and process_gone(run["pid"]), 30)

    def retried_and_steady() -> bool:
        attempts = [r["status"] for r in runs_of(db_path, retried.id)]
        steady_by = {r["runner_id"] for r in runs_of(db_path, steady.id) if r["started_at"]}
        return attempts == ["abandoned", "succeeded"] and len(steady_by) == 2

    assert wait_until(retried_and_steady, 30), (
        [(r["attempt"], r["status"], r["error"]) for r in runs_of(db_path, retried.id)],
        {r["runner_id"] for r in runs_of(db_path, steady.id) if r["started_at"]},
        second.text()[-3000:],
    )
    assert second.stop() == 0, second.text()

    [after] = runs_of(db_path, victim.id)  # not re-run: retries=0, max_runs=1
    assert after["id"] == run["id"]
    assert after["finished_at"] >= killed_at
    assert "abandoned: its runner" in after["error"]
    victim_row = schedule_row(db_path, victim.id)
    assert victim_row["run_count"] == 1 and victim_row["last_status"] == "abandoned"
    assert f"abandoned {run['id']}" not in first.text()  # it was the second runner's finding
    assert "killed" in second.text() and run["id"] in second.text()

    first_try, second_try = runs_of(db_path, retried.id)
    assert (first_try["attempt"], first_try["status"]) == (1, "abandoned")
    assert (second_try["attempt"], second_try["trigger"]) == (2, "retry")
    assert (second_try["status"], second_try["output"]) == ("succeeded", "attempt 2\n")
    assert second_try["scheduled_for"] == first_try["scheduled_for"]

    # Nothing else lost: the steady schedule's grid is complete across both runners (a fire
    # due while the killed runner's run still looked alive is skipped: overlap=skip).
    runs = runs_of(db_path, steady.id)
    times = [r["scheduled_for"] for r in runs]
    assert grid_problems(times) == []
    assert parse_iso(schedule_row(db_path, steady.id)["next_run_at"]) == times[-1] + SECOND
    statuses = [r["status"] for r in runs]
    assert set(statuses) <= {"succeeded", "abandoned", "skipped", WAITING}, statuses
    assert len({r["runner_id"] for r in runs if r["started_at"]}) == 2


def beat_of(db: Path, runner_id: str) -> datetime:
    [row] = query(db, "SELECT heartbeat_at FROM runners WHERE id = ?", (runner_id,))
    beat = parse_iso(row[0])
    assert beat is not None
    return beat


def test_a_stopping_runner_keeps_its_lease_while_its_runs_finish(
    db_path: Path, tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    gate = tmp_path / "gate"
    with Store.open(db_path) as store:
        s = add(
            store,
            "finishing",
            max_runs=1,
            action=command(f"until [ -e {gate} ]; do sleep 0.05; done; echo done"),
        )
    first = spawn(db_path, "--lease-ttl", "2", "--grace", "60")
    assert wait_until(lambda: runs_of(db_path, s.id) != [], 30)
    [run] = runs_of(db_path, s.id)
    second = spawn(db_path, "--lease-ttl", "2")  # sweeps every second, hunting dead leases
    assert wait_until(lambda: len(query(db_path, "SELECT id FROM runners")) == 2, 30)
    first.proc.send_signal(signal.SIGTERM)

    def stopping() -> bool:
        rows = query(db_path, "SELECT state FROM runners WHERE id = ?", (run["runner_id"],))
        return [r[0] for r in rows] == ["stopping"]

    assert wait_until(stopping, 30)
    # The run goes on for more than two leases' time (the stopping runner keeps beating), while
    # the second runner sweeps every second: the stopping lease keeps the run from it.
    since = beat_of(db_path, run["runner_id"])
    assert wait_until(lambda: beat_of(db_path, run["runner_id"]) - since > 2 * SECOND, 60)
    assert runs_of(db_path, s.id)[0]["status"] == "running"
    gate.touch()
    assert first.proc.wait(60) == 0
    assert second.stop() == 0
    [after] = runs_of(db_path, s.id)
    assert (after["status"], after["output"]) == ("succeeded", "done\n"), after["error"]
    assert "abandoned" not in second.text()
