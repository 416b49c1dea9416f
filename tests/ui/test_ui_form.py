"""The edit form: create (cron, time of day + weekdays, interval), validation, cancel, read-only,
clone, PATCH of changed fields only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import Checkbox, ContentSwitcher, Input, Static

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, eventually, record_notifications, settle
from tickwork.cli.main import cli
from tickwork.domain import spec
from tickwork.domain.errors import InvalidSchedule
from tickwork.store import Store
from tickwork.ui.screens.confirm import ConfirmScreen
from tickwork.ui.screens.edit import EditScreen
from tickwork.ui.screens.schedules import SchedulesScreen


def field(pilot: Pilot[Any], key: str) -> Input:
    return pilot.app.screen.query_one(f"#f-{key}", Input)


def error_text(pilot: Pilot[Any], key: str) -> str:
    """The message under a field ("" when it has none: the line is made on first use)."""
    lines = pilot.app.screen.query(f"#err-{key}").results(Static)
    line = next(lines, None)
    return str(line.content) if line is not None and line.has_class("-shown") else ""


async def type_into(pilot: Pilot[Any], key: str, text: str) -> None:
    """Focus a field, clear it and type like a person (key by key)."""
    widget = field(pilot, key)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)
    await pilot.pause(0.2)  # validation runs 0.12 s after the last key


async def fill(pilot: Pilot[Any], **values: str) -> None:
    """Set several fields at once (as a paste would), then let validation run."""
    for key, text in values.items():
        field(pilot, key).value = text
    await pilot.pause(0.2)


async def open_form(pilot: Pilot[Any], key: str = "n") -> EditScreen:
    """Press `key` (n, e, enter, c) and wait until every field of the form is there."""
    await settle(pilot)
    await pilot.press(key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen)
    for _ in range(100):
        if screen.form.complete:
            break
        await pilot.pause(0.05)
    assert screen.form.complete
    return screen


async def open_new(pilot: Pilot[Any]) -> EditScreen:
    return await open_form(pilot, "n")


async def save(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_create_with_cron_time_of_day_and_interval(
    make_app: AppFactory, other_store: Store
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        await type_into(pilot, "name", "backup")  # typed key by key, like a person
        await fill(pilot, cron="30 2 * * *", timezone="Europe/Berlin", command="echo backup")
        await save(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        s = other_store.resolve("backup")
        assert (s.expression, s.timezone, s.action.summary(), s.time_of_day) == (
            "30 2 * * *",
            "Europe/Berlin",
            "echo backup",
            None,
        )

        screen = await open_new(pilot)
        await pilot.click("#timing-time")
        await pilot.pause()
        assert screen.query_one("#timing-switcher", ContentSwitcher).current == "pane-time"
        for day in (0, 6):  # untick Sunday and Saturday
            screen.query_one(f"#day-{day}", Checkbox).value = False
        await fill(pilot, name="standup", time_of_day="09:15", command="echo standup")
        await eventually(
            pilot,
            lambda: str(screen.query_one("#preview-text", Static).content),
            lambda text: "At 09:15 AM, Monday through Friday" in text,
        )
        await save(pilot)
        s = other_store.resolve("standup")
        assert (s.time_of_day, s.days_of_week, s.expression) == (
            "09:15",
            (1, 2, 3, 4, 5),
            "15 9 * * 1-5",
        )

        screen = await open_new(pilot)
        await pilot.click("#timing-every")
        await pilot.click("#kind-http")
        await pilot.pause()
        switcher = screen.query_one("#kind-switcher", ContentSwitcher)
        assert switcher.current == "pane-http"
        assert not screen.query_one("#pane-command").display  # only this kind's fields
        await fill(pilot, name="poll", every="10s", url="https://example.com/hook")
        await save(pilot)
        s = other_store.resolve("poll")
        assert s.expression == "@every 10s"
        assert s.action.kind == "http" and s.action.summary() == "POST https://example.com/hook"


async def test_validation_error_shows_the_cli_message_blocks_saving_and_keeps_input(
    make_app: AppFactory, other_store: Store, db_path: Path
) -> None:
    bad = "61 * * * *"
    try:
        spec.build({"name": "x", "cron": bad, "action": cmd()}, other_store.clock())
    except InvalidSchedule as exc:
        expected = exc.errors[0].message
    cli_run = CliRunner().invoke(
        cli, ["--db", str(db_path), "add", "x", "--cron", bad, "--command", "true"]
    )
    assert cli_run.exit_code == 1
    assert expected in cli_run.stderr

    app = make_app()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        await fill(pilot, name="every hour", command="echo hi")
        await type_into(pilot, "cron", bad)
        # as you type, before saving
        await eventually(pilot, lambda: error_text(pilot, "cron"), lambda t: t == expected)
        await save(pilot)
        assert isinstance(app.screen, EditScreen)  # blocked
        assert other_store.count() == 0
        assert field(pilot, "cron").value == bad  # nothing typed is lost
        assert field(pilot, "name").value == "every hour"
        assert any("Not saved" in n for n in notes)
        await fill(pilot, cron="1 * * * *")
        await eventually(pilot, lambda: error_text(pilot, "cron"), lambda t: t == "")
        await save(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        assert other_store.resolve("every hour").expression == "1 * * * *"


async def test_saving_an_empty_form_marks_every_missing_field(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        assert error_text(pilot, "name") == ""  # untouched fields are not shouted at
        await save(pilot)
        assert isinstance(app.screen, EditScreen)
        assert error_text(pilot, "name") == "a name is required: give a short non-empty name"
        assert error_text(pilot, "cron").startswith("a schedule needs a cron expression")
        assert error_text(pilot, "command") == "a shell command is required, like 'echo hello'"


async def test_escape_with_unsaved_changes_asks(make_app: AppFactory, other_store: Store) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, SchedulesScreen)
        await open_new(pilot)
        await fill(pilot, name="half done")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)
        assert field(pilot, "name").value == "half done"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SchedulesScreen)
        assert other_store.count() == 0


async def test_declarative_opens_read_only(make_app: AppFactory, other_store: Store) -> None:
    other_store.create(
        {"name": "from-file", "cron": "0 6 * * *", "action": cmd()},
        type="DECLARATIVE",
        declared_in="ops/jobs.toml",
    )
    app = make_app()
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot, "e")
        assert screen.read_only
        assert "ops/jobs.toml" in str(screen.query_one("#readonly-banner", Static).content)
        assert field(pilot, "name").disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("DECLARATIVE" in n for n in notes)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SchedulesScreen)
        assert other_store.resolve("from-file").updated_at == other_store.clock()


async def test_clone_prefills_a_copy(make_app: AppFactory, other_store: Store) -> None:
    other_store.create(
        {
            "name": "report",
            "cron": "0 9 * * 1-5",
            "action": cmd("echo r"),
            "deduplication_key": "rep",
            "retries": 2,
            "timezone": "Asia/Tokyo",
        }
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, "c")
        assert field(pilot, "name").value == "report (copy)"
        assert field(pilot, "deduplication_key").value == ""  # a copy must not update the original
        assert field(pilot, "retries").value == "2"
        await save(pilot)
        copy = other_store.resolve("report (copy)")
        assert (copy.expression, copy.timezone, copy.policies.retries) == (
            "0 9 * * 1-5",
            "Asia/Tokyo",
            2,
        )
        assert other_store.count() == 2


async def test_edit_patches_only_what_changed(make_app: AppFactory, other_store: Store) -> None:
    sid = other_store.create(
        {"name": "job", "cron": "0 9 * * *", "action": cmd("echo a"), "retries": 3}
    ).schedule.id
    app = make_app()
    patches: list[dict[str, Any]] = []
    update = app.store.update

    def recording_update(schedule_id: str, data: dict[str, Any], **kw: Any) -> Any:
        patches.append(dict(data))
        return update(schedule_id, data, **kw)

    app.store.update = recording_update  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, "enter")
        await fill(pilot, name="job renamed", max_runs="10")
        await save(pilot)
        assert patches == [{"name": "job renamed", "max_runs": "10"}]
        s = other_store.get(sid)
        assert (s.name, s.max_runs, s.policies.retries, s.expression) == (
            "job renamed",
            10,
            3,
            "0 9 * * *",
        )


async def test_timezone_completes_from_the_iana_list(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        await type_into(pilot, "timezone", "america/new_y")
        await pilot.press("right")  # → accepts the suggestion (and fixes the case)
        await pilot.pause()
        assert field(pilot, "timezone").value == "America/New_York"


async def test_tab_accepts_the_zone_completion_also_after_coming_back(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        zone = field(pilot, "timezone")
        await type_into(pilot, "timezone", "europe/lond")
        await pilot.press("tab")  # accepts; the focus stays to check what was taken
        await settle(pilot)
        assert zone.value == "Europe/London"
        assert app.focused is zone
        await pilot.press("tab")  # nothing left to complete: moves on
        await settle(pilot)
        assert app.focused is not zone

        zone.focus()
        zone.value = ""
        await pilot.press(*"asia/tok")
        await pilot.press("shift+tab")  # leave with the completion still pending
        await settle(pilot)
        assert app.focused is not zone and zone.value == "asia/tok"
        await pilot.press("tab")  # back into the field: the completion is offered again
        await settle(pilot)
        assert app.focused is zone
        await pilot.press("tab")
        await settle(pilot)
        assert zone.value == "Asia/Tokyo"
