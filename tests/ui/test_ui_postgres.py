"""The UI on a postgresql:// URL, unchanged: the same screens on a PostgreSQL database, the URL
shown without its password, and an edit made on another host followed within a second or so."""

from __future__ import annotations

import time
from typing import Any

from textual.pilot import Pilot

from tests.conftest import FakeClock, cmd
from tests.ui.conftest import SIZE, settle
from tickwork.store import Store
from tickwork.store.location import MASK
from tickwork.ui.app import create_app
from tickwork.ui.screens.schedules import SchedulesScreen
from tickwork.ui.widgets.schedules.table import ScheduleTable


def states(pilot: Pilot[Any]) -> dict[str, bool]:
    table = pilot.app.screen.query_one(ScheduleTable)
    rows = (table.pager.row(i) for i in range(table.pager.total))
    return {r.name: r.active for r in rows if r is not None}


async def wait_for(pilot: Pilot[Any], predicate: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await settle(pilot)
        if predicate():
            return True
        await pilot.pause(0.1)
    return False


async def test_the_ui_on_postgresql_follows_another_hosts_pause(
    pg_url: str, clock: FakeClock
) -> None:
    url = pg_url.replace("postgres:@", "postgres:hunter2@")  # the server trusts the socket
    other = Store.open(url, clock=clock)  # another host's CLI
    try:
        other.create({"name": "backup", "cron": "0 3 * * *", "action": cmd()})
        other.create({"name": "ping", "every": "30s", "action": cmd()})
        app = create_app(url, clock=clock, runner=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, SchedulesScreen)
            assert states(pilot) == {"ping": True, "backup": True}
            assert app.status.db_path.startswith(f"postgresql://postgres:{MASK}@")
            assert "hunter2" not in app.status.db_path
            other.set_active(other.resolve("backup").id, False)
            assert await wait_for(pilot, lambda: states(pilot).get("backup") is False)
            assert app.status.counts.paused == 1
    finally:
        other.close()
