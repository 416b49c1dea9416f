"""Self-fencing on PostgreSQL: a runner that cannot renew its lease stops claiming and stops its
actions before the lease expires (a runner on another host, which cannot see its process, may
then take its runs over), and records them itself when the database answers again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from tests.runner.conftest import (
    PY_ACTION,
    async_wait_until,
    command,
    in_process,
    process_gone,
)
from tickwork.domain import spec
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import utcnow
from tickwork.runner.health import check
from tickwork.store import Store
from tickwork.store.runs import insert_run


async def test_a_runner_that_cannot_renew_its_lease_fences_itself(
    pg_url: str, tmp_path: Path
) -> None:
    """Another session holds the runner's lease row (what a stuck server or a partition does to
    its renewals): within the TTL the runner fences itself (its long command is killed, nothing
    is claimed); once the row is free it renews, records the run as abandoned, and the retry
    the policy asks for runs once."""
    log, gate = tmp_path / "executions.log", tmp_path / "gate"
    script = f'echo "$TICKWORK_ATTEMPT" >> {log}; until [ -e {gate} ]; do sleep 0.05; done'
    with Store.open(pg_url) as store:
        long = store.create(
            {
                "name": "long",
                "every": "1s",
                "max_runs": 1,
                "retries": 1,
                "retry_backoff_seconds": 0,
                "action": command(script),
            }
        ).schedule
        quick = store.create({"name": "quick", "every": "1s", "action": PY_ACTION}).schedule

        def runs(schedule_id: str) -> list[dict[str, Any]]:
            rows = store.query(
                "SELECT attempt, status, pid, error FROM runs WHERE schedule_id = ? "
                "ORDER BY attempt",
                (schedule_id,),
            )
            return [dict(zip(("attempt", "status", "pid", "error"), r, strict=True)) for r in rows]

        def count(schedule_id: str) -> int:
            return len(runs(schedule_id))

        async with in_process(pg_url, lease_ttl=2.0, heartbeat=0.4) as (runner, events):
            assert await async_wait_until(lambda: any(r["pid"] for r in runs(long.id)), 60)
            [first] = runs(long.id)
            assert runner.lease is not None
            holder = psycopg.connect(pg_url)
            try:
                holder.execute("SELECT 1 FROM runners WHERE id = %s FOR UPDATE", (runner.lease.id,))
                assert await async_wait_until(lambda: runner.fenced, 30), events.notes()
                assert any("fenced itself" in r for r in check(runner).reasons)  # /healthz
                assert await async_wait_until(lambda: process_gone(first["pid"]), 30)
                assert any("fenced itself" in n for n in events.notes())
                # Until the lease has expired on the server (others may take over): no claim.
                claimed = count(quick.id)

                def expired() -> bool:
                    rows = store.query(
                        "SELECT expires_at < clock_timestamp() - interval '1 second' "
                        "FROM runners WHERE id = ?",
                        (runner.lease.id if runner.lease else "",),
                    )
                    return bool(rows and rows[0][0])

                assert await async_wait_until(expired, 30)
                assert count(quick.id) == claimed
            finally:
                holder.rollback()
                holder.close()
            assert await async_wait_until(lambda: len(runs(long.id)) == 2, 60), runs(long.id)
            abandoned, retry = runs(long.id)
            assert abandoned["status"] == "abandoned" and "fenced itself" in abandoned["error"]
            assert await async_wait_until(lambda: not runner.fenced, 30)
            assert await async_wait_until(lambda: count(quick.id) > claimed + 2, 60)
            gate.touch()
            assert await async_wait_until(lambda: runs(long.id)[1]["status"] == "succeeded", 60)
        assert any("renewed its lease" in n for n in events.notes()), events.notes()
    assert log.read_text().split() == ["1", "2"]  # each attempt ran once
    assert retry["attempt"] == 2


async def test_a_claim_whose_reply_was_lost_is_started_by_its_runner(
    pg_url: str, tmp_path: Path
) -> None:
    """A claim that committed while its reply was lost (the connection dropped at COMMIT)
    leaves a run `running` under the runner's lease that the runner does not know about: the
    runner finds it at its next sweep and runs it, once."""
    log = tmp_path / "executions.log"
    with Store.open(pg_url) as store:
        daily = store.create(
            {
                "name": "daily",
                "cron": "0 3 * * *",
                "action": command(f'echo "$TICKWORK_ATTEMPT" >> {log}'),
            }
        ).schedule
        async with in_process(pg_url, lease_ttl=2.0, heartbeat=0.4) as (runner, events):
            assert await async_wait_until(lambda: runner.cycles > 2, 60)
            assert runner.lease is not None
            now = utcnow()
            lost = Run(
                id=spec.new_id("run_"),
                schedule_id=daily.id,
                scheduled_for=now.replace(microsecond=0),
                attempt=1,
                trigger=Trigger.SCHEDULE,
                status=RunStatus.RUNNING,
                created_at=now,
                started_at=now,
                runner_id=runner.lease.id,
                host=runner.lease.host,
            )
            with store.write() as conn:  # what the lost claim's commit left
                insert_run(conn, lost)

            def status() -> str | None:
                found = store.runs.get(lost.id)
                return found.status if found else None

            assert await async_wait_until(lambda: status() == "succeeded", 60), events.notes()
        assert any("reply was lost" in n for n in events.notes()), events.notes()
    assert log.read_text().split() == ["1"]
