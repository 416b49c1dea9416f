"""The run history marks runs past their schedule's max_duration_warning (the `slow` event)."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

from tests.ui.timeline_fixtures import NOW, FrozenClock, HostApp, add_runs, command, make_run
from tests.ui.timeline_fixtures import settle as wait_until
from tickwork.domain import spec
from tickwork.store import Store
from tickwork.ui.screens.runs import RunsScreen
from tickwork.ui.widgets.runs import RunsTable


async def test_slow_runs_are_marked(tmp_path: Path) -> None:
    clock = FrozenClock()
    with Store.open(tmp_path / "t.db", clock=clock) as store:
        watched = spec.build(
            {"name": "etl", "every": "10m", "action": command(), "max_duration_warning": 60},
            NOW,
            schedule_id="sched_etl",
        )
        plain = spec.build(
            {"name": "plain", "every": "10m", "action": command()}, NOW, schedule_id="sched_plain"
        )
        store.save(watched)
        store.save(plain)
        add_runs(
            store,
            [
                make_run(watched.id, "run_fast", "succeeded", NOW - timedelta(hours=1), duration=5),
                make_run(
                    watched.id, "run_slow", "succeeded", NOW - timedelta(hours=2), duration=90
                ),
                make_run(watched.id, "run_live", "running", NOW - timedelta(minutes=5)),
                make_run(plain.id, "run_long", "succeeded", NOW - timedelta(hours=3), duration=900),
            ],
        )
        app = HostApp(lambda: RunsScreen(store, clock, None, local_zone=UTC))
        async with app.run_test(size=(120, 30)) as pilot:
            table = pilot.app.screen.query_one(RunsTable)
            await wait_until(pilot, lambda: table.row_count == 4)
            duration = {key: str(table.get_row(key)[4]) for key in table.runs}
        assert duration["run_slow"].startswith("⚠ ")
        assert duration["run_live"].startswith("⚠ ")  # still going, past 60 s
        assert not duration["run_fast"].startswith("⚠")
        assert not duration["run_long"].startswith("⚠")  # its schedule has no warning
