"""The schedules screen: list, filter, sort, pause/resume, delete, palette, keys help, live data."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, record_notifications, settle
from tickwork.domain.status import RunStatus
from tickwork.store import Store
from tickwork.ui.screens.confirm import ConfirmScreen
from tickwork.ui.screens.edit import EditScreen
from tickwork.ui.screens.help import KeysHelpScreen
from tickwork.ui.screens.schedules import SchedulesScreen
from tickwork.ui.theme_styles import status_style
from tickwork.ui.widgets.schedules.table import ScheduleTable


def table_of(pilot: Pilot[Any]) -> ScheduleTable:
    return pilot.app.screen.query_one(ScheduleTable)


def names(table: ScheduleTable) -> list[str]:
    rows = (table.pager.row(i) for i in range(table.pager.total))
    return [r.name for r in rows if r is not None]


def add(store: Store, name: str, **data: Any) -> str:
    if "every" not in data:
        data.setdefault("cron", "*/5 * * * *")
    data.setdefault("action", cmd())
    return store.create({"name": name, **data}).schedule.id


async def test_home_lists_schedules_with_next_run_and_status(
    make_app: AppFactory, other_store: Store
) -> None:
    add(other_store, "backup", cron="0 3 * * *", timezone="Europe/Berlin")
    add(other_store, "ping", every="30s")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        table = table_of(pilot)
        assert table.pager.total == 2
        assert names(table) == ["ping", "backup"]  # soonest next run first
        assert table.current is not None and table.current.name == "ping"
        assert app.status.counts.active == 2
        assert app.status.runner_text == "no runner"


async def test_filter_is_live_on_name_expression_and_ids(
    make_app: AppFactory, other_store: Store
) -> None:
    add(other_store, "nightly backup", external_id="JIRA-7")
    add(other_store, "ping", every="30s", deduplication_key="pinger")
    add(other_store, "report", cron="0 9 * * 1-5")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is not None and app.focused.id == "filter"
        await pilot.press(*"back")
        await pilot.pause(0.2)  # the debounce
        await settle(pilot)
        assert names(table_of(pilot)) == ["nightly backup"]
        for text, expected in (
            ("jira-7", ["nightly backup"]),
            ("1-5", ["report"]),
            ("pinger", ["ping"]),
            ("nothing", []),
        ):
            pilot.app.screen.query_one("#filter", Input).value = text
            await pilot.pause(0.2)
            await settle(pilot)
            assert names(table_of(pilot)) == expected, text
        await pilot.press("escape")  # clears the filter, back to the table
        await pilot.pause(0.2)
        await settle(pilot)
        assert table_of(pilot).pager.total == 3
        assert isinstance(app.focused, ScheduleTable)


async def test_sort_cycles_next_name_status(make_app: AppFactory, other_store: Store) -> None:
    add(other_store, "b-late", cron="0 23 * * *")
    add(other_store, "a-soon", cron="*/5 * * * *")
    failing = add(other_store, "c-failing", cron="0 20 * * *")
    with other_store.write() as conn:
        conn.execute("UPDATE schedules SET last_status = 'failed' WHERE id = ?", (failing,))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert names(table_of(pilot)) == ["a-soon", "c-failing", "b-late"]
        await pilot.press("s")
        await settle(pilot)
        assert table_of(pilot).shown_query.order == "name"
        assert names(table_of(pilot)) == ["a-soon", "b-late", "c-failing"]
        await pilot.press("s")
        await settle(pilot)
        assert names(table_of(pilot))[0] == "c-failing"  # failing first
        await pilot.press("s")
        await settle(pilot)
        assert table_of(pilot).shown_query.order == "next"


async def test_pause_and_resume(make_app: AppFactory, other_store: Store) -> None:
    sid = add(other_store, "job")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert other_store.get(sid).active is False
        current = table_of(pilot).current
        assert current is not None and current.active is False
        assert app.status.counts.paused == 1
        await pilot.press("p")
        await settle(pilot)
        assert other_store.get(sid).active is True
        assert app.status.counts.active == 1


async def test_declarative_pause_is_refused_with_the_store_message(
    make_app: AppFactory, other_store: Store
) -> None:
    other_store.create(
        {"name": "from-file", "cron": "* * * * *", "action": cmd()},
        type="DECLARATIVE",
        declared_in="jobs.toml",
    )
    app = make_app()
    messages = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert any("DECLARATIVE" in m and "jobs.toml" in m for m in messages)
        assert other_store.resolve("from-file").active is True


async def test_delete_asks_first(make_app: AppFactory, other_store: Store) -> None:
    add(other_store, "keep")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert other_store.count() == 1
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert other_store.count() == 0
        assert table_of(pilot).pager.total == 0


async def test_changes_by_another_process_show_within_a_second(
    make_app: AppFactory, other_store: Store
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_of(pilot).pager.total == 0
        add(other_store, "from the cli")
        await pilot.pause(1.3)  # the data_version poll runs every second
        await settle(pilot)
        assert names(table_of(pilot)) == ["from the cli"]
        assert app.status.counts.active == 1


async def test_cursor_pages_through_many_rows(make_app: AppFactory, other_store: Store) -> None:
    for n in range(250):
        add(other_store, f"job-{n:03d}", cron=f"{n % 60} * * * *")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        await pilot.press("s")  # by name: job-000 … job-249
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 249
        assert table.current is not None and table.current.name == "job-249"
        await pilot.press("home", "j", "j", "k")
        await settle(pilot)
        assert table.current is not None and table.current.name == "job-001"
        await pilot.press("pagedown")
        await settle(pilot)
        assert table.cursor > 20
        assert table.current is not None
        assert table.current.name == f"job-{table.cursor:03d}"


async def test_click_selects_a_row(make_app: AppFactory, other_store: Store) -> None:
    for n in range(5):
        add(other_store, f"job-{n}", cron=f"{n} * * * *")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        await pilot.click(ScheduleTable, offset=(5, 3))  # header is line 0: line 3 = row 2
        await settle(pilot)
        assert table.cursor == 2


async def test_command_palette_lists_the_actions(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "New",
            "Edit",
            "Pause",
            "Run now",
            "Delete",
            "Clone",
            "Filter",
            "Sort",
            "Timeline",
            "History",
            "Keys",
            "Quit",
            "Theme",
        ):
            assert wanted in titles, wanted
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"sort")
        await pilot.pause(0.3)
        await pilot.press("enter")  # runs the screen's action
        await settle(pilot)
        assert table_of(pilot).shown_query.order == "name"


async def test_palette_theme_switch_restyles_the_table(make_app: AppFactory) -> None:
    """The palette's theme picker changes the theme, and tickwork's own styles (theme
    variables in the .tcss) follow it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        table = table_of(pilot)
        header = table.get_component_rich_style("schedule-table--header")
        muted = status_style(
            table.app, RunStatus.SKIPPED
        )  # statuses: the one table's theme colours
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")  # "Theme": the palette lists the themes
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"textual-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "textual-light"
        assert isinstance(app.screen, SchedulesScreen)
        light_header = table.get_component_rich_style("schedule-table--header")
        assert light_header.color != header.color and light_header.bgcolor != header.bgcolor
        assert status_style(table.app, RunStatus.SKIPPED).color != muted.color


async def test_keys_help_lists_bindings(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysHelpScreen)
        text = str(app.screen.query_one("#help-text", Static).content)
        for wanted in ("Pause", "Run now", "Delete", "Timeline", "Page down"):
            assert wanted in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SchedulesScreen)


async def test_empty_database_says_how_to_start(make_app: AppFactory) -> None:
    app = make_app()
    messages = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        assert table.render_line(1).text.strip() == "No schedules yet: press n to add one"
        await pilot.press("p")  # nothing selected: a warning, no crash
        await settle(pilot)
        assert any("No schedule" in m for m in messages)
        await pilot.press("n")  # and the hint is true
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)


async def test_filter_matching_nothing_says_how_to_clear_it(
    make_app: AppFactory, other_store: Store
) -> None:
    add(other_store, "backup")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        await pilot.press("slash", *"zzz")
        await settle(pilot)
        assert table.pager.total == 0
        hint = "No schedule matches 'zzz': press escape to clear the filter"
        assert table.render_line(1).text.strip() == hint
        await pilot.press("escape")
        await settle(pilot)
        assert names(table) == ["backup"]
