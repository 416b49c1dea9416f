"""Overlap policies with real time: an @every 1s schedule whose command runs 2.5 s.

One in-process runner drives the four policies side by side for ~3.3 s (fires F0..F3), the test
samples the runs table meanwhile, then checks each policy's rows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tickwork.domain.timeutil import utcnow
from tickwork.store import Store

from .conftest import (
    SECOND,
    add,
    async_sleep_until,
    command,
    in_process,
    process_gone,
    query,
    runs_of,
)

POLICIES = ("skip", "allow", "queue", "replace")


@dataclass
class Scenario:
    db: Path
    ids: dict[str, str]
    first: dict[str, datetime]
    samples: list[dict[str, tuple[int, int]]] = field(default_factory=list)
    statements: int = 0  # SQL statements of the runner's connection
    cycles: int = 0  # wake-ups of its loop (each reads PRAGMA data_version once)
    seconds: float = 0.0

    def runs(self, policy: str) -> dict[int, dict[str, Any]]:
        """Runs by fire number (0 = the first fire)."""
        out = {}
        for r in runs_of(self.db, self.ids[policy]):
            n = round((r["scheduled_for"] - self.first[policy]).total_seconds())
            assert n not in out, f"fire {n} recorded twice"
            out[n] = r
        return out

    def most(self, policy: str, index: int) -> int:
        return max(s[policy][index] for s in self.samples)


async def _drive(db: Path) -> Scenario:
    with Store.open(db) as store:
        made = {
            p: add(store, f"overlap-{p}", overlap=p, action=command("sleep 2.5")) for p in POLICIES
        }
    ids = {p: s.id for p, s in made.items()}
    first = {p: s.next_run_at for p, s in made.items() if s.next_run_at}
    scenario = Scenario(db, ids, first)
    statements: list[str] = []
    started = time.monotonic()
    async with in_process(db, grace=0) as (runner, _events):
        runner.store.conn.set_trace_callback(statements.append)
        end = max(first.values()) + timedelta(seconds=3.3)
        while utcnow() < end:
            rows = query(
                db,
                "SELECT schedule_id, sum(status = 'running'), sum(status = 'pending') "
                "FROM runs GROUP BY schedule_id",
            )
            by_id = {r[0]: (r[1], r[2]) for r in rows}
            scenario.samples.append({p: by_id.get(i, (0, 0)) for p, i in ids.items()})
            await asyncio.sleep(0.1)
        await async_sleep_until(end)
    scenario.seconds = time.monotonic() - started
    scenario.statements = len(statements)
    scenario.cycles = sum(1 for x in statements if x == "PRAGMA data_version")
    return scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return asyncio.run(_drive(tmp_path_factory.mktemp("overlap") / "tickwork.db"))


def test_skip_records_skipped_fires_and_never_runs_two(scenario: Scenario) -> None:
    runs = scenario.runs("skip")
    assert runs[0]["status"] == "succeeded"
    for n in (1, 2):
        assert runs[n]["status"] == "skipped"
        assert "still running" in runs[n]["error"] and runs[0]["id"] in runs[n]["error"]
        assert runs[n]["started_at"] is None
    assert runs[3]["status"] == "cancelled"  # started after F0 ended, stopped by the shutdown
    assert "runner stopped" in runs[3]["error"]
    assert scenario.most("skip", 0) == 1


def test_allow_runs_fires_concurrently(scenario: Scenario) -> None:
    runs = scenario.runs("allow")
    assert sorted(runs) == [0, 1, 2, 3]
    assert all(r["started_at"] is not None for r in runs.values())
    assert runs[0]["status"] == "succeeded"
    assert runs[1]["started_at"] < runs[0]["finished_at"]  # F1 ran while F0 still ran
    assert runs[2]["started_at"] < runs[0]["finished_at"]
    assert scenario.most("allow", 0) >= 3


def test_queue_keeps_at_most_one_waiting(scenario: Scenario) -> None:
    runs = scenario.runs("queue")
    assert runs[0]["status"] == "succeeded"
    assert runs[1]["trigger"] == "schedule" and runs[1]["status"] == "cancelled"
    # F1 waited (pending) and started as soon as F0 finished, not before.
    gap = runs[1]["started_at"] - runs[0]["finished_at"]
    assert timedelta(0) <= gap < timedelta(seconds=0.5), gap
    assert runs[2]["status"] == "skipped" and "already queued" in runs[2]["error"]
    assert runs[3]["status"] == "pending"  # queued behind F1 when the runner stopped
    assert scenario.most("queue", 1) == 1
    assert scenario.most("queue", 0) == 1


def test_replace_cancels_the_running_one_and_its_process(scenario: Scenario) -> None:
    runs = scenario.runs("replace")
    assert sorted(runs) == [0, 1, 2, 3]
    for n in (0, 1, 2):
        old, new = runs[n], runs[n + 1]
        assert old["status"] == "cancelled"
        assert "replaced by a newer run" in old["error"]
        assert old["pid"] and process_gone(old["pid"])
        assert new["started_at"] <= old["finished_at"] < new["started_at"] + SECOND / 2
    assert "runner stopped" in runs[3]["error"]


def test_the_runner_sleeps_between_fires(scenario: Scenario) -> None:
    """No busy polling, even while a queued run waits for its turn: the loop wakes for fires,
    finished runs and the 1 s tick (4 schedules firing each second: ~3 wake-ups a second)."""
    assert scenario.cycles / scenario.seconds < 8, (scenario.cycles, scenario.seconds)
    assert scenario.statements / scenario.seconds < 150, scenario.statements
