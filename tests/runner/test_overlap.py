"""Overlap policies: an @every 1s schedule whose command runs until the test lets it end.

One in-process runner drives the four policies side by side through fires F0..F3 (the test
moves the clocks one second at a time and opens a gate to end the F0 commands), then stops
with no grace; the test records what was running and waiting at each step.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tickwork.runner import Runner
from tickwork.store import Store

from ..conftest import FakeClock
from .conftest import (
    add,
    async_wait_until,
    command,
    cycled,
    in_process,
    process_gone,
    query,
    runs_of,
    step,
)

POLICIES = ("skip", "allow", "queue", "replace")


def gated(gates: Path) -> str:
    """A command that runs until a gate named after its fire time exists in `gates`."""
    return f'until [ -e "{gates}/$TICKWORK_SCHEDULED_FOR" ]; do sleep 0.02; done'


@dataclass
class Scenario:
    db: Path
    ids: dict[str, str]
    first: dict[str, datetime]
    samples: list[dict[str, tuple[int, int]]] = field(default_factory=list)
    rests_while_blocked: list[float] = field(default_factory=list)

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


def open_runs(db: Path, ids: dict[str, str]) -> dict[str, tuple[int, int]]:
    rows = query(
        db,
        "SELECT schedule_id, sum(status = 'running'), sum(status = 'pending') "
        "FROM runs GROUP BY schedule_id",
    )
    by_id = {r[0]: (r[1], r[2]) for r in rows}
    return {p: by_id.get(i, (0, 0)) for p, i in ids.items()}


def pids_started(db: Path, ids: dict[str, str], expected: dict[str, int]) -> bool:
    """Each policy has `expected[policy]` running runs, each with its command started."""
    for policy, count in expected.items():
        rows = query(
            db,
            "SELECT pid FROM runs WHERE schedule_id = ? AND status = 'running'",
            (ids[policy],),
        )
        if len(rows) != count or not all(r[0] for r in rows):
            return False
    return True


async def _drive(db: Path, gates: Path) -> Scenario:
    clock = FakeClock()
    with Store.open(db, clock=clock) as store:
        made = {
            p: add(store, f"overlap-{p}", overlap=p, action=command(gated(gates))) for p in POLICIES
        }
    ids = {p: s.id for p, s in made.items()}
    first = {p: s.next_run_at for p, s in made.items() if s.next_run_at}
    scenario = Scenario(db, ids, first)

    async def sample(runner: Runner, expected: dict[str, int]) -> None:
        assert await async_wait_until(lambda: pids_started(db, ids, expected), 30)
        await cycled(runner)
        scenario.samples.append(open_runs(db, ids))

    gates.mkdir()
    async with in_process(db, clock=clock, grace=0) as (runner, _events):
        await step(runner, clock)  # F0
        await sample(runner, {"skip": 1, "allow": 1, "queue": 1, "replace": 1})
        await step(runner, clock)  # F1
        await sample(runner, {"skip": 1, "allow": 2, "queue": 1, "replace": 1})
        await step(runner, clock)  # F2
        await sample(runner, {"skip": 1, "allow": 3, "queue": 1, "replace": 1})
        # F0 of skip, allow and queue still run; queue's F1 waits: between cycles the
        # runner rests a whole tick (no busy polling while the work is blocked).
        rests: list[float] = []
        rest = runner._rest

        async def recorded(seconds: float) -> None:
            rests.append(seconds)
            await rest(seconds)

        runner._rest = recorded  # type: ignore[method-assign]
        await cycled(runner, 3)
        runner._rest = rest  # type: ignore[method-assign]
        scenario.rests_while_blocked = rests
        (gates / first["skip"].isoformat()).touch()  # the F0 commands end
        await sample(runner, {"skip": 0, "allow": 2, "queue": 1, "replace": 1})
        await step(runner, clock)  # F3
        await sample(runner, {"skip": 1, "allow": 3, "queue": 1, "replace": 1})
    return scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    tmp = tmp_path_factory.mktemp("overlap")
    return asyncio.run(_drive(tmp / "tickwork.db", tmp / "gates"))


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
    assert [runs[n]["status"] for n in (1, 2, 3)] == ["cancelled"] * 3  # by the shutdown
    # F1 and F2 ran while F0 still ran
    assert [s["allow"] for s in scenario.samples[:3]] == [(1, 0), (2, 0), (3, 0)]
    assert runs[2]["started_at"] <= runs[0]["finished_at"]
    assert scenario.most("allow", 0) == 3


def test_queue_keeps_at_most_one_waiting(scenario: Scenario) -> None:
    runs = scenario.runs("queue")
    assert runs[0]["status"] == "succeeded"
    assert runs[1]["trigger"] == "schedule" and runs[1]["status"] == "cancelled"
    # F1 waited (pending) while F0 ran, and started when F0 finished, not before.
    assert [s["queue"] for s in scenario.samples[:3]] == [(1, 0), (1, 1), (1, 1)]
    assert runs[1]["started_at"] >= runs[0]["finished_at"]
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
        assert new["started_at"] <= old["finished_at"]
    assert "runner stopped" in runs[3]["error"]
    assert scenario.most("replace", 0) == 1


def test_the_runner_sleeps_while_work_is_blocked(scenario: Scenario) -> None:
    """No busy polling while a queued run waits for its turn: after each cycle the loop rests
    its whole tick (1 s), woken early only by fires, finished runs or a stop."""
    assert len(scenario.rests_while_blocked) >= 2, scenario.rests_while_blocked
    assert all(r == 1.0 for r in scenario.rests_while_blocked), scenario.rests_while_blocked
