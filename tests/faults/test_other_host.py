"""A runner of another host frozen past its lease (a paused VM, a frozen container: the runner
and its command stop together), then thawed, while a runner of this host goes on.

The other host is this machine under another name (TICKWORK_HOSTNAME=other-host, as containers
sharing a hostname are told apart): the lease and the runs say "other-host", so this host's
runner cannot look at its process and must take a missed lease for a dead runner. What is
required: the fire is run again only because retries say so (attempt 2); the frozen runner, on
waking, sees that its lease is gone, stops its attempt before that attempt does anything more,
records nothing over the other runner's verdict and claims nothing until it renewed its lease;
every other fire happens once.
"""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable
from pathlib import Path

from tests.runner.conftest import (
    RunnerProcess,
    add,
    command,
    process_gone,
    query,
    wait_until,
)
from tickwork.runner.liveness import HOSTNAME_ENV, this_host
from tickwork.store import Store

from .chaos import audit, logged, make_schedules
from .test_runner_faults import claims_by, drain, lease_of


def busier(runner: RunnerProcess, busy: int) -> bool:
    return runner.text().count("database busy") > busy


def freeze(pid: int, job: int, sig: signal.Signals) -> None:
    """Stop or continue a runner and its command's process group together, as a frozen
    container or a paused VM does."""
    os.kill(pid, sig)
    os.killpg(job, sig)


def test_a_frozen_runner_of_another_host_is_retried_once_and_stops_its_attempt_on_waking(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    db, log, gate = tmp_path / "tickwork.db", tmp_path / "executions.log", tmp_path / "gate"
    ids = make_schedules(db, log, 10, catchup="all", overlap="allow")
    waits = f"until [ -e {gate} ]; do sleep 0.05; done"
    with Store.open(db) as store:
        long = add(
            store,
            "long",
            max_runs=1,
            retries=1,
            retry_backoff_seconds=0,
            action=command(f'{logged(log)}; {waits}; echo "done $TICKWORK_ATTEMPT" >> {log}'),
        )
    frozen = spawn(db, "--lease-ttl", "2", env={HOSTNAME_ENV: "other-host"})

    def long_runs() -> list[tuple[int, str, str | None]]:
        rows = query(
            db,
            "SELECT attempt, status, host FROM runs WHERE schedule_id = ? ORDER BY attempt",
            (long.id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def job_of(attempt: int) -> int | None:
        rows = query(
            db, "SELECT pid FROM runs WHERE schedule_id = ? AND attempt = ?", (long.id, attempt)
        )
        return rows[0][0] if rows else None

    assert wait_until(lambda: job_of(1) is not None, 60), frozen.text()
    assert long_runs() == [(1, "running", "other-host")]
    job = job_of(1)
    assert job is not None
    here = spawn(db, "--lease-ttl", "2")
    assert wait_until(lambda: claims_by(db, lease_of(db, here.pid)) >= 5, 60)

    for _attempt in range(5):  # a freeze inside a write transaction blocks the other: again
        busy = here.text().count("database busy")
        freeze(frozen.pid, job, signal.SIGSTOP)
        seen = wait_until(
            functools.partial(lambda b: len(long_runs()) == 2 or busier(here, b), busy), 60
        )
        if seen and len(long_runs()) == 2:
            break
        freeze(frozen.pid, job, signal.SIGCONT)
        assert wait_until(lambda: "database busy" not in here.text()[-500:], 30)
    # This host's runner took the frozen one for dead: attempt 1 abandoned, attempt 2 (the
    # schedule's one retry) runs here.
    here_host = this_host()
    assert wait_until(
        lambda: (
            long_runs() == [(1, "abandoned", "other-host"), (2, "running", here_host)]
            and job_of(2) is not None
        ),
        60,
    ), long_runs()
    assert not process_gone(job)  # another host's process: not this runner's to kill

    freeze(frozen.pid, job, signal.SIGCONT)
    assert wait_until(lambda: "taken over by another runner: stopped" in frozen.text(), 60), (
        frozen.text()[-3000:]
    )
    assert wait_until(lambda: process_gone(job), 60)  # attempt 1 stopped on waking
    gate.touch()
    assert wait_until(lambda: [s for _, s, _ in long_runs()][1:] == ["succeeded"], 60)
    during = claims_by(db, lease_of(db, frozen.pid))
    assert wait_until(lambda: claims_by(db, lease_of(db, frozen.pid)) > during, 60)  # renewed
    assert frozen.stop() == 0 and here.stop() == 0, frozen.text()[-2000:] + here.text()[-2000:]
    drain(db)

    lines = log.read_text().splitlines()
    assert [line for line in lines if line.startswith("done")] == ["done 2"]  # 1 never finished
    assert sum(line.startswith(long.id) for line in lines) == 2  # attempt 1, attempt 2: once each
    statuses = [s for _, s, _ in long_runs()]
    # Attempt 1 ends as the other runner judged it (abandoned) or as its own runner stopped it
    # on waking (cancelled, saying why); the schedule's last status is its retry's.
    assert statuses[1:] == ["succeeded"] and statuses[0] in ("abandoned", "cancelled"), statuses
    [error] = [
        r[0]
        for r in query(
            db,
            "SELECT error FROM runs WHERE id IN (SELECT id FROM runs "
            "WHERE schedule_id = ? AND attempt = 1)",
            (long.id,),
        )
    ]
    assert "taken over" in error or "abandoned" in error, error
    assert query(db, "SELECT last_status FROM schedules WHERE id = ?", (long.id,))[0][0] == (
        "succeeded"
    )
    result = audit(db, log, ids)
    print(f"\nanother host frozen past its lease: {result.figures()}; long run: {statuses}")
    assert result.duplicates == [] and result.gaps == [] and result.stuck == [], result.figures()
    assert result.unexecuted == []
