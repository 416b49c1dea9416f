"""Claim-ahead and the UI: the embedded runner pre-claims fires as `tickwork run` does, runs as
many at once as `--max-concurrency` says, and no screen shows a pre-claimed fire as a run
waiting before its instant (whichever runner made it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from textual.widgets import Static

from tests.conftest import FakeClock, cmd
from tests.store.test_preclaims import lease
from tests.ui.conftest import SIZE, AppFactory, eventually, settle
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import iso, utcnow
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual
from tickwork.store.preclaims import flip, preclaim
from tickwork.ui.app import TickworkApp
from tickwork.ui.screens.runs import RunsScreen
from tickwork.ui.widgets.runs import RunsTable
from tickwork.ui.widgets.timeline.data import TimelineSource
from tickwork.ui.widgets.timeline.window import Window

DEADLINE = 60.0  # seconds: generous, for a busy machine


async def wait_for(condition: Callable[[], bool], seconds: float = DEADLINE) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def last_runs_text(app: TickworkApp) -> str:
    return "\n".join(str(s.render()) for s in app.screen.query("#detail-last-text").results(Static))


async def test_a_preclaimed_fire_is_shown_once_it_starts(
    make_app: AppFactory, other_store: Store, clock: FakeClock
) -> None:
    """A headless runner (here: its store calls) pre-claimed the fire due in 2 s: the detail
    pane, the history and the timeline show the last finished run, not a pending one; once the
    fire starts it shows as running."""
    at = clock.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    s = other_store.create({"name": "every-minute", "cron": "* * * * *", "action": cmd()}).schedule
    earlier = enqueue_manual(other_store, s.id, at - timedelta(minutes=5))
    with other_store.write() as conn:  # the manual run of 5 minutes ago succeeded; next: `at`
        conn.execute("UPDATE schedules SET next_run_at = ?", (iso(at),))
        conn.execute(
            "UPDATE runs SET status = 'succeeded', started_at = created_at, "
            "finished_at = created_at, duration = 0.1, exit_code = 0 WHERE id = ?",
            (earlier.id,),
        )
    clock.now = at - timedelta(seconds=2)
    runner = lease(other_store, "rnr_headless", clock)
    [plan] = preclaim(other_store, clock.now, runner, until=at)
    assert plan.run.status == RunStatus.PENDING and plan.run.runner_id == "rnr_headless"

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        last = await eventually(pilot, lambda: last_runs_text(app), lambda t: "succeeded" in t)
        assert "pending" not in last
        await pilot.press("H")
        await wait_for(lambda: isinstance(app.screen, RunsScreen))
        table = app.screen.query_one(RunsTable)
        await wait_for(lambda: earlier.id in table.runs)
        await settle(pilot)
        assert list(table.runs) == [earlier.id]
        # The timeline's runs: the finished one, nothing pending at the instant.
        window = Window(at - timedelta(hours=1), timedelta(minutes=1), 120)
        data = TimelineSource(other_store).load(window, clock.now)
        marks = [m.status for row in data.rows for m in row.runs.values()]
        assert marks == [RunStatus.SUCCEEDED]

        clock.now = at  # the fire starts: now it is a run
        assert flip(other_store, at, runner, [plan.run.id]) == {plan.run.id}
        app.data_changed()

        def listed_running() -> bool:
            run = table.runs.get(plan.run.id)
            return run is not None and run.status == RunStatus.RUNNING

        await wait_for(listed_running)
        assert list(table.runs) == [plan.run.id, earlier.id]


async def test_the_embedded_runner_claims_ahead(make_app: AppFactory, other_store: Store) -> None:
    """The UI's runner pre-claims (a pre-claimed run is created before its instant), starts the
    fire at its instant and records its outcome."""
    other_store.clock = utcnow
    s = other_store.create({"name": "tick", "every": "1s", "action": cmd("true")}).schedule
    app = make_app(clock=utcnow, runner=True)

    def preclaimed_and_done() -> bool:
        runs = other_store.runs.list(s.id, RunStatus.SUCCEEDED, limit=50)
        return any(r.created_at < r.scheduled_for for r in runs)

    async with app.run_test(size=SIZE):
        await wait_for(preclaimed_and_done)
        await app.bridge.stop(grace=5.0)
    assert app.bridge.state == "stopped"


async def test_max_concurrency_bounds_the_embedded_runner(
    make_app: AppFactory, other_store: Store
) -> None:
    """--max-concurrency 2: of three waiting runs, two start; the third waits for a slot."""
    other_store.clock = utcnow
    ids = []
    for i in range(3):
        s = other_store.create(
            {"name": f"slow-{i}", "cron": "0 0 1 1 *", "action": cmd("sleep 60")}
        )
        ids.append(enqueue_manual(other_store, s.schedule.id, utcnow()).id)
    app = make_app(clock=utcnow, runner=True, max_concurrency=2)

    def running() -> list[str]:
        return [r.id for r in other_store.runs.list(status=RunStatus.RUNNING)]

    async with app.run_test(size=SIZE):
        await wait_for(lambda: len(running()) == 2)
        runner = app.bridge.runner
        assert runner is not None and runner.max_concurrency == 2
        cycles = runner.cycles
        await wait_for(lambda: runner.cycles >= cycles + 3)  # it looked again, three times
        assert len(running()) == 2
        assert [r.status for r in other_store.runs.list(status=RunStatus.PENDING)] == [
            RunStatus.PENDING
        ]
        await app.bridge.stop(grace=0.5)  # the two running are stopped, the third waits on
    assert app.bridge.state == "stopped"
    statuses = {r.id: r.status for r in other_store.runs.list(limit=10)}
    assert sorted(statuses) == sorted(ids)
    assert sorted(statuses.values()) == [RunStatus.CANCELLED] * 2 + [RunStatus.PENDING]
