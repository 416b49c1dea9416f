"""The UI ending any other way than by q (a crash, a test's app torn down): its embedded runner
still stops before the UI is gone; no command outlives it, no run stays `running`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cmd
from tests.runner.conftest import async_wait_until, query
from tests.runner.test_stop_twice import LONG, group_members
from tests.ui.conftest import SIZE, AppFactory
from tickwork.domain.timeutil import utcnow
from tickwork.runner.service import STOPPED_AT_ONCE
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual


def runs(db: Path) -> list[tuple[str, str | None, int | None]]:
    rows = query(db, "SELECT status, error, pid FROM runs ORDER BY created_at")
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_crashing_ui_stops_its_runner_and_records_the_running_jobs(
    make_app: AppFactory, other_store: Store, db_path: Path
) -> None:
    other_store.clock = utcnow
    s = other_store.create({"name": "long", "cron": "0 0 1 1 *", "action": cmd(LONG)})
    enqueue_manual(other_store, s.schedule.id, utcnow())
    app = make_app(clock=utcnow, runner=True)
    groups: list[int] = []
    with pytest.raises(ZeroDivisionError):  # run_test raises what ended the app
        async with app.run_test(size=SIZE):

            def started() -> bool:
                return [(st, bool(pid)) for st, _, pid in runs(db_path)] == [("running", True)]

            assert await async_wait_until(started, 60)
            groups = [int(pid) for _, _, pid in runs(db_path) if pid]
            assert await async_wait_until(lambda: len(group_members(groups[0])) >= 2, 30)
            app.call_later(lambda: 1 / 0)  # a bug in a handler: Textual ends the app
            assert await async_wait_until(lambda: not app.is_running, 60)
    assert app.bridge.wait_stopped()  # as `tickwork` does once the UI's loop has ended
    assert app.bridge.state == "stopped"
    assert [g for g in groups if group_members(g)] == []
    assert [(st, err) for st, err, _ in runs(db_path)] == [("cancelled", STOPPED_AT_ONCE)]
    assert query(db_path, "SELECT count(*) FROM runners")[0][0] == 0
