"""The UI with --sync FILE: declared schedules appear, changes follow the file, errors notify."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.ui.conftest import SIZE, AppFactory, record_notifications
from tickwork.store import Store
from tickwork.ui.widgets.schedules.table import ScheduleTable

TOML = """
[schedules.backup]
cron = "30 2 * * *"
timezone = "Europe/Paris"
command = "echo backup"
"""


async def test_sync_file_is_applied_and_followed(
    make_app: AppFactory, other_store: Store, tmp_path: Path
) -> None:
    toml = tmp_path / "tickwork.toml"
    toml.write_text(TOML)
    app = make_app(sync_file=toml)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ScheduleTable)
        for _ in range(50):
            await asyncio.sleep(0.1)
            await pilot.pause()
            if table.pager.total == 1:
                break
        row = table.pager.row(0)
        assert row is not None and row.name == "backup"
        assert [s.type for s in other_store.list()] == ["DECLARATIVE"]
        assert any("1 to create" in n for n in notes), notes

        toml.write_text(TOML + "max_runs = \n")  # broken TOML: nothing changes, the UI says so
        for _ in range(50):
            await asyncio.sleep(0.1)
            if len(notes) >= 2:
                break
        assert notes[1].endswith("tickwork.toml:6: Invalid value (not valid TOML)"), notes
        assert other_store.list()[0].max_runs is None
