"""The form has every field (hooks, signing secret) with the CLI's validation, and behaves: no red
error before typing, no select-and-replace when tabbing in, no verdict about text that is gone."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.widgets import Input, Static

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, settle
from tests.ui.test_ui_form import error_text, field, fill, open_form, open_new, save, type_into
from tickwork.cli.main import cli
from tickwork.domain import spec
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.secrets import mask_secret
from tickwork.store import Store
from tickwork.ui.screens import edit
from tickwork.ui.screens.edit import EditScreen
from tickwork.ui.screens.schedules import SchedulesScreen
from tickwork.ui.screens.secret import SecretScreen


def screen_text(screen: Any) -> str:
    """Everything the screen's text widgets hold (Static content and Input values)."""
    parts = [str(w.content) for w in screen.query(Static)]
    parts += [w.value for w in screen.query(Input)]
    return "\n".join(parts)


async def test_hooks_and_a_generated_secret_are_saved_and_the_secret_shown_once(
    make_app: AppFactory, other_store: Store
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        await fill(
            pilot,
            name="signed",
            cron="0 * * * *",
            command="echo hi",
            on_failure="https://hooks.example.com/tickwork",
            on_recovery="notify-send recovered",
            signing_secret="generate",
        )
        await save(pilot)
        shown = app.screen
        assert isinstance(shown, SecretScreen)
        s = other_store.resolve("signed")
        assert s.signing_secret is not None and s.signing_secret.startswith("whsec_")
        assert shown.query_one("#secret-value", Input).value == s.signing_secret
        assert (s.on_failure, s.on_success, s.on_recovery) == (
            "https://hooks.example.com/tickwork",
            None,
            "notify-send recovered",
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)

        screen = await open_form(pilot, "e")  # afterwards: masked, never shown again
        assert field(pilot, "signing_secret").value == ""
        text = screen_text(screen)
        assert s.signing_secret not in text
        assert str(mask_secret(s.signing_secret)) in text
        assert field(pilot, "on_failure").value == "https://hooks.example.com/tickwork"
        await fill(pilot, on_recovery="", signing_secret="none")  # clear both
        await save(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        s = other_store.resolve("signed")
        assert (s.on_recovery, s.signing_secret) == (None, None)
        assert s.on_failure == "https://hooks.example.com/tickwork"


@pytest.mark.parametrize(
    ("key", "bad"),
    [("on_failure", "ftp://example.com/x"), ("signing_secret", "whsec_short")],
)
async def test_hook_and_secret_errors_are_the_cli_messages(
    make_app: AppFactory, other_store: Store, db_path: Path, key: str, bad: str
) -> None:
    with pytest.raises(InvalidSchedule) as raised:
        data = {"name": "x", "cron": "0 * * * *", "action": cmd(), key: bad}
        spec.build(data, other_store.clock())
    expected = raised.value.errors[0].message
    option = "--" + key.replace("_", "-")
    run = CliRunner().invoke(
        cli,
        ["--db", str(db_path), "add", "x", "--cron", "0 * * * *", "--command", "true", option, bad],
    )
    assert run.exit_code == 1 and expected in run.stderr

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_new(pilot)
        await fill(pilot, name="x", cron="0 * * * *", command="true")
        await type_into(pilot, key, bad)
        assert error_text(pilot, key) == expected
        await save(pilot)
        assert isinstance(app.screen, EditScreen) and other_store.count() == 0


async def test_choosing_time_of_day_shows_no_error_before_anything_is_typed(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new(pilot)
        await pilot.click("#timing-time")
        await settle(pilot)
        assert error_text(pilot, "time_of_day") == ""
        assert not screen.query_one("#label-time_of_day").has_class("-invalid")
        await type_into(pilot, "time_of_day", "25:00")  # typed: now it is judged
        assert error_text(pilot, "time_of_day") != ""


async def test_tabbing_into_a_filled_field_does_not_select_it_for_replacement(
    make_app: AppFactory, other_store: Store
) -> None:
    other_store.create(
        {"name": "job", "description": "keep me", "cron": "0 9 * * *", "action": cmd()}
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, "e")
        assert app.focused is field(pilot, "name")
        await pilot.press("tab", "!")
        await settle(pilot)
        assert app.focused is field(pilot, "description")
        assert field(pilot, "description").value == "keep me!"  # added to, not replaced


async def test_a_verdict_about_text_that_changed_since_is_dropped(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check of '1x' lands after the field says '1m': it must never be shown."""
    release = threading.Event()
    real_judge = edit.judge

    def slow_judge(values: Any, *args: Any) -> Any:
        if values.every == "1x":
            release.wait(10)
        return real_judge(values, *args)

    monkeypatch.setattr(edit, "judge", slow_judge)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_new(pilot)
        shown: list[dict[str, str]] = []
        show_errors = screen.form.show_errors

        def recording(errors: Any, **kwargs: Any) -> None:
            shown.append(dict(errors))
            show_errors(errors, **kwargs)

        screen.form.show_errors = recording  # type: ignore[method-assign]
        await pilot.click("#timing-every")
        await settle(pilot)
        every = field(pilot, "every")
        every.focus()
        await pilot.press("1", "x")  # its check is held back...
        await pilot.pause(0.2)
        await pilot.press("backspace", "m")  # ...while the text becomes valid
        await pilot.pause(0.2)
        release.set()
        await settle(pilot)
        assert every.value == "1m"
        assert error_text(pilot, "every") == ""
        assert not any("1x" in message for errors in shown for message in errors.values())
